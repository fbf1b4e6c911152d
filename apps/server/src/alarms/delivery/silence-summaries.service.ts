import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { AlarmRuleEntity } from '@jobnest/persistence';
import { AlarmGate } from '../gate/alarm-gate';
import { AlarmOutbox } from './alarm-outbox.service';
import type { SummarizeHeldJob } from './alarm-jobs';

/**
 * The end of a silence period that held events back: one alarm reports how many, showing the latest of them, and
 * a new period starts (a failure that goes on makes one alarm per period). Nothing is sent when a recovery or an
 * alarm reported them already.
 */
@Injectable()
export class SilenceSummaries {
  constructor(
    @InjectRepository(AlarmRuleEntity) private readonly rules: Repository<AlarmRuleEntity>,
    private readonly gate: AlarmGate,
    private readonly outbox: AlarmOutbox,
  ) {}

  async flush(job: SummarizeHeldJob): Promise<void> {
    const rule = await this.rules.findOneBy({ id: job.ruleId });
    if (!rule) return;
    // Taken once per period and kept: should sending fail, BullMQ's retry sends the same summary.
    const held = await this.gate.flushHeld(rule, job.subject, job.period);
    if (!held) return;
    const event = { ...held.last, key: `${held.last.key}:summary:${job.period}` };
    await this.outbox.send([{ rule, event, suppressedCount: held.held }]);
  }
}
