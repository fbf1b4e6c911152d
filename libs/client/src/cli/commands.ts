import type { CommandFlagName } from './args';
import * as h from './handlers';

/** One CLI command: how it is called and what runs it. */
export interface CommandDef {
  /** Command words, e.g. ["jobs", "get"]. */
  words: readonly string[];
  /** Names of the positional arguments, all required. */
  params: readonly string[];
  /** Command-specific options it accepts. */
  flags: readonly CommandFlagName[];
  /** Options as shown in the usage, e.g. "[--page N]". */
  flagsUsage: string;
  /** Whether it logs in (with --app / --password) first. */
  auth: boolean;
  summary: string;
  handler: h.CommandHandler;
}

function cmd(
  words: string,
  params: readonly string[],
  summary: string,
  handler: h.CommandHandler,
  extra: { flags?: readonly CommandFlagName[]; flagsUsage?: string; auth?: boolean } = {},
): CommandDef {
  return {
    words: words.split(' '),
    params,
    flags: extra.flags ?? [],
    flagsUsage: extra.flagsUsage ?? '',
    auth: extra.auth ?? true,
    summary,
    handler,
  };
}

export const COMMANDS: readonly CommandDef[] = [
  cmd('apps create', ['name', 'password'], 'Create an app (admin: JOBNEST_ADMIN_USER/PASSWORD)', h.createApp, {
    auth: false,
  }),
  cmd('apps reset-password', ['name', 'newPassword'], "Set an app's password (admin)", h.resetAppPassword, {
    auth: false,
  }),
  cmd(
    'apps stream-parts',
    ['name', 'parts'],
    "Split an app's status and log streams into N Redis slots, 1-16, only grows (admin)",
    h.setAppStreamParts,
    { auth: false },
  ),
  cmd(
    'apps redis-acl',
    ['name'],
    "Print ACL SETUSER lines for the app's workers and for the servers, with new passwords (admin)",
    h.appRedisAcl,
    { auth: false },
  ),
  cmd('jobs list', [], 'List jobs', h.listJobs, { flags: ['page', 'size'], flagsUsage: '[--page N] [--size N]' }),
  cmd('jobs get', ['id'], 'Show a job', h.getJob),
  cmd('jobs create', [], 'Create a job from a JobInput JSON file (- = stdin)', h.createJob, {
    flags: ['file'],
    flagsUsage: '--file <job.json>',
  }),
  cmd('jobs update', ['id'], 'Replace the given fields of a job', h.updateJob, {
    flags: ['file'],
    flagsUsage: '--file <job.json>',
  }),
  cmd('jobs enable', ['id'], 'Enable a job', h.enableJob),
  cmd('jobs disable', ['id'], 'Disable a job', h.disableJob),
  cmd('jobs delete', ['id'], 'Delete a job', h.deleteJob),
  cmd('run', ['jobId'], 'Run a job now; prints the instance id', h.runJob, {
    flags: ['params', 'delay', 'wait', 'timeout', 'idempotency-key', 'idempotency-ttl', 'concurrency-key', 'priority'],
    flagsUsage:
      '[--params S] [--delay MS] [--idempotency-key K [--idempotency-ttl MS]] [--concurrency-key K] [--priority N] [--wait [--timeout MS]]',
  }),
  cmd('run-bulk', ['jobId'], 'Run a job many times; prints the instance ids, one per line', h.runJobBulk, {
    flags: ['file', 'count', 'params', 'delay'],
    flagsUsage: '(--file <lines.txt> | --count N [--params S]) [--delay MS]',
  }),
  cmd('instances list', [], 'List instances', h.listInstances, {
    flags: ['job', 'status', 'page', 'size'],
    flagsUsage: '[--job ID] [--status S] [--page N] [--size N]',
  }),
  cmd('instances get', ['id'], 'Show an instance', h.getInstance),
  cmd('instances stop', ['id'], 'Stop a running instance', h.stopInstance),
  cmd('instances cancel', ['id'], 'Cancel a waiting instance', h.cancelInstance),
  cmd('instances retry', ['id'], 'Retry a finished instance', h.retryInstance),
  cmd('logs', ['instanceId'], 'Print the log of an instance', h.showLogs, {
    flags: ['follow'],
    flagsUsage: '[--follow]',
  }),
  cmd('workflows list', [], 'List workflows', h.listWorkflows, {
    flags: ['page', 'size'],
    flagsUsage: '[--page N] [--size N]',
  }),
  cmd('workflows get', ['id'], 'Show a workflow', h.getWorkflow),
  cmd('workflows create', [], 'Create a workflow from a WorkflowInput JSON file (- = stdin)', h.createWorkflow, {
    flags: ['file'],
    flagsUsage: '--file <workflow.json>',
  }),
  cmd('workflows update', ['id'], 'Replace a workflow (omitted fields: the defaults)', h.updateWorkflow, {
    flags: ['file'],
    flagsUsage: '--file <workflow.json>',
  }),
  cmd('workflows enable', ['id'], 'Enable a workflow', h.enableWorkflow),
  cmd('workflows disable', ['id'], 'Disable a workflow', h.disableWorkflow),
  cmd('workflows delete', ['id'], 'Delete a workflow', h.deleteWorkflow),
  cmd('workflows run', ['id'], 'Run a workflow now; prints the workflow instance id', h.runWorkflow, {
    flags: ['params', 'delay', 'wait', 'timeout'],
    flagsUsage: '[--params S] [--delay MS] [--wait [--timeout MS]]',
  }),
  cmd('workflow-instances list', [], 'List workflow instances', h.listWorkflowInstances, {
    flags: ['workflow', 'status', 'page', 'size'],
    flagsUsage: '[--workflow ID] [--status S] [--page N] [--size N]',
  }),
  cmd('workflow-instances get', ['id'], 'Show a workflow instance and its nodes', h.getWorkflowInstance),
  cmd('workflow-instances stop', ['id'], 'Stop a workflow instance', h.stopWorkflowInstance),
  cmd(
    'workflow-instances retry',
    ['id'],
    'Retry a failed or stopped instance from its failed nodes',
    h.retryWorkflowInstance,
  ),
  cmd(
    'workflow-instances mark-succeeded',
    ['id', 'nodeId'],
    'Count a failed or stopped node as succeeded; the instance continues',
    h.markWorkflowNodeSucceeded,
  ),
  cmd('workers', [], 'List live workers', h.listWorkers),
  cmd('alarm-channel list', [], 'List alarm channels (never their secrets)', h.listAlarmChannels),
  cmd('alarm-channel add', [], 'Add an alarm channel; prints it', h.addAlarmChannel, {
    flags: ['name', 'type', 'webhook-url', 'secret', 'secret-file', 'recipient'],
    flagsUsage:
      '--name N --type SLACK|DINGTALK|FEISHU|WECOM|WEBHOOK|EMAIL [--webhook-url U] [--secret S | --secret-file F] [--recipient R]...',
  }),
  cmd('alarm-channel test', ['id'], 'Send a test alarm to the channel; prints its delivery id', h.testAlarmChannel),
  cmd('alarm-channel rm', ['id'], 'Delete an alarm channel no rule uses', h.deleteAlarmChannel),
  cmd('alarm-rule list', [], 'List alarm rules', h.listAlarmRules),
  cmd('alarm-rule set', [], 'Create the rule of a scope and target, or replace its settings', h.setAlarmRule, {
    flags: [
      'scope',
      'target',
      'channel',
      'events',
      'threshold',
      'window-ms',
      'silence-ms',
      'recovery',
      'workflow-nodes',
      'recipient',
    ],
    flagsUsage:
      '--scope APP|JOB|WORKFLOW [--target ID] --channel ID [--channel ID]... [--events E1,E2] [--threshold N]' +
      ' [--window-ms MS] [--silence-ms MS] [--recovery] [--workflow-nodes] [--recipient R]...',
  }),
  cmd('alarm-rule rm', ['id'], 'Delete an alarm rule', h.deleteAlarmRule),
  cmd('alarm-history', [], 'Alarm deliveries, newest first, one per line', h.showAlarmHistory, {
    flags: ['status', 'event-type', 'rule', 'page', 'size'],
    flagsUsage: '[--status S] [--event-type T] [--rule ID] [--page N] [--size N]',
  }),
  cmd('health', [], 'Server health (no login; exit 1 unless ok)', h.showHealth, { auth: false }),
];

/** How the command is called, e.g. "jobs get <id>". */
export function commandSynopsis(def: CommandDef): string {
  return [...def.words, ...def.params.map((p) => `<${p}>`), def.flagsUsage].filter(Boolean).join(' ');
}
