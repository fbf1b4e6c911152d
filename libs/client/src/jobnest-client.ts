import { setTimeout as sleep } from 'node:timers/promises';
import type { Agent } from 'node:http';
import {
  JobnestApiError,
  JobnestClientError,
  JobnestConnectionError,
  WaitTimeoutError,
  WorkflowWaitTimeoutError,
} from './errors';
import { type HttpRequest, HttpTransport } from './http-transport';
import { isFinalStatus } from './instance-status';
import type {
  AccessToken,
  App,
  FinalInstanceStatus,
  HealthStatus,
  Instance,
  InstanceFilter,
  Job,
  JobFilter,
  JobInput,
  LogPage,
  LogQuery,
  Page,
  PageQuery,
  RunJobOptions,
  RunJobResult,
  RunJobBulkResult,
  TaskQuery,
  TaskView,
  TimePreview,
  TimeExpressionType,
  WorkerTaskCounts,
  WorkerView,
} from './types';
import type {
  AppRole,
  AppSummary,
  RedisAcl,
  AuditEntry,
  AuditFilter,
  ConsoleUser,
  Grant,
  InstanceStats,
  Me,
  UserSession,
} from './access-types';
import type {
  FinalWorkflowInstanceStatus,
  RunWorkflowOptions,
  RunWorkflowResult,
  Workflow,
  WorkflowInput,
  WorkflowInstance,
  WorkflowInstanceFilter,
} from './workflow-types';
import type {
  AlarmChannel,
  AlarmChannelInput,
  AlarmDelivery,
  AlarmDeliveryFilter,
  AlarmRule,
  AlarmRuleInput,
  AlarmRuleSettings,
} from './alarm-types';

/** Options of {@link JobnestClient}. */
export interface JobnestClientOptions {
  /** Base URL of the Jobnest server; a path prefix is kept (Default: 'http://127.0.0.1:7700'). */
  baseUrl?: string;
  /** Bearer token for the authenticated endpoints (Default: none; call {@link JobnestClient.login}). */
  accessToken?: string;
  /** Timeout of each HTTP request in milliseconds, including reading the body (Default: 10000). */
  timeoutMs?: number;
  /**
   * A fetch implementation to send requests with, e.g. one that goes through a proxy (Default: none: node:http(s)
   * over kept-alive connections, which costs a client several times less CPU per request than the global fetch).
   */
  fetch?: typeof fetch;
  /**
   * The node:http or node:https agent of the requests when no `fetch` is given, e.g. an https.Agent trusting a
   * private CA (Default: a kept-alive agent of the client's own).
   */
  agent?: Agent;
  /**
   * The server admin's credentials (JOBNEST_ADMIN_USER / JOBNEST_ADMIN_PASSWORD of the server), sent as HTTP Basic
   * auth on the admin routes only: {@link JobnestClient.createApp} and {@link JobnestClient.resetAppPassword}
   * (Default: none).
   */
  admin?: AdminCredentials;
  /**
   * The app a user's or the admin's token acts in, sent as the X-Jobnest-App header; an app's own token needs none
   * (Default: none; see {@link JobnestClient.useApp}).
   */
  app?: string;
}

/** The server admin's username and password. */
export interface AdminCredentials {
  username: string;
  password: string;
}

/** Options of {@link JobnestClient.waitForInstance}. */
export interface WaitForInstanceOptions {
  /** How long to wait for a final status, in milliseconds (Default: 60000). */
  timeoutMs?: number;
  /** Pause between two polls, in milliseconds (Default: 200). */
  pollIntervalMs?: number;
  /** Called with the instance on the first poll and whenever its status changes (Default: none). */
  onStatus?: (instance: Instance) => void;
}

/** An instance in a final status, as resolved by {@link JobnestClient.waitForInstance}. */
export type FinishedInstance = Instance & { status: FinalInstanceStatus };

export const DEFAULT_BASE_URL = 'http://127.0.0.1:7700';
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_WAIT_TIMEOUT_MS = 60_000;
export const DEFAULT_POLL_INTERVAL_MS = 200;

const API = '/api/v1';

/**
 * Typed client of the Jobnest REST API.
 *
 * Every method rejects with a {@link JobnestApiError} when the server answers non-2xx and with a
 * {@link JobnestConnectionError} when it does not answer. Methods below `login` need a token,
 * either passed as `accessToken` or obtained with {@link JobnestClient.login}.
 */
export class JobnestClient {
  private readonly http: HttpTransport;
  private token: string | undefined;
  private readonly admin: AdminCredentials | undefined;
  private app: string | undefined;

  constructor(options: JobnestClientOptions = {}) {
    const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    assertPositive('timeoutMs', timeoutMs);
    this.http = new HttpTransport({
      baseUrl: options.baseUrl ?? DEFAULT_BASE_URL,
      timeoutMs,
      fetch: options.fetch,
      agent: options.agent,
    });
    this.token = options.accessToken;
    this.admin = options.admin;
    this.app = options.app;
  }

  /** Names the app the following calls act in (a user's or the admin's token); `undefined` stops sending it. */
  useApp(appName: string | undefined): void {
    this.app = appName;
  }

  /** The bearer token in use, if any. */
  get accessToken(): string | undefined {
    return this.token;
  }

  /** Replaces (or with `undefined`, forgets) the bearer token. */
  setAccessToken(token: string | undefined): void {
    this.token = token;
  }

  // ---- apps and auth (no token needed) ----

  /**
   * Creates an app (tenant) with the admin credentials of the client's options (the server refuses without them
   * unless it runs with JOBNEST_OPEN_REGISTRATION=1). Rejects with a 409 {@link JobnestApiError} when the name is
   * taken, 401 on wrong admin credentials, 400 on a password of fewer than 8 characters.
   */
  createApp(name: string, password: string): Promise<App> {
    return this.send({ method: 'POST', path: `${API}/apps`, body: { name, password }, basicAuth: this.admin });
  }

  /** Changes the app's password; every token issued for the app before (this client's too) stops working. */
  async changePassword(appName: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.send({ method: 'POST', path: `${API}/auth/password`, body: { appName, currentPassword, newPassword } });
  }

  /** The server admin sets an app's password (needs `admin` in the options); the app's tokens are revoked. */
  async resetAppPassword(appName: string, newPassword: string): Promise<void> {
    await this.send({
      method: 'PUT',
      path: `${API}/apps/${encodeURIComponent(appName)}/password`,
      body: { newPassword },
      basicAuth: this.admin,
    });
  }

  /** Exchanges the app's credentials for a token, keeps it on this client and returns it. */
  async login(appName: string, password: string): Promise<AccessToken> {
    const token = await this.send<AccessToken>({
      method: 'POST',
      path: `${API}/auth/token`,
      body: { appName, password },
    });
    this.token = token.accessToken;
    return token;
  }

  // ---- console users, roles and the audit log ----

  /**
   * Logs a console user (or the server admin) in and keeps the token on this client. A user's calls then need the
   * app they act in: {@link JobnestClient.useApp}.
   */
  async loginUser(username: string, password: string): Promise<UserSession> {
    const session = await this.send<UserSession>({
      method: 'POST',
      path: `${API}/auth/login`,
      body: { username, password },
    });
    this.token = session.accessToken;
    return session;
  }

  /** Who this client's token is, and the apps it may act in with its role in each. */
  me(): Promise<Me> {
    return this.authed({ method: 'GET', path: `${API}/me` });
  }

  /** A user changes their own password; their tokens issued before are revoked. */
  async changeUserPassword(username: string, currentPassword: string, newPassword: string): Promise<void> {
    await this.send({
      method: 'POST',
      path: `${API}/auth/user-password`,
      body: { username, currentPassword, newPassword },
    });
  }

  /**
   * Splits an app's status and log streams into `parts` Redis slots (1-16, only grows; the server admin). Workers
   * write to their part from their next start.
   */
  async setAppStreamParts(appName: string, parts: number): Promise<void> {
    await this.asAdmin({
      method: 'PUT',
      path: `${API}/apps/${encodeURIComponent(appName)}/stream-parts`,
      body: { parts },
    });
  }

  /**
   * The Redis ACL rules of an app's workers (its streams and its workers' queues only) and of the servers (the
   * server admin).
   */
  getAppRedisAcl(appName: string): Promise<RedisAcl> {
    return this.asAdmin({ method: 'GET', path: `${API}/apps/${encodeURIComponent(appName)}/redis-acl` });
  }

  /** Every app (the server admin: `admin` in the options, or an admin token). */
  listApps(): Promise<AppSummary[]> {
    return this.asAdmin({ method: 'GET', path: `${API}/apps` });
  }

  /** Creates a console user with no role anywhere yet (the server admin). */
  createUser(username: string, password: string): Promise<ConsoleUser> {
    return this.asAdmin({ method: 'POST', path: `${API}/users`, body: { username, password } });
  }

  listUsers(): Promise<ConsoleUser[]> {
    return this.asAdmin({ method: 'GET', path: `${API}/users` });
  }

  async deleteUser(username: string): Promise<void> {
    await this.asAdmin({ method: 'DELETE', path: `${API}/users/${encodeURIComponent(username)}` });
  }

  async resetUserPassword(username: string, newPassword: string): Promise<void> {
    await this.asAdmin({
      method: 'PUT',
      path: `${API}/users/${encodeURIComponent(username)}/password`,
      body: { newPassword },
    });
  }

  /** The users with a role in this client's app (its ADMINs). */
  listGrants(): Promise<Grant[]> {
    return this.authed({ method: 'GET', path: `${API}/grants` });
  }

  /** Gives a user this role in this client's app, replacing the one they had. */
  setGrant(username: string, role: AppRole): Promise<Grant> {
    return this.authed({ method: 'PUT', path: `${API}/grants/${encodeURIComponent(username)}`, body: { role } });
  }

  async removeGrant(username: string): Promise<void> {
    await this.authed({ method: 'DELETE', path: `${API}/grants/${encodeURIComponent(username)}` });
  }

  /** The app's audit log, newest first (its ADMINs). */
  listAudit(filter: AuditFilter = {}): Promise<Page<AuditEntry>> {
    return this.authed({ method: 'GET', path: `${API}/audit`, query: { ...filter } });
  }

  /** The server admin's calls that act on no app (apps, users), newest first. */
  listServerAudit(filter: AuditFilter = {}): Promise<Page<AuditEntry>> {
    return this.asAdmin({ method: 'GET', path: `${API}/server-audit`, query: { ...filter } });
  }

  /**
   * Server health; does not need a token. An unhealthy server may answer 503 with the same body:
   * that body is returned (with `status: 'error'`) rather than thrown.
   */
  async health(): Promise<HealthStatus> {
    try {
      return await this.send<HealthStatus>({ method: 'GET', path: '/health' });
    } catch (err: unknown) {
      if (err instanceof JobnestApiError && isHealthStatus(err.body)) return err.body;
      throw err;
    }
  }

  // ---- jobs ----

  createJob(input: JobInput): Promise<Job> {
    return this.authed({ method: 'POST', path: `${API}/jobs`, body: input });
  }

  /** The app's jobs by id, narrowed by the filter's fields on the server. */
  listJobs(filter: JobFilter = {}): Promise<Page<Job>> {
    return this.authed({ method: 'GET', path: `${API}/jobs`, query: { ...filter } });
  }

  getJob(jobId: number): Promise<Job> {
    return this.authed({ method: 'GET', path: `${API}/jobs/${seg(jobId)}` });
  }

  /** Replaces the given fields of the job. */
  updateJob(jobId: number, input: JobInput): Promise<Job> {
    return this.authed({ method: 'PUT', path: `${API}/jobs/${seg(jobId)}`, body: input });
  }

  async deleteJob(jobId: number): Promise<void> {
    await this.authed<unknown>({ method: 'DELETE', path: `${API}/jobs/${seg(jobId)}` });
  }

  enableJob(jobId: number): Promise<Job> {
    return this.authed({ method: 'POST', path: `${API}/jobs/${seg(jobId)}/enable` });
  }

  disableJob(jobId: number): Promise<Job> {
    return this.authed({ method: 'POST', path: `${API}/jobs/${seg(jobId)}/disable` });
  }

  /** The next 5 fire times of a time expression; rejects with a 400 JobnestApiError naming the problem. */
  validateTime(type: TimeExpressionType, expression?: string, timeZone?: string): Promise<TimePreview> {
    return this.authed({ method: 'GET', path: `${API}/jobs/validate-time`, query: { type, expression, timeZone } });
  }

  /** Starts one instance of the job now (or after `delayMs`). */
  runJob(jobId: number, options: RunJobOptions = {}): Promise<RunJobResult> {
    return this.authed({
      method: 'POST',
      path: `${API}/jobs/${seg(jobId)}/run`,
      body: runBody(options),
    });
  }

  /**
   * Runs a job up to MAX_BULK_RUNS (1,000) times in one request: one instance per entry of `runs`, all created in
   * one transaction (none is created when the request fails). The ids come back in the order of `runs`.
   */
  runJobBulk(jobId: number, runs: readonly RunJobOptions[]): Promise<RunJobBulkResult> {
    return this.authed({
      method: 'POST',
      path: `${API}/jobs/${seg(jobId)}/runs`,
      body: { runs: runs.map(runBody) },
    });
  }

  // ---- instances ----

  getInstance(instanceId: number): Promise<Instance> {
    return this.authed({ method: 'GET', path: `${API}/instances/${seg(instanceId)}` });
  }

  listInstances(filter: InstanceFilter = {}): Promise<Page<Instance>> {
    return this.authed({
      method: 'GET',
      path: `${API}/instances`,
      query: {
        jobId: filter.jobId,
        status: filter.status,
        since: filter.since,
        until: filter.until,
        page: filter.page,
        size: filter.size,
      },
    });
  }

  /** How an instance's subtasks spread over workers, per status (`workerId` null: not taken yet). */
  listTaskCountsByWorker(instanceId: number): Promise<WorkerTaskCounts[]> {
    return this.authed({ method: 'GET', path: `${API}/instances/${seg(instanceId)}/tasks/by-worker` });
  }

  /** The app's instances per status in bars of `bucketMs` since `sinceMs` (at most 7 days back). */
  instanceStats(sinceMs: number, bucketMs: number): Promise<InstanceStats> {
    return this.authed({ method: 'GET', path: `${API}/instances/stats`, query: { sinceMs, bucketMs } });
  }

  stopInstance(instanceId: number): Promise<Instance> {
    return this.authed({ method: 'POST', path: `${API}/instances/${seg(instanceId)}/stop` });
  }

  cancelInstance(instanceId: number): Promise<Instance> {
    return this.authed({ method: 'POST', path: `${API}/instances/${seg(instanceId)}/cancel` });
  }

  retryInstance(instanceId: number): Promise<Instance> {
    return this.authed({ method: 'POST', path: `${API}/instances/${seg(instanceId)}/retry` });
  }

  /** The task table of a Map / MapReduce / Broadcast instance, by task id. */
  listInstanceTasks(instanceId: number, query: TaskQuery = {}): Promise<Page<TaskView>> {
    return this.authed({
      method: 'GET',
      path: `${API}/instances/${seg(instanceId)}/tasks`,
      query: { status: query.status, page: query.page, size: query.size },
    });
  }

  /** Log lines of the instance after `query.after`, oldest first. */
  getInstanceLogs(instanceId: number, query: LogQuery = {}): Promise<LogPage> {
    return this.authed({
      method: 'GET',
      path: `${API}/instances/${seg(instanceId)}/logs`,
      query: { after: query.after, before: query.before, limit: query.limit },
    });
  }

  /**
   * Polls the instance until its status is final (SUCCEEDED, FAILED, STOPPED or CANCELED) and resolves with it.
   * A poll that finds no server (connection refused or reset, timed out) or a server that cannot answer yet (502, 503,
   * 504) is tried again until `timeoutMs`: a wait rides out a server restart. Rejects with a {@link WaitTimeoutError}
   * when `timeoutMs` passes first (its `cause` is the last failed poll's error, if the last poll failed), and at once
   * with any other error (401, 404, ...).
   */
  async waitForInstance(instanceId: number, options: WaitForInstanceOptions = {}): Promise<FinishedInstance> {
    let last: Instance | null = null;
    return this.pollUntil(
      async () => {
        const instance = await this.getInstance(instanceId);
        if (last === null || last.status !== instance.status) options.onStatus?.(instance);
        last = instance;
        return isFinished(instance) ? instance : undefined;
      },
      options,
      (timeoutMs, cause) => new WaitTimeoutError(instanceId, timeoutMs, last, cause),
    );
  }

  // ---- workflows ----

  createWorkflow(input: WorkflowInput): Promise<Workflow> {
    return this.authed({ method: 'POST', path: `${API}/workflows`, body: input });
  }

  listWorkflows(query: PageQuery = {}): Promise<Page<Workflow>> {
    return this.authed({ method: 'GET', path: `${API}/workflows`, query: { page: query.page, size: query.size } });
  }

  getWorkflow(workflowId: number): Promise<Workflow> {
    return this.authed({ method: 'GET', path: `${API}/workflows/${seg(workflowId)}` });
  }

  /** Replaces the workflow's definition (running instances keep the DAG they started with). */
  updateWorkflow(workflowId: number, input: WorkflowInput): Promise<Workflow> {
    return this.authed({ method: 'PUT', path: `${API}/workflows/${seg(workflowId)}`, body: input });
  }

  async deleteWorkflow(workflowId: number): Promise<void> {
    await this.authed<unknown>({ method: 'DELETE', path: `${API}/workflows/${seg(workflowId)}` });
  }

  enableWorkflow(workflowId: number): Promise<Workflow> {
    return this.authed({ method: 'POST', path: `${API}/workflows/${seg(workflowId)}/enable` });
  }

  disableWorkflow(workflowId: number): Promise<Workflow> {
    return this.authed({ method: 'POST', path: `${API}/workflows/${seg(workflowId)}/disable` });
  }

  /** Starts one instance of the workflow now (or after `delayMs`), with `initParams` as its context. */
  runWorkflow(workflowId: number, options: RunWorkflowOptions = {}): Promise<RunWorkflowResult> {
    return this.authed({
      method: 'POST',
      path: `${API}/workflows/${seg(workflowId)}/run`,
      body: { initParams: options.initParams, delayMs: options.delayMs },
    });
  }

  /** A workflow instance with its DAG snapshot (each node's status, instance, result and times). */
  getWorkflowInstance(workflowInstanceId: number): Promise<WorkflowInstance> {
    return this.authed({ method: 'GET', path: `${API}/workflow-instances/${seg(workflowInstanceId)}` });
  }

  listWorkflowInstances(filter: WorkflowInstanceFilter = {}): Promise<Page<WorkflowInstance>> {
    return this.authed({
      method: 'GET',
      path: `${API}/workflow-instances`,
      query: { workflowId: filter.workflowId, status: filter.status, page: filter.page, size: filter.size },
    });
  }

  /** Stops every running node; waiting nodes are canceled. */
  stopWorkflowInstance(workflowInstanceId: number): Promise<WorkflowInstance> {
    return this.authed({ method: 'POST', path: `${API}/workflow-instances/${seg(workflowInstanceId)}/stop` });
  }

  /** Runs a FAILED or STOPPED instance again from its failed nodes (succeeded nodes are not run again). */
  retryWorkflowInstance(workflowInstanceId: number): Promise<WorkflowInstance> {
    return this.authed({ method: 'POST', path: `${API}/workflow-instances/${seg(workflowInstanceId)}/retry` });
  }

  /** Operator override: a FAILED or STOPPED node counts as succeeded, and the instance continues. */
  markWorkflowNodeSucceeded(workflowInstanceId: number, nodeId: string): Promise<WorkflowInstance> {
    return this.authed({
      method: 'POST',
      path: `${API}/workflow-instances/${seg(workflowInstanceId)}/nodes/${encodeURIComponent(nodeId)}/mark-succeeded`,
    });
  }

  /**
   * Polls the workflow instance until it is SUCCEEDED, FAILED or STOPPED, riding out server restarts like
   * {@link waitForInstance}; rejects with a {@link WorkflowWaitTimeoutError} when `timeoutMs` passes first.
   */
  async waitForWorkflowInstance(
    workflowInstanceId: number,
    options: Omit<WaitForInstanceOptions, 'onStatus'> = {},
  ): Promise<WorkflowInstance & { status: FinalWorkflowInstanceStatus }> {
    let last: WorkflowInstance | null = null;
    return this.pollUntil(
      async () => {
        last = await this.getWorkflowInstance(workflowInstanceId);
        return isFinishedWorkflow(last) ? last : undefined;
      },
      options,
      (timeoutMs, cause) => new WorkflowWaitTimeoutError(workflowInstanceId, timeoutMs, last?.status ?? null, cause),
    );
  }

  // ---- alarms ----

  /** The app's alarm channels by id; none shows its URL's path or query, nor its secret. */
  listAlarmChannels(): Promise<AlarmChannel[]> {
    return this.authed({ method: 'GET', path: `${API}/alarm-channels` });
  }

  getAlarmChannel(channelId: number): Promise<AlarmChannel> {
    return this.authed({ method: 'GET', path: `${API}/alarm-channels/${seg(channelId)}` });
  }

  /**
   * Creates a channel; rejects with a 400 {@link JobnestApiError} naming the field when the input does not suit its
   * type (e.g. a WEBHOOK without a secret of at least 16 characters, a URL the server may not reach), 409 when the
   * name is taken.
   */
  createAlarmChannel(input: AlarmChannelInput): Promise<AlarmChannel> {
    return this.authed({ method: 'POST', path: `${API}/alarm-channels`, body: input });
  }

  /** Replaces the channel; a `url` or `secret` left out keeps the stored one when the type stays the same. */
  replaceAlarmChannel(channelId: number, input: AlarmChannelInput): Promise<AlarmChannel> {
    return this.authed({ method: 'PUT', path: `${API}/alarm-channels/${seg(channelId)}`, body: input });
  }

  /**
   * Sends a test alarm to the channel through the alarm queue, like any alarm; answers its delivery id, whose row in
   * listAlarmDeliveries() shows the attempts and the receiver's answer.
   */
  testAlarmChannel(channelId: number): Promise<{ deliveryId: number }> {
    return this.authed({ method: 'POST', path: `${API}/alarm-channels/${seg(channelId)}/test` });
  }

  /** Rejects with a 409 {@link JobnestApiError} naming the rules that still send to the channel. */
  async deleteAlarmChannel(channelId: number): Promise<void> {
    await this.authed<unknown>({ method: 'DELETE', path: `${API}/alarm-channels/${seg(channelId)}` });
  }

  /** The app's alarm rules by id: at most one default (APP), one per job and one per workflow. */
  listAlarmRules(): Promise<AlarmRule[]> {
    return this.authed({ method: 'GET', path: `${API}/alarm-rules` });
  }

  getAlarmRule(ruleId: number): Promise<AlarmRule> {
    return this.authed({ method: 'GET', path: `${API}/alarm-rules/${seg(ruleId)}` });
  }

  /**
   * Sets a rule on the app, a job or a workflow; omitted settings take the defaults. Rejects with a 409
   * {@link JobnestApiError} when that one has a rule already (replace it instead).
   */
  createAlarmRule(input: AlarmRuleInput): Promise<AlarmRule> {
    return this.authed({ method: 'POST', path: `${API}/alarm-rules`, body: input });
  }

  /** Replaces every setting of the rule (omitted ones take the defaults); its scope and target stay. */
  replaceAlarmRule(ruleId: number, settings: AlarmRuleSettings): Promise<AlarmRule> {
    return this.authed({ method: 'PUT', path: `${API}/alarm-rules/${seg(ruleId)}`, body: settings });
  }

  async deleteAlarmRule(ruleId: number): Promise<void> {
    await this.authed<unknown>({ method: 'DELETE', path: `${API}/alarm-rules/${seg(ruleId)}` });
  }

  /** The app's alarm delivery history, newest first: sent, queued, retrying, failed and suppressed alarms. */
  listAlarmDeliveries(filter: AlarmDeliveryFilter = {}): Promise<Page<AlarmDelivery>> {
    return this.authed({
      method: 'GET',
      path: `${API}/alarm-deliveries`,
      query: {
        status: filter.status,
        eventType: filter.eventType,
        ruleId: filter.ruleId,
        page: filter.page,
        size: filter.size,
      },
    });
  }

  // ---- workers ----

  /** Live workers of the app. */
  listWorkers(): Promise<WorkerView[]> {
    return this.authed({ method: 'GET', path: `${API}/workers` });
  }

  // ---- plumbing ----

  /**
   * Calls `poll` every `pollIntervalMs` until it answers something, riding out a server that cannot answer
   * (isPassingFailure) until `timeoutMs`; then rejects with `timedOut`, given the last failed poll's error as `cause`.
   * Any other error rejects at once.
   */
  private async pollUntil<T>(
    poll: () => Promise<T | undefined>,
    options: Pick<WaitForInstanceOptions, 'timeoutMs' | 'pollIntervalMs'>,
    timedOut: (timeoutMs: number, cause: { cause: unknown } | undefined) => Error,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
    const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    assertPositive('timeoutMs', timeoutMs);
    assertPositive('pollIntervalMs', pollIntervalMs);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let failure: unknown;
      try {
        const done = await poll();
        if (done !== undefined) return done;
      } catch (err) {
        if (!isPassingFailure(err)) throw err;
        failure = err;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timedOut(timeoutMs, failure === undefined ? undefined : { cause: failure });
      await sleep(Math.min(pollIntervalMs, remaining));
    }
  }

  private send<T>(req: HttpRequest): Promise<T> {
    return this.http.request<T>(req);
  }

  private async authed<T>(req: HttpRequest): Promise<T> {
    if (this.token === undefined) {
      throw new JobnestClientError(
        `${req.method} ${req.path} needs an access token: call login() or pass accessToken`,
        'NOT_AUTHENTICATED',
      );
    }
    const headers = this.app === undefined ? req.headers : { ...req.headers, 'x-jobnest-app': this.app };
    return this.http.request<T>({ ...req, token: this.token, headers });
  }

  /** The server admin's routes: the admin's Basic credentials when the options hold them, else the token. */
  private asAdmin<T>(req: HttpRequest): Promise<T> {
    return this.admin !== undefined ? this.send({ ...req, basicAuth: this.admin }) : this.authed(req);
  }
}

/** A failure that a restarting or briefly overloaded server gives: worth polling again. */
function isPassingFailure(err: unknown): boolean {
  if (err instanceof JobnestConnectionError) return true;
  return err instanceof JobnestApiError && (err.status === 502 || err.status === 503 || err.status === 504);
}

function isHealthStatus(body: unknown): body is HealthStatus {
  if (typeof body !== 'object' || body === null) return false;
  const { status, mysql, redis } = body as Record<string, unknown>;
  return (status === 'ok' || status === 'error') && typeof mysql === 'string' && typeof redis === 'string';
}

function isFinishedWorkflow(
  instance: WorkflowInstance,
): instance is WorkflowInstance & { status: FinalWorkflowInstanceStatus } {
  return instance.status === 'SUCCEEDED' || instance.status === 'FAILED' || instance.status === 'STOPPED';
}

function isFinished(instance: Instance): instance is FinishedInstance {
  return isFinalStatus(instance.status);
}

/** One URL path segment from an id. */
function seg(id: number): string {
  return encodeURIComponent(String(id));
}

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new JobnestClientError(`${name} must be a positive number, got ${value}`, 'CONFIG_INVALID');
  }
}

/** The JSON of one run: the options the API knows (undefined ones are left out of the body). */
function runBody(options: RunJobOptions): RunJobOptions {
  const { instanceParams, delayMs, idempotencyKey, idempotencyTtlMs, concurrencyKey, priority } = options;
  return { instanceParams, delayMs, idempotencyKey, idempotencyTtlMs, concurrencyKey, priority };
}
