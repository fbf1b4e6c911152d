import { Inject, Injectable } from '@nestjs/common';
import {
  errorMessage,
  ExecuteType,
  InstanceStatus,
  longTimeout,
  type RunInstanceCommand,
  type StopInstanceCommand,
  type TaskCounts,
} from '@jobnest/common';
import { WorkerConfig } from '../options/worker-config';
import { missingStep } from '../processor/processor-steps';
import { ProcessorRegistry } from '../processor/processor-registry';
import { LogShipper } from '../reporting/log-shipper';
import { StatusReporter } from '../reporting/status-reporter';
import { RecentlyStopped } from '../util/recently-stopped';
import { WorkerLogger } from '../util/worker-logger';
import {
  INSTANCE_EXECUTORS,
  type InstanceExecutor,
  type InstanceExecutors,
  type InstanceOutcome,
} from './instance-executor';
import { InstanceRun, type AbortKind } from './instance-run';
import { LatestRuns } from './latest-runs';
import { limitResult } from './result-limit';
import { thrownResult } from './run-attempt';

type FinalStatus = InstanceStatus.SUCCEEDED | InstanceStatus.FAILED | InstanceStatus.STOPPED;

/** The "starts beyond maxConcurrentInstances" warning comes at most this often: a burst would flood the log. */
const OVERCOMMIT_WARN_MS = 10_000;

/**
 * Owns every instance this worker was asked to run (RunInstance), whatever its execute type. It refuses what cannot
 * run here, reports RUNNING, hands the run to the executor of its execute type (a distributed one gets a TaskTracker
 * there), enforces the time limit and stops, and reports the final status exactly once per run (the first outcome
 * wins: a stop or time limit is reported at once, a late processor result is ignored).
 */
@Injectable()
export class InstanceTracker {
  private readonly logger = new WorkerLogger(InstanceTracker.name, () => this.config.knownWorkerId);
  /** Runs whose outcome is not decided yet, by `instanceId:runningTimes`. */
  private readonly running = new Map<string, InstanceRun>();
  /** Executions still in progress, including aborted ones whose processor has not returned yet. */
  private readonly executions = new Set<Promise<void>>();
  private readonly recentlyStopped = new RecentlyStopped();
  private readonly latestRuns = new LatestRuns();
  private shuttingDown = false;
  /** When the overcommit warning was last logged, and how many runs started beyond the limit since without one. */
  private overcommitWarnedAt = 0;
  private overcommitUnlogged = 0;

  constructor(
    private readonly config: WorkerConfig,
    private readonly registry: ProcessorRegistry,
    private readonly reporter: StatusReporter,
    private readonly logs: LogShipper,
    @Inject(INSTANCE_EXECUTORS) private readonly executors: InstanceExecutors,
  ) {}

  /** Instances whose outcome is not decided yet (sent in heartbeats). */
  get runningCount(): number {
    return this.running.size;
  }

  run(command: RunInstanceCommand): void {
    const { instanceId, runningTimes } = command;
    const label = `instance ${instanceId} run ${runningTimes}`;
    if (this.shuttingDown) {
      this.logger.warn(`${label} arrived during shutdown; not started (the server will dispatch it again)`);
      return;
    }
    if (this.running.has(InstanceRun.key(instanceId, runningTimes))) {
      this.logger.debug(`${label} is already running here; duplicate RunInstance ignored`);
      return;
    }
    if (this.reporter.hasUnacknowledgedFinal(instanceId, runningTimes)) {
      this.logger.debug(`${label} already ended here; re-sending its final status instead of running it again`);
      this.reporter.resendFinal(instanceId, runningTimes);
      return;
    }
    if (!this.latestRuns.admit(instanceId, runningTimes)) {
      this.logger.warn(`${label} ignored: a newer run of the instance was already started here`);
      return;
    }
    this.supersedeOlderRuns(command);
    this.reporter.forgetRunsBefore(instanceId, runningTimes);

    const stopReason = this.recentlyStopped.stopReasonFor(instanceId, command.dispatchedAt);
    if (stopReason !== undefined) {
      this.reportFinal(command, InstanceStatus.STOPPED, `stopped: ${stopReason}`);
      return;
    }

    const executor = this.executors[command.executeType];
    if (!executor) {
      this.reportFinal(
        command,
        InstanceStatus.FAILED,
        `execute type ${command.executeType} is not supported by this worker yet`,
      );
      return;
    }
    const processor = this.registry.get(command.processor);
    if (!processor) {
      const names = this.registry.names();
      this.reportFinal(
        command,
        InstanceStatus.FAILED,
        `processor '${command.processor}' is not registered on worker ${this.config.options.workerId} ` +
          `(registered: ${names.length > 0 ? names.join(', ') : 'none'})`,
      );
      return;
    }
    const missing = missingStep(processor, command.executeType);
    if (missing !== undefined) {
      // Refused before any task runs: otherwise every subtask would run first and the run fail at its end.
      this.reportFinal(
        command,
        InstanceStatus.FAILED,
        `processor '${command.processor}' (class ${this.registry.className(command.processor) ?? '?'}) has no ` +
          `${missing} method, which a ${command.executeType} job needs`,
      );
      return;
    }
    if (this.running.size >= this.config.options.maxConcurrentInstances) {
      // The server's overload filter should have prevented this; refusing would fail the user's instance.
      this.warnOvercommit(label);
    }
    this.start(command, executor);
  }

  /** Logs a start beyond maxConcurrentInstances, once per OVERCOMMIT_WARN_MS, with how many went unlogged. */
  private warnOvercommit(label: string): void {
    const now = Date.now();
    if (now - this.overcommitWarnedAt < OVERCOMMIT_WARN_MS) {
      this.overcommitUnlogged++;
      return;
    }
    const unlogged = this.overcommitUnlogged;
    this.overcommitWarnedAt = now;
    this.overcommitUnlogged = 0;
    this.logger.warn(
      `${label} starts beyond maxConcurrentInstances (${this.config.options.maxConcurrentInstances})` +
        (unlogged > 0 ? `; ${unlogged} more started beyond it since the previous warning` : ''),
    );
  }

  /** Aborts the instance's run here and reports STOPPED at once; remembers the stop if the run has not arrived. */
  stop(command: StopInstanceCommand): void {
    const runs = [...this.running.values()].filter((r) => r.instanceId === command.instanceId);
    if (runs.length === 0) {
      this.recentlyStopped.remember(command.instanceId, command.reason);
      this.logger.debug(`instance ${command.instanceId} is not running here; stop remembered in case its run arrives`);
      return;
    }
    for (const run of runs) this.settle(run, InstanceStatus.STOPPED, `stopped: ${command.reason}`);
  }

  /**
   * Aborts every run. A standalone run is reported FAILED (the server retries it within instanceRetries); a
   * distributed run is left unreported: its task table survives, and once this worker's last heartbeat is in the
   * server hands the instance to another worker, which resumes it (a rolling restart does not lose the work).
   */
  abortAllForShutdown(): void {
    this.shuttingDown = true;
    const message = `worker ${this.config.options.workerId} shut down`;
    for (const run of [...this.running.values()]) {
      if (run.command.executeType === ExecuteType.STANDALONE) {
        this.settle(run, InstanceStatus.FAILED, message, 'shutdown');
        continue;
      }
      run.abort(new Error(message), 'shutdown');
      run.end();
      this.running.delete(run.key);
    }
  }

  /** Waits up to `timeoutMs` for aborted processors to return (so their last log lines can still be shipped). */
  async waitForExecutions(timeoutMs: number): Promise<void> {
    if (this.executions.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.executions]),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** Registers the run at once (a stop or a duplicate finds it), and starts it at `notBefore` (timer slots). */
  private start(command: RunInstanceCommand, executor: InstanceExecutor): void {
    const run = new InstanceRun(command);
    this.running.set(run.key, run);
    this.executeAtSlot(run, executor);
  }

  /**
   * Executes the run once the wall clock reaches its `notBefore`. Timers run on the monotonic clock and may fire a
   * millisecond before Date.now() gets there, so an early one re-arms for what is left: a run never starts before its
   * slot. longTimeout: `notBefore` comes from the server, and a plain setTimeout would start a far-off run at once.
   */
  private executeAtSlot(run: InstanceRun, executor: InstanceExecutor): void {
    const wait = run.command.notBefore - Date.now();
    if (wait > 0) longTimeout(() => this.executeAtSlot(run, executor), wait);
    else this.execute(run, executor);
  }

  private execute(run: InstanceRun, executor: InstanceExecutor): void {
    if (run.isEnded) return; // stopped while it waited for its slot
    const { command } = run;
    this.reporter.reportRunning(command.instanceId, command.runningTimes);
    run.armTimeLimit(() =>
      this.settle(
        run,
        InstanceStatus.FAILED,
        `instance time limit of ${command.instanceTimeLimitMs} ms exceeded`,
        'time-limit',
      ),
    );
    const execution = executor
      .execute(run)
      .then(
        (outcome: InstanceOutcome) => this.finish(run, outcome.status, outcome.result, outcome.tasks),
        (err: unknown) => this.finish(run, InstanceStatus.FAILED, thrownResult(err)),
      )
      .catch((err: unknown) =>
        this.logger.error(`instance ${run.instanceId}: reporting its outcome failed: ${errorMessage(err)}`),
      )
      .finally(() => this.executions.delete(execution));
    this.executions.add(execution);
  }

  /** The executor returned: report its outcome unless a stop, time limit or shutdown already decided the run. */
  private finish(run: InstanceRun, status: FinalStatus, result: string | null, tasks?: TaskCounts): void {
    if (run.isEnded) {
      this.logger.debug(`instance ${run.instanceId} run ${run.runningTimes}: late ${status} of the processor ignored`);
      return;
    }
    this.end(run, status, result, tasks);
  }

  /** Decides the run from outside (stop, time limit, shutdown): abort the processor and report now. */
  private settle(run: InstanceRun, status: FinalStatus, reason: string, kind: AbortKind = 'stop'): void {
    if (run.isEnded) return;
    run.abort(new Error(reason), kind);
    this.end(run, status, reason);
  }

  private end(run: InstanceRun, status: FinalStatus, result: string | null, tasks?: TaskCounts): void {
    if (!run.end()) return;
    this.running.delete(run.key);
    // A workflow node's keys merge into the context only when it succeeds.
    const additions = status === InstanceStatus.SUCCEEDED ? run.workflowAdditions?.toJson() : undefined;
    this.reportFinal(run.command, status, result, tasks, additions);
  }

  private reportFinal(
    command: RunInstanceCommand,
    status: FinalStatus,
    result: string | null,
    tasks?: TaskCounts,
    contextAdditions?: string,
  ): void {
    // Issued first on the same connection, the instance's last log lines reach the stream before its final status.
    void this.logs.flush();
    this.reporter.reportFinal(
      command.instanceId,
      command.runningTimes,
      status,
      limitResult(result),
      tasks,
      contextAdditions,
    );
  }

  /**
   * The server moved on to a newer run of this instance (it gave up on the old one): abort older runs here without
   * reporting them (the server drops reports of older runs).
   */
  private supersedeOlderRuns(command: RunInstanceCommand): void {
    for (const run of [...this.running.values()]) {
      if (run.instanceId !== command.instanceId) continue;
      this.logger.warn(
        `instance ${run.instanceId} run ${run.runningTimes} superseded by run ${command.runningTimes}; aborted`,
      );
      run.abort(new Error(`superseded by run ${command.runningTimes}`), 'superseded');
      run.end();
      this.running.delete(run.key);
    }
  }
}
