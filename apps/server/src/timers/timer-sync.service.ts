import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Queue, type RepeatOptions } from 'bullmq';
import { LessThan, type Repository } from 'typeorm';
import { parsePeriod, TimeExpressionType } from '@jobnest/common';
import { JobInfoEntity, WorkflowInfoEntity } from '@jobnest/persistence';
import { InstanceRepository } from '../instances/state/instance.repository';
import { DAILY_INTERVAL_PATTERN_PREFIX, FIXED_RATE_PATTERN_PREFIX, TRIGGER_LEAD_MS } from './jobnest-repeat-strategy';
import {
  FIXED_DELAY_TRIGGER,
  isWorkflowTrigger,
  jobIdOfScheduler,
  SCHEDULED_TRIGGER,
  SCHEDULED_WORKFLOW_TRIGGER,
  schedulerId,
  TRIGGER_QUEUE,
  workflowIdOfScheduler,
  workflowSchedulerId,
  type TriggerData,
} from './trigger-queue';

/** What a timer is made from: a job's or a workflow's time expression and lifecycle. */
export type Timed = Pick<
  JobInfoEntity,
  'enabled' | 'lifecycleStart' | 'lifecycleEnd' | 'timeExpressionType' | 'timeExpression' | 'timeZone'
>;

const TEMPLATE_OPTS = { removeOnComplete: true, removeOnFail: { count: 1000 } };

/**
 * Mirrors MySQL's timed jobs into BullMQ: a job scheduler per CRON / FIXED_RATE / DAILY_TIME_INTERVAL job (all
 * through jobnestRepeatStrategy, due TRIGGER_LEAD_MS before their slots) and a
 * chain of delayed triggers per FIXED_DELAY job. MySQL is the truth: `reconcileAll()` rebuilds everything from it
 * (Redis may lose it all), `sync()` applies one job's change at once.
 */
@Injectable()
export class TimerSyncService {
  private readonly logger = new Logger(TimerSyncService.name);

  constructor(
    @InjectQueue(TRIGGER_QUEUE) private readonly queue: Queue<TriggerData>,
    @InjectRepository(JobInfoEntity) private readonly jobs: Repository<JobInfoEntity>,
    @InjectRepository(WorkflowInfoEntity) private readonly workflows: Repository<WorkflowInfoEntity>,
    private readonly instances: InstanceRepository,
  ) {}

  /** Brings one workflow's scheduler in line with its row (after create, update, enable, disable). */
  async syncWorkflow(workflow: WorkflowInfoEntity): Promise<void> {
    const repeat = this.schedulerOptions(workflow);
    if (repeat) await this.upsertWorkflow(workflow.id, repeat);
    else await this.queue.removeJobScheduler(workflowSchedulerId(workflow.id));
  }

  async removeWorkflow(workflowId: number): Promise<void> {
    await this.queue.removeJobScheduler(workflowSchedulerId(workflowId));
  }

  private async upsertWorkflow(workflowId: number, repeat: RepeatOptions): Promise<void> {
    await this.queue.upsertJobScheduler(workflowSchedulerId(workflowId), repeat, {
      name: SCHEDULED_WORKFLOW_TRIGGER,
      data: { workflowId },
      opts: TEMPLATE_OPTS,
    });
  }

  /** Brings one job's timer in line with its row (after create, update, enable, disable). */
  async sync(job: JobInfoEntity): Promise<void> {
    const repeat = this.schedulerOptions(job);
    if (repeat) {
      await this.upsert(job.id, repeat);
    } else {
      await this.queue.removeJobScheduler(schedulerId(job.id));
    }
    if (this.wantsFixedDelay(job)) {
      await this.ensureFixedDelayArmed(job);
    } else {
      await this.removeFixedDelayTriggers(job.id);
    }
  }

  async remove(jobId: number): Promise<void> {
    await this.queue.removeJobScheduler(schedulerId(jobId));
    await this.removeFixedDelayTriggers(jobId);
  }

  /** Queues the next FIXED_DELAY trigger `period` ms from now; `key` makes a replayed re-arm a no-op. */
  async armFixedDelay(job: JobInfoEntity, key: string): Promise<void> {
    const period = parsePeriod(TimeExpressionType.FIXED_DELAY, job.timeExpression);
    const slot = Date.now() + period;
    await this.queue.add(
      FIXED_DELAY_TRIGGER,
      { jobId: job.id, slot },
      {
        ...TEMPLATE_OPTS,
        delay: Math.max(0, period - TRIGGER_LEAD_MS),
        jobId: `fixed-delay-${job.id}-${key}`,
      },
    );
  }

  /**
   * Rebuilds every timer from MySQL: upserts missing or changed schedulers, removes those of jobs that are gone or
   * disabled, re-arms FIXED_DELAY chains that have neither a pending trigger nor an unfinished instance. `lost` are
   * the jobs whose scheduler was missing altogether (Redis lost it): their slots since then need a catch-up.
   */
  async reconcileAll(): Promise<{
    upserted: number;
    removed: number;
    armed: number;
    lost: JobInfoEntity[];
    lostWorkflows: WorkflowInfoEntity[];
  }> {
    await this.disableEndedJobs();
    const jobs = await this.jobs.findBy({ enabled: true });
    const wanted = new Map<string, { job: JobInfoEntity; repeat: RepeatOptions }>();
    for (const job of jobs) {
      const repeat = this.schedulerOptions(job);
      if (repeat) wanted.set(schedulerId(job.id), { job, repeat });
    }
    const wantedWorkflows = new Map<string, { workflow: WorkflowInfoEntity; repeat: RepeatOptions }>();
    for (const workflow of await this.workflows.findBy({ enabled: true })) {
      const repeat = this.schedulerOptions(workflow);
      if (repeat) wantedWorkflows.set(workflowSchedulerId(workflow.id), { workflow, repeat });
    }
    let upserted = 0;
    let removed = 0;
    const existing = await this.queue.getJobSchedulers(0, -1);
    const seen = new Set<string>();
    for (const s of existing) {
      const id = s.key;
      seen.add(id);
      const wantWorkflow = wantedWorkflows.get(id);
      if (wantWorkflow) {
        if (!sameRepeat(s, wantWorkflow.repeat)) {
          await this.upsertWorkflow(wantWorkflow.workflow.id, wantWorkflow.repeat);
          upserted++;
        }
        continue;
      }
      const want = wanted.get(id);
      if (!want) {
        if (jobIdOfScheduler(id) !== undefined || workflowIdOfScheduler(id) !== undefined) {
          await this.queue.removeJobScheduler(id);
          removed++;
        }
        continue;
      }
      if (!sameRepeat(s, want.repeat)) {
        await this.upsert(want.job.id, want.repeat);
        upserted++;
      }
    }
    const lostWorkflows: WorkflowInfoEntity[] = [];
    for (const [id, want] of wantedWorkflows) {
      if (!seen.has(id)) {
        await this.upsertWorkflow(want.workflow.id, want.repeat);
        upserted++;
        lostWorkflows.push(want.workflow);
      }
    }
    const lost: JobInfoEntity[] = [];
    for (const [id, want] of wanted) {
      if (!seen.has(id)) {
        await this.upsert(want.job.id, want.repeat);
        upserted++;
        lost.push(want.job);
      }
    }
    let armed = 0;
    for (const job of jobs.filter((j) => this.wantsFixedDelay(j))) {
      if (await this.ensureFixedDelayArmed(job)) armed++;
    }
    if (upserted + removed + armed > 0) {
      this.logger.log(
        `timers rebuilt from MySQL: ${upserted} scheduler(s) upserted, ${removed} removed, ${armed} fixed-delay chain(s) armed`,
      );
    }
    return { upserted, removed, armed, lost, lostWorkflows };
  }

  /** A job whose lifecycle is over is disabled (its scheduler simply stops producing slots). */
  private async disableEndedJobs(): Promise<void> {
    const ended = await this.jobs.findBy({ enabled: true, lifecycleEnd: LessThan(Date.now()) });
    for (const job of ended) {
      await this.jobs.update({ id: job.id, enabled: true }, { enabled: false });
      await this.remove(job.id);
      this.logger.log(`job ${job.id}: lifecycle ended at ${new Date(job.lifecycleEnd ?? 0).toISOString()}, disabled`);
    }
  }

  private async upsert(jobId: number, repeat: RepeatOptions): Promise<void> {
    await this.queue.upsertJobScheduler(schedulerId(jobId), repeat, {
      name: SCHEDULED_TRIGGER,
      data: { jobId },
      opts: TEMPLATE_OPTS,
    });
  }

  /** The scheduler a job or workflow needs, or undefined (not timed by a scheduler, disabled, or its lifecycle is over). */
  schedulerOptions(job: Timed): RepeatOptions | undefined {
    if (!job.enabled || (job.lifecycleEnd !== null && job.lifecycleEnd < Date.now())) return undefined;
    const lifecycle: RepeatOptions = {
      ...(job.lifecycleStart !== null ? { startDate: job.lifecycleStart } : {}),
      ...(job.lifecycleEnd !== null ? { endDate: job.lifecycleEnd } : {}),
    };
    switch (job.timeExpressionType) {
      case TimeExpressionType.CRON:
        return { pattern: job.timeExpression ?? '', tz: job.timeZone, ...lifecycle };
      case TimeExpressionType.DAILY_TIME_INTERVAL:
        return {
          pattern: `${DAILY_INTERVAL_PATTERN_PREFIX}${job.timeExpression ?? ''}`,
          tz: job.timeZone,
          ...lifecycle,
        };
      case TimeExpressionType.FIXED_RATE:
        return {
          pattern: `${FIXED_RATE_PATTERN_PREFIX}${parsePeriod(TimeExpressionType.FIXED_RATE, job.timeExpression)}`,
          tz: 'UTC',
          ...lifecycle,
        };
      default:
        return undefined;
    }
  }

  private wantsFixedDelay(job: JobInfoEntity): boolean {
    return (
      job.enabled &&
      job.timeExpressionType === TimeExpressionType.FIXED_DELAY &&
      (job.lifecycleEnd === null || job.lifecycleEnd >= Date.now())
    );
  }

  /** Arms a FIXED_DELAY chain that has no pending trigger and no unfinished instance; true when it armed one. */
  private async ensureFixedDelayArmed(job: JobInfoEntity): Promise<boolean> {
    if ((await this.pendingFixedDelayTriggers(job.id)).length > 0) return false;
    if ((await this.instances.countActiveOfJob(job.id)) > 0) return false; // its end re-arms the chain
    // The same key the end of the last timed instance re-arms with: if both race (the instance just ended), BullMQ
    // keeps one trigger and the chain does not split in two.
    const last = await this.instances.lastTimedInstanceId(job.id);
    await this.armFixedDelay(job, last !== undefined ? `after-${last}` : `start-${job.updatedAt.getTime()}`);
    return true;
  }

  private async pendingFixedDelayTriggers(jobId: number) {
    const jobs = await this.queue.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
    return jobs.filter((j) => j.name === FIXED_DELAY_TRIGGER && !isWorkflowTrigger(j.data) && j.data.jobId === jobId);
  }

  private async removeFixedDelayTriggers(jobId: number): Promise<void> {
    for (const j of await this.pendingFixedDelayTriggers(jobId)) {
      await j.remove().catch(() => undefined); // an active one finishes and finds the job changed
    }
  }
}

function sameRepeat(
  s: { pattern?: string | null; every?: number | null; tz?: string | null },
  repeat: RepeatOptions,
): boolean {
  return (
    (s.pattern ?? undefined) === repeat.pattern &&
    (s.every ?? undefined) === repeat.every &&
    (s.tz ?? undefined) === repeat.tz
  );
}
