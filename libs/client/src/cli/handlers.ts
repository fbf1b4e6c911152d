import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isFinalStatus } from '../instance-status';
import { DEFAULT_WAIT_TIMEOUT_MS, type JobnestClient } from '../jobnest-client';
import { MAX_BULK_RUNS, type RunJobOptions } from '../types';
import type { RedisAclPermission, RedisAclRules } from '../access-types';
import type { AlarmChannelInput, AlarmRuleSettings } from '../alarm-types';
import type { CommandFlags } from './args';
import { readJobInputFile, readParamLines, readSecretFile, readWorkflowInputFile } from './job-file';
import { type CliOutput, formatAlarmDelivery, formatLogLine, printJson } from './output';
import { UsageError } from './usage-error';
import {
  ALARM_CHANNEL_TYPES,
  ALARM_RULE_SCOPES,
  parseAlarmChannelTypeFlag,
  parseAlarmDeliveryStatusFlag,
  parseAlarmEventTypeFlag,
  parseAlarmRuleEventsFlag,
  parseAlarmRuleScopeFlag,
  parseId,
  parseIdListFlag,
  parseIntegerFlag,
  parseStatusFlag,
  parseWorkflowStatusFlag,
  splitList,
} from './values';

/** What a command handler gets: a client (logged in when the command needs it) and its arguments. */
export interface CommandContext {
  client: JobnestClient;
  /** The command's positional arguments, already checked for count. */
  args: readonly string[];
  flags: CommandFlags;
  out: CliOutput;
}

/** Runs one command and resolves with the process exit code. */
export type CommandHandler = (ctx: CommandContext) => Promise<number>;

/** Pause between two polls of `logs --follow`. */
const FOLLOW_POLL_MS = 1000;
/** Once the instance is final, wait this long for late log lines before the last read. */
const FINAL_LOGS_GRACE_MS = 500;

export const createApp: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.createApp(args[0], args[1]));
  return 0;
};

export const resetAppPassword: CommandHandler = async ({ client, args, out }) => {
  await client.resetAppPassword(args[0], args[1]);
  out.stdout(`password of app '${args[0]}' reset; its tokens are revoked`);
  return 0;
};

export const setAppStreamParts: CommandHandler = async ({ client, args, out }) => {
  const parts = parseIntegerFlag('parts', args[1], 1) ?? 1; // a required argument: never undefined here
  await client.setAppStreamParts(args[0], parts);
  out.stdout(`app '${args[0]}' has ${parts} stream parts; its workers use them from their next start`);
  return 0;
};

/**
 * The Redis ACL users of an app's workers and of the servers as `ACL SETUSER` lines, each with a new random
 * password (run them with redis-cli, keep the passwords in your secret store). A line replaces the user's rules
 * but adds its password: running it again (say, the server line printed with another app's) leaves connected
 * processes working; drop an old password with `ACL SETUSER <user> <<password>`. The same form as aclSetUserArgs
 * in @jobnest/transport.
 */
export const appRedisAcl: CommandHandler = async ({ client, args, out }) => {
  const acl = await client.getAppRedisAcl(args[0]);
  const rules = (p: RedisAclPermission): string[] => [...p.keyPatterns.map((k) => `~${k}`), p.commands];
  const line = (user: RedisAclRules, password: string): string =>
    [
      'ACL SETUSER',
      user.username,
      'on',
      `>${password}`,
      'resetkeys resetchannels clearselectors -@all',
      ...rules(user),
      ...user.selectors.map((s) => `(${rules(s).join(' ')})`),
    ].join(' ');
  const appPassword = randomBytes(24).toString('base64url');
  const serverPassword = randomBytes(24).toString('base64url');
  out.stdout(`# the workers of app '${acl.appName}' (#${acl.appId}): its streams and its workers' queues only`);
  out.stdout(line(acl.app, appPassword));
  out.stdout(`# its workers: JOBNEST_REDIS_URL=redis://${acl.app.username}:${appPassword}@<redis host>:6379`);
  out.stdout('# the servers (one user for all of them; once per deployment):');
  out.stdout(line(acl.server, serverPassword));
  out.stdout(`# the servers: JOBNEST_REDIS_URL=redis://${acl.server.username}:${serverPassword}@<redis host>:6379`);
  return 0;
};

export const listJobs: CommandHandler = async ({ client, flags, out }) => {
  const page = parseIntegerFlag('--page', flags.page, 1);
  const size = parseIntegerFlag('--size', flags.size, 1);
  printJson(out, await client.listJobs({ page, size }));
  return 0;
};

export const getJob: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.getJob(parseId('id', args[0])));
  return 0;
};

export const createJob: CommandHandler = async ({ client, flags, out }) => {
  printJson(out, await client.createJob(readJobInputFile(requireFile(flags, 'a JobInput JSON file'))));
  return 0;
};

export const updateJob: CommandHandler = async ({ client, args, flags, out }) => {
  const id = parseId('id', args[0]);
  printJson(out, await client.updateJob(id, readJobInputFile(requireFile(flags, 'a JobInput JSON file'))));
  return 0;
};

export const enableJob: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.enableJob(parseId('id', args[0])));
  return 0;
};

export const disableJob: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.disableJob(parseId('id', args[0])));
  return 0;
};

export const deleteJob: CommandHandler = async ({ client, args, out }) => {
  const id = parseId('id', args[0]);
  await client.deleteJob(id);
  out.stdout(`Deleted job ${id}`);
  return 0;
};

/** Prints the instance id; with --wait, waits and prints the outcome (exit 0 only on SUCCEEDED). */
export const runJob: CommandHandler = async ({ client, args, flags, out }) => {
  const jobId = parseId('jobId', args[0]);
  const delayMs = parseIntegerFlag('--delay', flags.delay, 0);
  if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout only applies with --wait');
  const timeoutMs = parseIntegerFlag('--timeout', flags.timeout, 1) ?? DEFAULT_WAIT_TIMEOUT_MS + (delayMs ?? 0);

  const idempotencyKey = flags['idempotency-key'];
  if (flags['idempotency-ttl'] !== undefined && idempotencyKey === undefined)
    throw new UsageError('--idempotency-ttl only applies with --idempotency-key');
  const idempotencyTtlMs = parseIntegerFlag('--idempotency-ttl', flags['idempotency-ttl'], 1);
  const priority = flags.priority === undefined ? undefined : parsePriority(flags.priority);

  const { instanceId, created } = await client.runJob(jobId, {
    instanceParams: flags.params,
    delayMs,
    idempotencyKey,
    idempotencyTtlMs,
    concurrencyKey: flags['concurrency-key'],
    priority,
  });
  out.stdout(String(instanceId));
  // On stderr, so scripts reading the id from stdout read it either way.
  if (!created) out.stderr(`idempotency key ${idempotencyKey}: instance ${instanceId} was created before`);
  if (!flags.wait) return 0;

  const instance = await client.waitForInstance(instanceId, { timeoutMs });
  out.stdout(`status: ${instance.status}`);
  if (instance.result !== null) out.stdout(`result: ${instance.result}`);
  if (instance.statusReason !== null) out.stdout(`reason: ${instance.statusReason}`);
  return instance.status === 'SUCCEEDED' ? 0 : 1;
};

/**
 * `run-bulk`: one run per line of --file (the line is its instanceParams; blank lines are skipped; - reads stdin),
 * or --count runs with the same --params. Sent MAX_BULK_RUNS at a time: each request creates all its runs or none.
 */
export const runJobBulk: CommandHandler = async ({ client, args, flags, out }) => {
  const jobId = parseId('jobId', args[0]);
  const delayMs = parseIntegerFlag('--delay', flags.delay, 0);
  if ((flags.file === undefined) === (flags.count === undefined))
    throw new UsageError('give either --file <lines.txt> or --count N');
  if (flags.file !== undefined && flags.params !== undefined)
    throw new UsageError('--params only applies with --count (with --file, each line is a run’s params)');
  const runs: RunJobOptions[] =
    flags.file !== undefined
      ? readParamLines(flags.file).map((instanceParams) => ({ instanceParams, delayMs }))
      : Array.from({ length: parseIntegerFlag('--count', flags.count, 1) ?? 0 }, () => ({
          instanceParams: flags.params,
          delayMs,
        }));
  if (runs.length === 0) throw new UsageError(`${flags.file} holds no runs (one line per run)`);
  for (let from = 0; from < runs.length; from += MAX_BULK_RUNS) {
    const { instanceIds } = await client.runJobBulk(jobId, runs.slice(from, from + MAX_BULK_RUNS));
    for (const id of instanceIds) out.stdout(String(id));
  }
  return 0;
};

export const listInstances: CommandHandler = async ({ client, flags, out }) => {
  const jobId = flags.job === undefined ? undefined : parseId('--job', flags.job);
  const status = parseStatusFlag('--status', flags.status);
  const page = parseIntegerFlag('--page', flags.page, 1);
  const size = parseIntegerFlag('--size', flags.size, 1);
  printJson(out, await client.listInstances({ jobId, status, page, size }));
  return 0;
};

export const getInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.getInstance(parseId('id', args[0])));
  return 0;
};

export const stopInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.stopInstance(parseId('id', args[0])));
  return 0;
};

export const cancelInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.cancelInstance(parseId('id', args[0])));
  return 0;
};

export const retryInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.retryInstance(parseId('id', args[0])));
  return 0;
};

/** Prints all log lines; with --follow keeps polling until the instance is final, then reads the rest. */
export const showLogs: CommandHandler = async ({ client, args, flags, out }) => {
  const instanceId = parseId('instanceId', args[0]);
  let after: number | undefined;
  const drain = async (): Promise<void> => {
    for (;;) {
      const page = await client.getInstanceLogs(instanceId, { after });
      for (const line of page.items) out.stdout(formatLogLine(line));
      const next = page.nextAfter ?? page.items.at(-1)?.id;
      if (page.items.length === 0 || next === undefined || next === after) return;
      after = next;
    }
  };

  if (!flags.follow) {
    await drain();
    return 0;
  }
  for (;;) {
    // Read the status before the logs: lines written before a final status are then always drained.
    const { status } = await client.getInstance(instanceId);
    await drain();
    if (isFinalStatus(status)) {
      await sleep(FINAL_LOGS_GRACE_MS);
      await drain();
      return 0;
    }
    await sleep(FOLLOW_POLL_MS);
  }
};

export const listWorkflows: CommandHandler = async ({ client, flags, out }) => {
  const page = parseIntegerFlag('--page', flags.page, 1);
  const size = parseIntegerFlag('--size', flags.size, 1);
  printJson(out, await client.listWorkflows({ page, size }));
  return 0;
};

export const getWorkflow: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.getWorkflow(parseId('id', args[0])));
  return 0;
};

export const createWorkflow: CommandHandler = async ({ client, flags, out }) => {
  printJson(out, await client.createWorkflow(readWorkflowInputFile(requireFile(flags, 'a WorkflowInput JSON file'))));
  return 0;
};

export const updateWorkflow: CommandHandler = async ({ client, args, flags, out }) => {
  const id = parseId('id', args[0]);
  printJson(
    out,
    await client.updateWorkflow(id, readWorkflowInputFile(requireFile(flags, 'a WorkflowInput JSON file'))),
  );
  return 0;
};

export const enableWorkflow: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.enableWorkflow(parseId('id', args[0])));
  return 0;
};

export const disableWorkflow: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.disableWorkflow(parseId('id', args[0])));
  return 0;
};

export const deleteWorkflow: CommandHandler = async ({ client, args, out }) => {
  const id = parseId('id', args[0]);
  await client.deleteWorkflow(id);
  out.stdout(`Deleted workflow ${id}`);
  return 0;
};

/** Prints the workflow instance id; with --wait, waits and prints the outcome (exit 0 only on SUCCEEDED). */
export const runWorkflow: CommandHandler = async ({ client, args, flags, out }) => {
  const workflowId = parseId('id', args[0]);
  const delayMs = parseIntegerFlag('--delay', flags.delay, 0);
  if (flags.timeout !== undefined && !flags.wait) throw new UsageError('--timeout only applies with --wait');
  const timeoutMs = parseIntegerFlag('--timeout', flags.timeout, 1) ?? DEFAULT_WAIT_TIMEOUT_MS + (delayMs ?? 0);

  const { workflowInstanceId } = await client.runWorkflow(workflowId, { initParams: flags.params, delayMs });
  out.stdout(String(workflowInstanceId));
  if (!flags.wait) return 0;

  const instance = await client.waitForWorkflowInstance(workflowInstanceId, { timeoutMs });
  out.stdout(`status: ${instance.status}`);
  if (instance.result !== null) out.stdout(`result: ${instance.result}`);
  if (instance.statusReason !== null) out.stdout(`reason: ${instance.statusReason}`);
  return instance.status === 'SUCCEEDED' ? 0 : 1;
};

export const listWorkflowInstances: CommandHandler = async ({ client, flags, out }) => {
  const workflowId = flags.workflow === undefined ? undefined : parseId('--workflow', flags.workflow);
  const status = parseWorkflowStatusFlag('--status', flags.status);
  const page = parseIntegerFlag('--page', flags.page, 1);
  const size = parseIntegerFlag('--size', flags.size, 1);
  printJson(out, await client.listWorkflowInstances({ workflowId, status, page, size }));
  return 0;
};

export const getWorkflowInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.getWorkflowInstance(parseId('id', args[0])));
  return 0;
};

export const stopWorkflowInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.stopWorkflowInstance(parseId('id', args[0])));
  return 0;
};

export const retryWorkflowInstance: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.retryWorkflowInstance(parseId('id', args[0])));
  return 0;
};

export const markWorkflowNodeSucceeded: CommandHandler = async ({ client, args, out }) => {
  printJson(out, await client.markWorkflowNodeSucceeded(parseId('id', args[0]), args[1]));
  return 0;
};

export const listWorkers: CommandHandler = async ({ client, out }) => {
  printJson(out, await client.listWorkers());
  return 0;
};

export const listAlarmChannels: CommandHandler = async ({ client, out }) => {
  printJson(out, await client.listAlarmChannels());
  return 0;
};

/**
 * `alarm-channel add`: prints the channel as the server shows it, which never holds its secret nor its URL's path.
 * The secret is not echoed either, not even in an error.
 */
export const addAlarmChannel: CommandHandler = async ({ client, flags, out }) => {
  if (flags.name === undefined) throw new UsageError('--name <name> is required');
  const type = parseAlarmChannelTypeFlag('--type', flags.type);
  if (type === undefined) throw new UsageError(`--type is required: one of ${ALARM_CHANNEL_TYPES.join(', ')}`);
  if (flags.secret !== undefined && flags['secret-file'] !== undefined)
    throw new UsageError('give --secret or --secret-file, not both');
  const input: AlarmChannelInput = {
    name: flags.name,
    type,
    url: flags['webhook-url'],
    secret: flags['secret-file'] === undefined ? flags.secret : readSecretFile(flags['secret-file']),
    recipients: flags.recipient === undefined ? undefined : splitList(flags.recipient),
  };
  printJson(out, await client.createAlarmChannel(input));
  return 0;
};

/** `alarm-channel test`: the delivery's id; `alarm-history` shows how it went. */
export const testAlarmChannel: CommandHandler = async ({ client, args, out }) => {
  const { deliveryId } = await client.testAlarmChannel(parseId('id', args[0]));
  out.stdout(`Queued test alarm: delivery ${deliveryId} (see alarm-history)`);
  return 0;
};

export const deleteAlarmChannel: CommandHandler = async ({ client, args, out }) => {
  const id = parseId('id', args[0]);
  await client.deleteAlarmChannel(id);
  out.stdout(`Deleted alarm channel ${id}`);
  return 0;
};

export const listAlarmRules: CommandHandler = async ({ client, out }) => {
  printJson(out, await client.listAlarmRules());
  return 0;
};

/**
 * `alarm-rule set`: creates the rule of the scope and target, or when there is one already replaces all its settings
 * (PUT: a setting not given takes its default; whether the rule is enabled stays as it is). Prints the rule.
 */
export const setAlarmRule: CommandHandler = async ({ client, flags, out }) => {
  const scope = parseAlarmRuleScopeFlag('--scope', flags.scope);
  if (scope === undefined) throw new UsageError(`--scope is required: one of ${ALARM_RULE_SCOPES.join(', ')}`);
  const targetId = flags.target === undefined ? undefined : parseId('--target', flags.target);
  if (scope === 'APP' && targetId !== undefined) {
    throw new UsageError('--target only applies with --scope JOB or WORKFLOW');
  }
  if (scope !== 'APP' && targetId === undefined) {
    throw new UsageError(`--scope ${scope} needs --target <${scope.toLowerCase()} id>`);
  }
  const channelIds = parseIdListFlag('--channel', flags.channel);
  if (channelIds.length === 0) throw new UsageError('--channel <id> is required (repeat it for more channels)');
  const settings: AlarmRuleSettings = {
    events: parseAlarmRuleEventsFlag('--events', flags.events),
    channelIds,
    recipients: flags.recipient === undefined ? undefined : splitList(flags.recipient),
    thresholdCount: parseIntegerFlag('--threshold', flags.threshold, 1),
    thresholdWindowMs: parseIntegerFlag('--window-ms', flags['window-ms'], 1000),
    silenceMs: parseIntegerFlag('--silence-ms', flags['silence-ms'], 0),
    notifyRecovery: flags.recovery,
    includeWorkflowNodes: flags['workflow-nodes'],
  };
  const existing = (await client.listAlarmRules()).find(
    (rule) => rule.scope === scope && (rule.targetId ?? undefined) === targetId,
  );
  printJson(
    out,
    existing
      ? await client.replaceAlarmRule(existing.id, { ...settings, enabled: existing.enabled })
      : await client.createAlarmRule({ scope, targetId, ...settings }),
  );
  return 0;
};

export const deleteAlarmRule: CommandHandler = async ({ client, args, out }) => {
  const id = parseId('id', args[0]);
  await client.deleteAlarmRule(id);
  out.stdout(`Deleted alarm rule ${id}`);
  return 0;
};

/** One line per delivery, newest first; when older ones are left for another page, says so on stderr. */
export const showAlarmHistory: CommandHandler = async ({ client, flags, out }) => {
  const status = parseAlarmDeliveryStatusFlag('--status', flags.status);
  const eventType = parseAlarmEventTypeFlag('--event-type', flags['event-type']);
  const ruleId = flags.rule === undefined ? undefined : parseId('--rule', flags.rule);
  const page = parseIntegerFlag('--page', flags.page, 1);
  const size = parseIntegerFlag('--size', flags.size, 1);
  const history = await client.listAlarmDeliveries({ status, eventType, ruleId, page, size });
  for (const delivery of history.items) out.stdout(formatAlarmDelivery(delivery));
  const older = history.total - ((history.page - 1) * history.size + history.items.length);
  if (history.items.length > 0 && older > 0) out.stderr(`${older} older: --page ${history.page + 1}`);
  return 0;
};

/** Prints the health body; exit 0 only when the status is ok. */
export const showHealth: CommandHandler = async ({ client, out }) => {
  const health = await client.health();
  printJson(out, health);
  return health.status === 'ok' ? 0 : 1;
};

/** The --file value; `what` names the document it must hold, e.g. "a JobInput JSON file". */
function requireFile(flags: CommandFlags, what: string): string {
  if (flags.file === undefined) throw new UsageError(`--file <path> is required (${what}, or - for stdin)`);
  return flags.file;
}

/** --priority: a whole number, negative ones too (the server checks the range). */
function parsePriority(raw: string): number {
  if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`--priority must be a whole number (got '${raw}')`);
  return Number(raw);
}
