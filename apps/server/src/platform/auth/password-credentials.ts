import { UnauthorizedException } from '@nestjs/common';
import type { FindOptionsSelect, FindOptionsWhere, ObjectLiteral, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { hashPassword, verifyPassword } from '@jobnest/common';

/** A row that logs in with a password and carries the version of its tokens (an app, a console user). */
export interface PasswordCredentials extends ObjectLiteral {
  id: number;
  passwordHash: string;
  tokenVersion: number;
}

/** A real hash of a random password: a login for an unknown name verifies against it, so it costs one scrypt too. */
export function makeDecoyHash(): Promise<string> {
  return hashPassword(`decoy-${Math.random()}-${Date.now()}`);
}

/**
 * The row `where` finds when `password` is its password; 401 with `wrongPair` otherwise. An unknown name and a wrong
 * password take the same scrypt and get the same answer, so the API does not tell which names exist.
 */
export async function checkPasswordPair<T extends PasswordCredentials>(
  rows: Repository<T>,
  where: FindOptionsWhere<T>,
  password: string,
  decoyHash: Promise<string>,
  wrongPair: string,
): Promise<T> {
  const row = await rows.findOneBy(where);
  const matches = await verifyPassword(password, row?.passwordHash ?? (await decoyHash));
  if (!row || !matches) throw new UnauthorizedException(wrongPair);
  return row;
}

/**
 * Stores a new password and bumps the token version in one UPDATE (the version moves with the hash even when two
 * changes race), which revokes every token issued before. Returns the new version.
 */
export async function storeNewPassword<T extends PasswordCredentials>(
  rows: Repository<T>,
  id: number,
  newPassword: string,
): Promise<number | undefined> {
  const passwordHash = await hashPassword(newPassword);
  await rows
    .createQueryBuilder()
    .update()
    .set({ passwordHash, tokenVersion: () => 'token_version + 1' } as QueryDeepPartialEntity<T>)
    .where('id = :id', { id })
    .execute();
  const row = await rows.findOne({
    where: { id } as FindOptionsWhere<T>,
    select: { id: true, tokenVersion: true } as FindOptionsSelect<T>,
  });
  return row?.tokenVersion;
}
