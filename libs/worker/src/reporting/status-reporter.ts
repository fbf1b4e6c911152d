import { Injectable } from '@nestjs/common';
import { InstanceStatus, type InstanceStatusReport, type TaskCounts, ThrottledErrorLog } from '@jobnest/common';
import { WorkerConfig } from '../options/worker-config';
import { WorkerRedis } from '../redis/worker-redis';
import { RepeatingTimer } from '../util/repeating-timer';
import { WorkerLogger } from '../util/worker-logger';

/** A report nobody acknowledges (a server bug, an old server without RUNNING acks) is not re-sent forever. */
const GIVE_UP_AFTER_MS = 60 * 60 * 1000;

type FinalStatus = InstanceStatus.SUCCEEDED | InstanceStatus.FAILED | InstanceStatus.STOPPED;

interface PendingReport {
  report: InstanceStatusReport;
  firstSentAt: number;
  lastSentAt: number;
}

function runKey(instanceId: number, runningTimes: number): string {
  return `${instanceId}:${runningTimes}`;
}

/**
 * Sends instance statuses to the `instance-status` stream and keeps each run's latest one until the server
 * acknowledges it, re-sending it every statusResendIntervalMs: a final status until AckInstanceStatus, RUNNING until
 * AckInstanceRunning or until the final status replaces it. A RUNNING report lost on the way (Redis failed over, the
 * XADD failed) would otherwise leave the run WAITING_WORKER_RECEIVE on the server, which dispatches it again after
 * its receive timeout: the run would go twice.
 *
 * Reports of one event-loop turn leave together on setImmediate, in one pipelined `addMany` (a burst of thousands of
 * instances is a few round trips, not one per report). A RUNNING report followed in the same turn by its run's
 * final report (or by a newer RUNNING one) is not sent: the server takes a final status straight from
 * WAITING_WORKER_RECEIVE.
 */
@Injectable()
export class StatusReporter {
  private readonly logger = new WorkerLogger(StatusReporter.name, () => this.config.knownWorkerId);
  private readonly errors = new ThrottledErrorLog(this.logger);
  /** Unacknowledged final reports, by run. */
  private readonly pending = new Map<string, PendingReport>();
  /** Unacknowledged RUNNING reports (the latest progress of the run), by run. */
  private readonly pendingRunning = new Map<string, PendingReport>();
  private timer: RepeatingTimer | undefined;
  /** Reports of this event-loop turn, sent together on setImmediate. */
  private buffer: InstanceStatusReport[] = [];
  private flushTimer: NodeJS.Immediate | undefined;

  constructor(
    private readonly config: WorkerConfig,
    private readonly redis: WorkerRedis,
  ) {}

  start(): void {
    this.timer = new RepeatingTimer(this.config.options.statusResendIntervalMs, () => this.resend(false));
    this.timer.start();
  }

  /**
   * Stops re-sending and sends every unacknowledged final report once more (unless `send` is false). Unacknowledged
   * RUNNING reports are dropped: the runs they announce end with this worker.
   */
  async stop(send = true): Promise<void> {
    this.timer?.stop();
    this.timer = undefined;
    this.pendingRunning.clear();
    const buffered = this.takeBuffer();
    // The buffered final reports are in `pending`: resend(true) sends them once, with the buffered RUNNING ones.
    if (send) await this.resend(true, buffered);
  }

  /**
   * RUNNING, with the subtask progress of distributed instances (sent again as the progress changes); kept until
   * acknowledged, the latest progress replacing the earlier one.
   */
  reportRunning(instanceId: number, runningTimes: number, tasks?: TaskCounts): void {
    const report = this.report(instanceId, runningTimes, InstanceStatus.RUNNING, null, tasks);
    const key = runKey(instanceId, runningTimes);
    if (!this.pending.has(key)) {
      const firstSentAt = this.pendingRunning.get(key)?.firstSentAt ?? report.time;
      this.pendingRunning.set(key, { report, firstSentAt, lastSentAt: report.time });
    }
    this.enqueue(report);
  }

  /** Sends the final status now and keeps it until acknowledged; it replaces the run's RUNNING report. */
  reportFinal(
    instanceId: number,
    runningTimes: number,
    status: FinalStatus,
    result: string | null,
    tasks?: TaskCounts,
    contextAdditions?: string,
  ): void {
    const report = this.report(instanceId, runningTimes, status, result, tasks, contextAdditions);
    const key = runKey(instanceId, runningTimes);
    this.pendingRunning.delete(key);
    this.pending.set(key, { report, firstSentAt: report.time, lastSentAt: report.time });
    this.enqueue(report);
  }

  /** True when this run already ended here and its final report waits for the server's ack. */
  hasUnacknowledgedFinal(instanceId: number, runningTimes: number): boolean {
    return this.pending.has(runKey(instanceId, runningTimes));
  }

  /** Sends an unacknowledged final report again now (the server asked for the run again, so it missed it). */
  resendFinal(instanceId: number, runningTimes: number): void {
    const entry = this.pending.get(runKey(instanceId, runningTimes));
    if (!entry) return;
    entry.lastSentAt = Date.now();
    this.enqueue(entry.report);
  }

  /** The server stored (or dropped) the final report of this run. */
  acknowledge(instanceId: number, runningTimes: number): void {
    this.pending.delete(runKey(instanceId, runningTimes));
  }

  /** The server applied (or dropped) a RUNNING report of this run. */
  acknowledgeRunning(instanceId: number, runningTimes: number): void {
    this.pendingRunning.delete(runKey(instanceId, runningTimes));
  }

  /** The server started a newer run of the instance: reports of older runs would be dropped anyway. */
  forgetRunsBefore(instanceId: number, runningTimes: number): void {
    // By key, run by run: called for every run started, it must not walk every pending report (a burst of thousands
    // of runs would cost the square of it). An instance has few runs.
    for (let run = 1; run < runningTimes; run++) {
      const key = runKey(instanceId, run);
      this.pending.delete(key);
      this.pendingRunning.delete(key);
    }
  }

  /** Unacknowledged final reports. */
  get pendingCount(): number {
    return this.pending.size;
  }

  private get stream(): string {
    return this.redis.streams.instanceStatus;
  }

  private report(
    instanceId: number,
    runningTimes: number,
    status: InstanceStatusReport['status'],
    result: string | null,
    tasks?: TaskCounts,
    contextAdditions?: string,
  ): InstanceStatusReport {
    return {
      kind: 'InstanceStatusReport',
      instanceId,
      workerId: this.config.options.workerId,
      runningTimes,
      status,
      result,
      time: Date.now(),
      ...(tasks ? { tasks } : {}),
      ...(contextAdditions !== undefined ? { contextAdditions } : {}),
    };
  }

  /** Sends the report with the others of this event-loop turn. */
  private enqueue(report: InstanceStatusReport): void {
    this.buffer.push(report);
    this.flushTimer ??= setImmediate(() => void this.send(this.takeBuffer()));
  }

  /** The reports buffered so far (the flush they waited for is cancelled). */
  private takeBuffer(): InstanceStatusReport[] {
    if (this.flushTimer) clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    const reports = this.buffer;
    this.buffer = [];
    return reports;
  }

  /** Never rejects: a failed final report stays pending and goes again on the next tick. */
  private async send(all: InstanceStatusReport[]): Promise<void> {
    const reports = coalesce(all);
    if (reports.length === 0) return;
    try {
      await this.redis.producer.addMany(this.stream, reports);
    } catch (err) {
      const what =
        reports.length === 1
          ? `${reports[0].status} of instance ${reports[0].instanceId}`
          : `${reports.length} instance statuses`;
      this.errors.error('status', `sending ${what} failed`, err);
    }
  }

  /**
   * Re-sends the reports not sent for a while (`all`: every one), RUNNING ones before final ones, after `buffered`
   * (reports not sent yet) in the same round trip.
   */
  private async resend(all: boolean, buffered: InstanceStatusReport[] = []): Promise<void> {
    const now = Date.now();
    const minAge = all ? 0 : this.config.options.statusResendIntervalMs / 2;
    const due: InstanceStatusReport[] = [...buffered];
    for (const pending of [this.pendingRunning, this.pending]) {
      for (const [key, entry] of pending) {
        if (now - entry.firstSentAt > GIVE_UP_AFTER_MS) {
          pending.delete(key);
          this.logger.warn(
            `giving up re-sending ${entry.report.status} of instance ${entry.report.instanceId} (run ${entry.report.runningTimes}): no server acknowledged it`,
          );
          continue;
        }
        if (now - entry.lastSentAt < minAge) continue; // just sent
        entry.lastSentAt = now;
        due.push(entry.report);
      }
    }
    if (due.length > 0) await this.send(due);
  }
}

/**
 * The reports worth sending, in order: the same report object once, and a RUNNING report only when no later report
 * of its run (a newer RUNNING one, or the final one) is among them.
 */
function coalesce(reports: InstanceStatusReport[]): InstanceStatusReport[] {
  if (reports.length < 2) return reports;
  const lastOfRun = new Map<string, number>();
  const ended = new Set<string>();
  reports.forEach((r, i) => {
    const key = runKey(r.instanceId, r.runningTimes);
    if (r.status === InstanceStatus.RUNNING) lastOfRun.set(key, i);
    else ended.add(key);
  });
  const seen = new Set<InstanceStatusReport>();
  return reports.filter((r, i) => {
    if (seen.has(r)) return false;
    seen.add(r);
    if (r.status !== InstanceStatus.RUNNING) return true;
    const key = runKey(r.instanceId, r.runningTimes);
    return !ended.has(key) && lastOfRun.get(key) === i;
  });
}
