import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type FindOptionsWhere, type Repository } from 'typeorm';
import { AuditEntryEntity } from '@jobnest/persistence';
import type { Page } from '../http/page-query.dto';
import type { AuditEntryView, AuditQueryDto } from './audit.dto';

/** Reads the audit log, newest first, one app at a time (or the server-level entries). */
@Injectable()
export class AuditLogService {
  constructor(@InjectRepository(AuditEntryEntity) private readonly entries: Repository<AuditEntryEntity>) {}

  /** Entries of the app, or with `appId` null those of no app (apps, users). */
  async list(appId: number | null, query: AuditQueryDto): Promise<Page<AuditEntryView>> {
    const page = query.page ?? 1;
    const size = query.size ?? 20;
    const where: FindOptionsWhere<AuditEntryEntity> = { appId: appId ?? IsNull() };
    if (query.actor !== undefined) where.actor = query.actor;
    if (query.action !== undefined) where.action = query.action;
    if (query.targetType !== undefined) where.targetType = query.targetType;
    if (query.targetId !== undefined) where.targetId = query.targetId;
    const [rows, total] = await this.entries.findAndCount({
      where,
      order: { id: 'DESC' },
      skip: (page - 1) * size,
      take: size,
    });
    return {
      items: rows.map((row) => ({
        id: row.id,
        at: new Date(row.at).toISOString(),
        actor: row.actor,
        action: row.action,
        targetType: row.targetType,
        targetId: row.targetId,
        detail: row.detail,
      })),
      total,
      page,
      size,
    };
  }
}
