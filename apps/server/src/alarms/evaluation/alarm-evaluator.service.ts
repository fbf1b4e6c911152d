import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AlarmEventType, InstanceStatus, ThrottledErrorLog } from '@jobnest/common';
import type { AlarmRuleEntity } from '@jobnest/persistence';
import { ClusterViewService } from '../../cluster/cluster-view.service';
import { InstanceEvents } from '../../instances/state/instance-events';
import type { AlarmEvent } from '../alarm-event';
import { AlarmGate } from '../gate/alarm-gate';
import { AlarmOutbox, type OutgoingAlarm } from '../delivery/alarm-outbox.service';
import { AlarmRuleBook, ruleForJob, ruleForWorkflow, ruleWants, type AppRules } from '../rules/alarm-rule-book';
import { AlarmSignals, type AlarmSignal, type WorkflowEndedSignal } from '../signals/alarm-signals';
import { AlarmFacts, type FailedInstanceFacts } from './alarm-facts';
import { FAILURE_EVENTS, failureEventType } from './failure-event-type';

/** What the evaluator is told, as it is told it (cheap to record on the scheduling path). */
type SuccessNotice = { kind: 'instance-succeeded'; id: number; jobId: number; asWorkflowNode: boolean };
/** Notices that carry their app: signals, and an app left without a worker. */
type SignalNotice = AlarmSignal | { kind: 'app-no-worker'; appId: number; lastWorkerId: string };
type Notice = { kind: 'instance-failed'; id: number } | SuccessNotice | SignalNotice;

/** Notices evaluated together: one query per kind of fact, one Redis round trip, one INSERT. */
const BATCH = 500;
/** Notices waiting at most; past it new ones are dropped (counted in the log), so an alarm storm stays bounded. */
const MAX_WAITING = 20_000;
/** Instances a WORKER_LOST alarm lists. */
const MAX_LISTED_INSTANCES = 20;

/**
 * Turns what happens (instances ending, slots missed, workflows failing, workers lost) into alarms: finds the rule
 * that governs each event, lets the gate decide (threshold, silence, once across servers) and hands the result to
 * the outbox. Notices are taken synchronously into a bounded buffer and evaluated in the background, so neither
 * the report consumers nor the scheduler ever wait on an alarm.
 */
@Injectable()
export class AlarmEvaluator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmEvaluator.name);
  private readonly failures = new ThrottledErrorLog(this.logger, 10_000);
  private waiting: Notice[] = [];
  private draining: Promise<void> | undefined;
  private dropped = 0;
  /** Live workers per app as last seen, to notice an app losing its last one. */
  private liveByApp = new Map<number, string[]>();

  constructor(
    private readonly instanceEvents: InstanceEvents,
    private readonly signals: AlarmSignals,
    private readonly cluster: ClusterViewService,
    private readonly rules: AlarmRuleBook,
    private readonly facts: AlarmFacts,
    private readonly gate: AlarmGate,
    private readonly outbox: AlarmOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.instanceEvents.onFinished(({ id, status, jobId, workflowInstanceId }) => {
      if (status === InstanceStatus.FAILED) this.take({ kind: 'instance-failed', id });
      else if (status === InstanceStatus.SUCCEEDED && jobId !== undefined)
        this.take({ kind: 'instance-succeeded', id, jobId, asWorkflowNode: (workflowInstanceId ?? null) !== null });
    });
    this.signals.listen((signal) => this.take(signal));
    this.cluster.onWorkersChanged(() => this.noticeAppsWithoutWorkers());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.draining;
  }

  /** Evaluates what is waiting now (tests; the shutdown). */
  async settle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private take(notice: Notice): void {
    if (this.waiting.length >= MAX_WAITING) {
      if (this.dropped++ === 0)
        this.logger.error(`alarm evaluation is ${MAX_WAITING} notices behind: dropping new ones`);
      return;
    }
    this.waiting.push(notice);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    await Promise.resolve(); // the notices of the same task join the batch
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, BATCH);
      try {
        await this.evaluate(batch);
      } catch (err) {
        this.failures.error('evaluate', `evaluating ${batch.length} alarm notice(s) failed; they are lost`, err);
      }
      if (this.dropped > 0) {
        this.logger.error(`${this.dropped} alarm notice(s) were dropped while evaluation was behind`);
        this.dropped = 0;
      }
    }
  }

  private noticeAppsWithoutWorkers(): void {
    const now = new Map<number, string[]>();
    for (const w of this.cluster.liveWorkerStates()) now.set(w.appId, [...(now.get(w.appId) ?? []), w.workerId]);
    for (const [appId, before] of this.liveByApp) {
      // The same key on every server: the last of the workers this server saw (sorted, so servers agree).
      if (!now.has(appId)) this.take({ kind: 'app-no-worker', appId, lastWorkerId: [...before].sort().at(-1)! });
    }
    this.liveByApp = now;
  }

  private async evaluate(batch: Notice[]): Promise<void> {
    // The facts first (one query each), then the rules of every app concerned (one Redis round trip).
    const failed = await this.facts.failedInstances(batch.flatMap((n) => (n.kind === 'instance-failed' ? [n.id] : [])));
    const successes = batch.filter((n): n is SuccessNotice => n.kind === 'instance-succeeded');
    const jobs = await this.facts.jobsById(successes.map((s) => s.jobId));
    const signals = batch.filter(isSignal);
    const rules = await this.rules.forApps([
      ...failed.map((f) => f.appId),
      ...[...jobs.values()].map((j) => j.appId),
      ...signals.map((s) => s.appId),
    ]);
    const candidates = [...this.instanceFailures(failed, rules), ...(await this.signalEvents(signals, rules))];
    const decided = await this.gate.evaluate(
      candidates.map(({ rule, event }) => ({
        rule,
        event,
        marksFailing: rule.notifyRecovery && FAILURE_EVENTS.has(event.type),
      })),
    );
    const outgoing: OutgoingAlarm[] = [];
    candidates.forEach(({ rule, event }, i) => {
      const decision = decided[i]!;
      if (decision.outcome === 'alarm') outgoing.push({ rule, event, suppressedCount: decision.heldBefore });
      else if (decision.outcome === 'held') {
        outgoing.push({ rule, event, suppressedCount: 0, held: true });
        if (decision.heldSoFar === 1) this.outbox.summarizeAt(rule, event.subject, decision.silentUntil);
      }
    });
    outgoing.push(...(await this.recoveries(successes, jobs, signals, rules)));
    await this.outbox.send(outgoing);
  }

  /** FAILED instances whose rule wants their kind of failure. */
  private instanceFailures(
    failed: FailedInstanceFacts[],
    rules: Map<number, AppRules>,
  ): { rule: AlarmRuleEntity; event: AlarmEvent }[] {
    const found: { rule: AlarmRuleEntity; event: AlarmEvent }[] = [];
    for (const f of failed) {
      const type = failureEventType(f.reason);
      const rule = ruleForJob(rules.get(f.appId), f.jobId, f.workflowInstanceId !== null);
      if (!ruleWants(rule, type)) continue;
      found.push({
        rule,
        event: {
          type,
          key: `instance:${f.id}:run:${f.run}:failed`,
          appId: f.appId,
          appName: f.appName,
          subject: `job:${f.jobId}`,
          occurredAt: Date.now(),
          reason: f.reason,
          jobId: f.jobId,
          jobName: f.jobName,
          instanceId: f.id,
          run: f.run,
          workerId: f.workerId,
          ...(f.workflowInstanceId === null ? {} : { workflowInstanceId: f.workflowInstanceId }),
        },
      });
    }
    return found;
  }

  /** Slots missed, workflows failed, workers lost, apps left without a worker. */
  private async signalEvents(
    signals: SignalNotice[],
    rulesByApp: Map<number, AppRules>,
  ): Promise<{ rule: AlarmRuleEntity; event: AlarmEvent }[]> {
    if (signals.length === 0) return [];
    const appNames = await this.facts.appNamesById(signals.map((s) => s.appId));
    const workflowNames = await this.facts.workflowNames(
      signals.flatMap((s) => (s.kind === 'workflow-ended' ? [s.workflowId] : [])),
    );
    const found: { rule: AlarmRuleEntity; event: AlarmEvent }[] = [];
    const now = Date.now();
    for (const s of signals) {
      const appName = appNames.get(s.appId);
      if (appName === undefined) continue; // the app was deleted meanwhile
      const rules = rulesByApp.get(s.appId);
      const base = { appId: s.appId, appName, occurredAt: now };
      let rule: AlarmRuleEntity | undefined;
      let event: AlarmEvent | undefined;
      if (s.kind === 'slots-missed') {
        rule = s.target === 'job' ? ruleForJob(rules, s.id, false) : ruleForWorkflow(rules, s.id);
        event = {
          ...base,
          type: AlarmEventType.SLOTS_MISSED,
          key: `${s.target}:${s.id}:${s.how}:${s.latestSlot}`,
          subject: `${s.target}:${s.id}`,
          reason:
            s.how === 'misfired'
              ? `${s.count} slot(s) fired too late to run (past the misfire threshold) and were skipped`
              : `${s.count} slot(s) were skipped${s.reason ? `: ${s.reason}` : ''}`,
          ...(s.target === 'job' ? { jobId: s.id, jobName: s.name } : { workflowId: s.id, workflowName: s.name }),
          slots: { kind: s.how, count: s.count, latestSlot: s.latestSlot },
        };
      } else if (s.kind === 'workflow-ended') {
        if (s.nested || s.succeeded) continue;
        rule = ruleForWorkflow(rules, s.workflowId);
        event = {
          ...base,
          type: AlarmEventType.WORKFLOW_FAILED,
          key: `workflow-instance:${s.workflowInstanceId}:failed`,
          subject: `workflow:${s.workflowId}`,
          reason: s.reason ?? 'failed',
          workflowId: s.workflowId,
          workflowName: workflowNames.get(s.workflowId) ?? `#${s.workflowId}`,
          workflowInstanceId: s.workflowInstanceId,
          ...(s.failedNodeId === undefined ? {} : { failedNodeId: s.failedNodeId }),
        };
      } else if (s.kind === 'worker-lost') {
        rule = rules?.appDefault;
        event = {
          ...base,
          type: AlarmEventType.WORKER_LOST,
          key: `worker-lost:${s.workerId}`,
          subject: `workers:${s.appId}`,
          reason: `worker ${s.workerId} stopped heartbeating while it ran ${s.instanceIds.length} instance(s); they are retried or taken over`,
          workerId: s.workerId,
          instanceIds: s.instanceIds.slice(0, MAX_LISTED_INSTANCES),
        };
      } else {
        rule = rules?.appDefault;
        event = {
          ...base,
          type: AlarmEventType.APP_NO_WORKER,
          key: `app-no-worker:${s.appId}:${s.lastWorkerId}`,
          subject: `app:${s.appId}`,
          reason: `the app's last live worker (${s.lastWorkerId}) is gone: its instances wait, then fail`,
          workerId: s.lastWorkerId,
        };
      }
      if (ruleWants(rule, event.type)) found.push({ rule, event });
    }
    return found;
  }

  /** Successes of jobs and workflows that had alarmed failures, under rules that ask for recovery alarms. */
  private async recoveries(
    successes: SuccessNotice[],
    jobs: Map<number, { appId: number; name: string }>,
    signals: SignalNotice[],
    rulesByApp: Map<number, AppRules>,
  ): Promise<OutgoingAlarm[]> {
    const workflowSuccesses = signals.filter(
      (n): n is WorkflowEndedSignal => n.kind === 'workflow-ended' && n.succeeded && !n.nested,
    );
    if (successes.length === 0 && workflowSuccesses.length === 0) return [];
    const watched: { rule: AlarmRuleEntity; subject: string; appId: number; make: (appName: string) => AlarmEvent }[] =
      [];
    const seen = new Set<string>();
    const now = Date.now();
    for (const s of successes) {
      const job = jobs.get(s.jobId);
      if (!job) continue;
      const rule = ruleForJob(rulesByApp.get(job.appId), s.jobId, s.asWorkflowNode);
      const subject = `job:${s.jobId}`;
      if (!ruleWants(rule, AlarmEventType.RECOVERED) || seen.has(`${rule.id}/${subject}`)) continue;
      seen.add(`${rule.id}/${subject}`);
      watched.push({
        rule,
        subject,
        appId: job.appId,
        make: (appName) => ({
          type: AlarmEventType.RECOVERED,
          key: `instance:${s.id}:recovered`,
          appId: job.appId,
          appName,
          subject,
          occurredAt: now,
          reason: `instance ${s.id} succeeded after failures that raised an alarm`,
          jobId: s.jobId,
          jobName: job.name,
          instanceId: s.id,
        }),
      });
    }
    for (const w of workflowSuccesses) {
      const rule = ruleForWorkflow(rulesByApp.get(w.appId), w.workflowId);
      const subject = `workflow:${w.workflowId}`;
      if (!ruleWants(rule, AlarmEventType.RECOVERED) || seen.has(`${rule.id}/${subject}`)) continue;
      seen.add(`${rule.id}/${subject}`);
      const name = (await this.facts.workflowNames([w.workflowId])).get(w.workflowId) ?? `#${w.workflowId}`;
      watched.push({
        rule,
        subject,
        appId: w.appId,
        make: (appName) => ({
          type: AlarmEventType.RECOVERED,
          key: `workflow-instance:${w.workflowInstanceId}:recovered`,
          appId: w.appId,
          appName,
          subject,
          occurredAt: now,
          reason: `workflow instance ${w.workflowInstanceId} succeeded after failures that raised an alarm`,
          workflowId: w.workflowId,
          workflowName: name,
          workflowInstanceId: w.workflowInstanceId,
        }),
      });
    }
    if (watched.length === 0) return [];
    const recovered = await this.gate.recover(watched.map((w) => ({ ruleId: w.rule.id, subject: w.subject })));
    const appNames = await this.facts.appNamesById(watched.map((w) => w.appId));
    return watched.flatMap((w, i) => {
      const held = recovered[i];
      const appName = appNames.get(w.appId);
      return held === undefined || appName === undefined
        ? []
        : [{ rule: w.rule, event: w.make(appName), suppressedCount: held }];
    });
  }
}

function isSignal(n: Notice): n is SignalNotice {
  return n.kind !== 'instance-failed' && n.kind !== 'instance-succeeded';
}
