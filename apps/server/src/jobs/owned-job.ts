import { NotFoundException } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { JobInfoEntity } from '@jobnest/persistence';

/**
 * The app's job `id`. Another app's job answers 404 like a missing one, so ids do not leak across apps. (The run
 * API reads its jobs in the launcher's batches, with the same 404.)
 */
export async function findOwnedJob(jobs: Repository<JobInfoEntity>, appId: number, id: number): Promise<JobInfoEntity> {
  const job = await jobs.findOneBy({ id, appId });
  if (!job) throw new NotFoundException(`job ${id} not found`);
  return job;
}
