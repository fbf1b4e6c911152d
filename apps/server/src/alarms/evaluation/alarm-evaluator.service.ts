import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AlarmEventType, InstanceStatus, ThrottledErrorLog } from '@jobnest/common';
import type { AlarmRuleEntity } from '@jobnest/persistence';
import { InstanceEvents } from '../../instances/state/instance-events';
import { clipReason } from '../../instances/state/status-reason';
import type { AlarmEvent } from '../alarm-event';
import { AlarmOutbox, type OutgoingAlarm } from '../delivery/alarm-outbox.service';
import { AlarmGate } from '../gate/alarm-gate';
import { AlarmRuleBook, ruleForJob, ruleForWorkflow, ruleWants, type AppRules } from '../rules/alarm-rule-book';
import { AlarmSignals, type AlarmSignal } from '../signals/alarm-signals';
import { AlarmFacts, type FailedInstanceFacts } from './alarm-facts';
import { FAILURE_EVENTS, failureEventType } from './failure-event-type';

/** What the evaluator is told, as it is told it (cheap to record on the report path). */
type SuccessNotice = { kind: 'instance-succeeded'; id: number; jobId: number; asWorkflowNode: boolean };
type Notice = { kind: 'instance-failed'; id: number } | SuccessNotice | AlarmSignal;

/** An event that may alarm, under the rule that governs it, and where its notice stood in the batch. */
interface Candidate {
  rule: AlarmRuleEntity;
  event: AlarmEvent;
  position: number;
}

/** A success that may be a recovery, if a failure alarm marked its subject. */
interface RecoveryCandidate {
  rule: AlarmRuleEntity;
  subject: string;
  position: number;
  event: AlarmEvent;
}

/** Notices evaluated together: one query per kind of fact, one Redis round trip, one INSERT. */
const BATCH = 500;
/** Notices waiting at most; past it new ones are dropped (counted in the log), so an alarm storm stays bounded. */
const MAX_WAITING = 20_000;
/** Instances a WORKER_LOST alarm lists. */
const MAX_LISTED_INSTANCES = 20;
/** How often this server reads which apps' rules changed (for the synchronous success filter). */
const RULES_REFRESH_MS = 1000;

/**
 * Turns what happens (instances ending, slots missed, workflows ending, workers lost) into alarms: finds the rule
 * that governs each event, lets the gate decide (threshold, silence, once across servers) and hands the result to
 * the outbox. Notices are taken synchronously into a bounded buffer and evaluated in the background, so neither
 * the report consumers nor the scheduler wait on an alarm. A success is taken only when its app may have a rule
 * asking for recovery alarms, so the report path pays a map lookup per success otherwise.
 */
@Injectable()
export class AlarmEvaluator implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AlarmEvaluator.name);
  private readonly failures = new ThrottledErrorLog(this.logger, 10_000);
  private readonly waiting: Notice[] = [];
  private draining: Promise<void> | undefined;
  private dropped = 0;
  private refresh: NodeJS.Timeout | undefined;

  constructor(
    private readonly instanceEvents: InstanceEvents,
    private readonly signals: AlarmSignals,
    private readonly rules: AlarmRuleBook,
    private readonly facts: AlarmFacts,
    private readonly gate: AlarmGate,
    private readonly outbox: AlarmOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.instanceEvents.onFinished(({ id, status, jobId, workflowInstanceId }) => {
      if (status === InstanceStatus.FAILED) this.take({ kind: 'instance-failed', id });
      else if (status === InstanceStatus.SUCCEEDED && jobId !== undefined && this.mayRecover(jobId))
        this.take({ kind: 'instance-succeeded', id, jobId, asWorkflowNode: (workflowInstanceId ?? null) !== null });
    });
    this.signals.listen((signal) => this.take(signal));
    const refresh = () =>
      this.rules
        .refreshChanged()
        .catch((err: unknown) => this.failures.error('rules', 'reading which alarm rules changed failed', err));
    void refresh();
    this.refresh = setInterval(() => void refresh(), RULES_REFRESH_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.refresh) clearInterval(this.refresh);
    await this.settle();
  }

  /** Resolves once everything taken so far was evaluated. */
  async settle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /** A job of an app that is not known yet may; one of a known app only when some rule of the app asks. */
  private mayRecover(jobId: number): boolean {
    const appId = this.facts.knownJobApp(jobId);
    return appId === undefined || this.rules.mayRecover(appId);
  }

  private take(notice: Notice): void {
    if (this.waiting.length >= MAX_WAITING) {
      if (this.dropped++ === 0)
        this.logger.error(`alarm evaluation is ${MAX_WAITING} notices behind: dropping new ones`);
      return;
    }
    this.waiting.push(notice);
    this.kick();
  }

  private kick(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // A notice taken between the loop's last check and here would wait for the next one.
      if (this.waiting.length > 0) this.kick();
    });
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

  private async evaluate(batch: Notice[]): Promise<void> {
    // The facts first (one query each), then the rules of every app concerned (one Redis round trip).
    const failedIds = new Map<number, number>();
    batch.forEach((n, position) => n.kind === 'instance-failed' && failedIds.set(n.id, position));
    const failed = await this.facts.failedInstances([...failedIds.keys()]);
    const successes: [SuccessNotice, number][] = [];
    batch.forEach((n, position) => n.kind === 'instance-succeeded' && successes.push([n, position]));
    const jobs = await this.facts.jobsById(successes.map(([s]) => s.jobId));
    const signals: [AlarmSignal, number][] = [];
    batch.forEach(
      (n, position) => n.kind !== 'instance-failed' && n.kind !== 'instance-succeeded' && signals.push([n, position]),
    );
    const rules = await this.rules.forApps([
      ...failed.map((f) => f.appId),
      ...[...jobs.values()].map((j) => j.appId),
      ...signals.map(([s]) => s.appId),
    ]);

    const candidates = [
      ...this.instanceFailures(failed, failedIds, rules),
      ...(await this.signalEvents(signals, rules)),
    ];
    const recoveries = [
      ...this.jobRecoveries(successes, jobs, rules),
      ...(await this.workflowRecoveries(signals, rules)),
    ];
    // A success after the last failure of its subject in this batch is looked at after the failures (it may
    // recover from them); one before, first (the failures after it are still failing).
    const lastFailure = new Map<string, number>();
    for (const c of candidates)
      if (FAILURE_EVENTS.has(c.event.type))
        lastFailure.set(c.event.subject, Math.max(c.position, lastFailure.get(c.event.subject) ?? -1));
    const after = (r: RecoveryCandidate) => r.position > (lastFailure.get(r.subject) ?? Number.MAX_SAFE_INTEGER);
    const outgoing: OutgoingAlarm[] = [...(await this.recover(recoveries.filter((r) => !after(r))))];

    const decided = await this.gate.evaluate(
      candidates.map(({ rule, event }) => ({
        rule,
        event,
        marksFailing: rule.notifyRecovery && FAILURE_EVENTS.has(event.type),
      })),
    );
    candidates.forEach(({ rule, event }, i) => {
      const decision = decided[i]!;
      if (decision.outcome === 'alarm') outgoing.push({ rule, event, suppressedCount: decision.heldBefore });
      else if (decision.outcome === 'held') {
        outgoing.push({ rule, event, suppressedCount: 0, held: true });
        if (decision.heldSoFar === 1) this.outbox.summarizeAt(rule, event.subject, decision);
      }
    });
    outgoing.push(...(await this.recover(recoveries.filter(after))));
    await this.outbox.send(outgoing);
  }

  /** FAILED instances whose rule wants their kind of failure. */
  private instanceFailures(
    failed: FailedInstanceFacts[],
    positions: Map<number, number>,
    rules: Map<number, AppRules>,
  ): Candidate[] {
    const found: Candidate[] = [];
    for (const f of failed) {
      const type = failureEventType(f.reason);
      const rule = ruleForJob(rules.get(f.appId), f.jobId, f.workflowInstanceId !== null);
      if (!ruleWants(rule, type)) continue;
      found.push({
        rule,
        position: positions.get(f.id) ?? 0,
        event: {
          type,
          key: `instance:${f.id}:failed:${f.finishedTime}`,
          appId: f.appId,
          appName: f.appName,
          subject: `job:${f.jobId}`,
          occurredAt: f.finishedTime || Date.now(),
          reason: clipReason(f.reason),
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
    signals: [AlarmSignal, number][],
    rulesByApp: Map<number, AppRules>,
  ): Promise<Candidate[]> {
    if (signals.length === 0) return [];
    const appNames = await this.facts.appNamesById(signals.map(([s]) => s.appId));
    const workflowNames = await this.facts.workflowNames(
      signals.flatMap(([s]) => (s.kind === 'workflow-ended' ? [s.workflowId] : [])),
    );
    const found: Candidate[] = [];
    const now = Date.now();
    for (const [s, position] of signals) {
      const appName = appNames.get(s.appId);
      if (appName === undefined) continue; // the app was deleted meanwhile
      const rules = rulesByApp.get(s.appId);
      const base = { appId: s.appId, appName, occurredAt: now };
      let rule: AlarmRuleEntity | undefined;
      let event: AlarmEvent;
      if (s.kind === 'slots-missed') {
        rule = s.target === 'job' ? ruleForJob(rules, s.id, false) : ruleForWorkflow(rules, s.id);
        event = {
          ...base,
          type: AlarmEventType.SLOTS_MISSED,
          key: `${s.target}:${s.id}:${s.how}:${s.latestSlot}`,
          subject: `${s.target}:${s.id}`,
          reason: clipReason(
            s.how === 'misfired'
              ? `${s.count} slot(s) came too late to run (past the misfire threshold) and were skipped`
              : `${s.count} slot(s) were skipped${s.reason ? `: ${s.reason}` : ''}`,
          ),
          ...(s.target === 'job' ? { jobId: s.id, jobName: s.name } : { workflowId: s.id, workflowName: s.name }),
          slots: { kind: s.how, count: s.count, latestSlot: s.latestSlot },
        };
      } else if (s.kind === 'workflow-ended') {
        if (s.nested || s.succeeded) continue;
        rule = ruleForWorkflow(rules, s.workflowId);
        event = {
          ...base,
          type: AlarmEventType.WORKFLOW_FAILED,
          key: `workflow-instance:${s.workflowInstanceId}:failed:v${s.version}`,
          subject: `workflow:${s.workflowId}`,
          reason: clipReason(s.reason ?? 'failed'),
          workflowId: s.workflowId,
          workflowName: workflowNames.get(s.workflowId) ?? `#${s.workflowId}`,
          workflowInstanceId: s.workflowInstanceId,
          ...(s.failedNodeId === undefined ? {} : { failedNodeId: s.failedNodeId }),
        };
      } else if (s.kind === 'worker-lost') {
        rule = rules?.appDefault;
        const first = s.runs[0]!;
        event = {
          ...base,
          type: AlarmEventType.WORKER_LOST,
          key: `worker-lost:${s.workerId}:${first.instanceId}:${first.run}`,
          subject: `workers:${s.appId}`,
          reason: `worker ${s.workerId} stopped heartbeating while it ran ${s.runs.length} instance(s): each is taken over, retried or failed as its job allows`,
          workerId: s.workerId,
          instanceIds: s.runs.slice(0, MAX_LISTED_INSTANCES).map((r) => r.instanceId),
        };
      } else {
        rule = rules?.appDefault;
        const last = [...s.lastWorkerIds].sort().join(', ');
        event = {
          ...base,
          type: AlarmEventType.APP_NO_WORKER,
          key: `app-no-worker:${s.appId}:${s.noticedAt}`,
          subject: `app:${s.appId}`,
          reason: `the app's last live worker(s) (${last}) went away: its instances wait for one, then fail`,
          workerId: s.lastWorkerIds.length === 1 ? s.lastWorkerIds[0]! : null,
        };
      }
      if (ruleWants(rule, event.type)) found.push({ rule, event, position });
    }
    return found;
  }

  private jobRecoveries(
    successes: [SuccessNotice, number][],
    jobs: Map<number, { appId: number; name: string }>,
    rulesByApp: Map<number, AppRules>,
  ): RecoveryCandidate[] {
    const found: RecoveryCandidate[] = [];
    const now = Date.now();
    for (const [s, position] of successes) {
      const job = jobs.get(s.jobId);
      const rule = job ? ruleForJob(rulesByApp.get(job.appId), s.jobId, s.asWorkflowNode) : undefined;
      if (!job || !ruleWants(rule, AlarmEventType.RECOVERED)) continue;
      const subject = `job:${s.jobId}`;
      found.push({
        rule,
        subject,
        position,
        event: {
          type: AlarmEventType.RECOVERED,
          key: `instance:${s.id}:recovered`,
          appId: job.appId,
          appName: '',
          subject,
          occurredAt: now,
          reason: `instance ${s.id} succeeded after failures that raised an alarm`,
          jobId: s.jobId,
          jobName: job.name,
          instanceId: s.id,
        },
      });
    }
    return found;
  }

  private async workflowRecoveries(
    signals: [AlarmSignal, number][],
    rulesByApp: Map<number, AppRules>,
  ): Promise<RecoveryCandidate[]> {
    const found: RecoveryCandidate[] = [];
    const now = Date.now();
    const names = await this.facts.workflowNames(
      signals.flatMap(([s]) => (s.kind === 'workflow-ended' && s.succeeded ? [s.workflowId] : [])),
    );
    for (const [s, position] of signals) {
      if (s.kind !== 'workflow-ended' || !s.succeeded || s.nested) continue;
      const rule = ruleForWorkflow(rulesByApp.get(s.appId), s.workflowId);
      if (!ruleWants(rule, AlarmEventType.RECOVERED)) continue;
      const name = names.get(s.workflowId) ?? `#${s.workflowId}`;
      const subject = `workflow:${s.workflowId}`;
      found.push({
        rule,
        subject,
        position,
        event: {
          type: AlarmEventType.RECOVERED,
          key: `workflow-instance:${s.workflowInstanceId}:recovered:v${s.version}`,
          appId: s.appId,
          appName: '',
          subject,
          occurredAt: now,
          reason: `workflow instance ${s.workflowInstanceId} succeeded after failures that raised an alarm`,
          workflowId: s.workflowId,
          workflowName: name,
          workflowInstanceId: s.workflowInstanceId,
        },
      });
    }
    return found;
  }

  /** The candidates whose subject a failure alarm had marked: RECOVERED alarms, with what was held back. */
  private async recover(candidates: RecoveryCandidate[]): Promise<OutgoingAlarm[]> {
    if (candidates.length === 0) return [];
    const recovered = await this.gate.recover(candidates.map((c) => ({ ruleId: c.rule.id, subject: c.subject })));
    const appNames = await this.facts.appNamesById(candidates.map((c) => c.event.appId));
    return candidates.flatMap((c, i) => {
      const held = recovered[i];
      const appName = appNames.get(c.event.appId);
      return held === undefined || appName === undefined
        ? []
        : [{ rule: c.rule, event: { ...c.event, appName }, suppressedCount: held }];
    });
  }
}
