import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type AlarmChannel, type AlarmRule, JobnestApiError, type JobnestClient } from '@jobnest/client';
import { runCliProcess, type Finished } from '../support/cli-process';
import { TestCluster } from '../support/cluster';

/** The WEBHOOK channel's signing secret (20 characters): no CLI output may ever show it. */
const SECRET = 'whsec-Q7x2Lm9Pz4Kd1R';
/** Only checked when the channel is saved (an allowed host), never called: nothing alarms in this test. */
const HOOK_URL = 'http://127.0.0.1:9/hook';
const RULE_EVENTS = [
  'INSTANCE_FAILED',
  'INSTANCE_TIMED_OUT',
  'NO_WORKER',
  'SLOTS_MISSED',
  'WORKFLOW_FAILED',
  'WORKER_LOST',
  'APP_NO_WORKER',
];

/** The alarm commands of the `jobnest` CLI against a real server (no worker: nothing runs, nothing alarms). */
describe('the jobnest CLI for alarms', () => {
  // Webhooks on and 127.0.0.1 allowed; an SMTP relay configured for EMAIL channels, though none runs: nothing is sent.
  const cluster = new TestCluster({
    JOBNEST_ALARM_WEBHOOKS: '1',
    JOBNEST_ALARM_ALLOWED_HOSTS: '127.0.0.1',
    JOBNEST_SMTP_HOST: '127.0.0.1',
    JOBNEST_SMTP_PORT: '2525',
    JOBNEST_SMTP_FROM: 'jobnest@example.test',
    JOBNEST_SMTP_REQUIRE_TLS: '0',
  });
  let client: JobnestClient;
  let env: Record<string, string>;
  /** Every CLI run of the test, to check that none showed the secret. */
  const runs: { args: string[]; run: Finished }[] = [];

  before(async () => {
    await cluster.start();
    client = cluster.client;
    env = { JOBNEST_URL: cluster.baseUrl, JOBNEST_APP: cluster.appName, JOBNEST_PASSWORD: cluster.appPassword };
  });

  after(async () => {
    await cluster.close();
  });

  const cli = async (args: string[]): Promise<Finished> => {
    const run = await runCliProcess(args, env, 90_000);
    runs.push({ args, run });
    return run;
  };
  const shown = (run: Finished) => `exit ${run.code}\n${run.stdout}\n${run.stderr}\n${cluster.dump()}`;

  let emailId: number;
  let webhookId: number;
  let ruleId: number;

  it('adds an EMAIL channel with two recipients and a WEBHOOK channel, and lists them without URL path or secret', async () => {
    const email = await cli([
      'alarm-channel',
      'add',
      '--name',
      'ops-mail',
      '--type',
      'email',
      '--recipient',
      'oncall@example.test',
      '--recipient',
      'lead@example.test',
    ]);
    assert.equal(email.code, 0, shown(email));
    const emailView = JSON.parse(email.stdout) as AlarmChannel;
    emailId = emailView.id;
    assert.equal(emailView.type, 'EMAIL');
    assert.deepEqual(emailView.recipients, ['oncall@example.test', 'lead@example.test']);

    const webhook = await cli([
      'alarm-channel',
      'add',
      '--name',
      'ops-hook',
      '--type',
      'WEBHOOK',
      '--webhook-url',
      HOOK_URL,
      '--secret',
      SECRET,
    ]);
    assert.equal(webhook.code, 0, shown(webhook));
    const webhookView = JSON.parse(webhook.stdout) as AlarmChannel;
    webhookId = webhookView.id;
    assert.equal(webhookView.secretSet, true);

    const listed = await cli(['alarm-channel', 'list']);
    assert.equal(listed.code, 0, shown(listed));
    const channels = JSON.parse(listed.stdout) as AlarmChannel[];
    assert.deepEqual(
      channels.map((c) => [c.id, c.name, c.type, c.urlOrigin, c.secretSet, c.recipients]),
      [
        [emailId, 'ops-mail', 'EMAIL', null, false, ['oncall@example.test', 'lead@example.test']],
        [webhookId, 'ops-hook', 'WEBHOOK', 'http://127.0.0.1:9', true, []],
      ],
    );
    for (const channel of channels) {
      assert.equal('secret' in channel, false, 'no secret field');
      assert.equal('url' in channel, false, 'no url field');
    }
    assert.equal(listed.stdout.includes('/hook'), false, "the URL's path is not shown");
    assert.deepEqual(await client.listAlarmChannels(), channels, 'the server has them');
  });

  it('sets the APP rule on both channels, then replaces its settings instead of adding a second rule', async () => {
    const set = await cli([
      'alarm-rule',
      'set',
      '--scope',
      'APP',
      '--channel',
      String(emailId),
      '--channel',
      String(webhookId),
      '--silence-ms',
      '60000',
      '--recovery',
    ]);
    assert.equal(set.code, 0, shown(set));
    const created = JSON.parse(set.stdout) as AlarmRule;
    ruleId = created.id;

    const listed = await cli(['alarm-rule', 'list']);
    assert.equal(listed.code, 0, shown(listed));
    assert.deepEqual(JSON.parse(listed.stdout), [created]);
    const [rule, ...others] = await client.listAlarmRules();
    assert.deepEqual(others, [], 'one rule');
    assert.deepEqual(rule, created);
    assert.equal(rule.scope, 'APP');
    assert.equal(rule.targetId, null);
    assert.deepEqual(rule.channelIds, [emailId, webhookId]);
    assert.equal(rule.silenceMs, 60_000);
    assert.equal(rule.notifyRecovery, true);
    assert.equal(rule.thresholdCount, 1, 'the default');
    assert.deepEqual(rule.events, RULE_EVENTS, 'every event but RECOVERED by default');
    assert.equal(rule.enabled, true);

    // Again on the same scope: the rule is replaced (PUT), so the settings not given go back to the defaults.
    const again = await cli([
      'alarm-rule',
      'set',
      '--scope',
      'app',
      '--channel',
      `${emailId},${webhookId}`,
      '--threshold',
      '3',
    ]);
    assert.equal(again.code, 0, shown(again));
    const replaced = JSON.parse(again.stdout) as AlarmRule;
    assert.equal(replaced.id, ruleId, 'the same rule');
    const rules = await client.listAlarmRules();
    assert.deepEqual(rules, [replaced], 'not a second rule');
    assert.equal(replaced.thresholdCount, 3);
    assert.deepEqual(replaced.channelIds, [emailId, webhookId]);
    assert.equal(replaced.silenceMs, 300_000, "the server's default");
    assert.equal(replaced.notifyRecovery, false);

    // The CLI does not say whether a rule is enabled: `set` leaves that as it is.
    await client.replaceAlarmRule(ruleId, { channelIds: [emailId], enabled: false });
    const third = await cli([
      'alarm-rule',
      'set',
      '--scope',
      'APP',
      '--channel',
      String(webhookId),
      '--events',
      'instance_failed,WORKFLOW_FAILED',
    ]);
    assert.equal(third.code, 0, shown(third));
    const stored = await client.getAlarmRule(ruleId);
    assert.equal(stored.enabled, false, 'still disabled');
    assert.deepEqual(stored.channelIds, [webhookId]);
    assert.deepEqual(stored.events, ['INSTANCE_FAILED', 'WORKFLOW_FAILED']);
    assert.equal((await client.listAlarmRules()).length, 1);

    // Back on both channels, for the next test.
    await client.replaceAlarmRule(ruleId, { channelIds: [emailId, webhookId] });
  });

  it('prints an empty alarm history, with or without filters', async () => {
    const all = await cli(['alarm-history']);
    assert.equal(all.code, 0, shown(all));
    assert.equal(all.stdout, '');
    assert.equal(all.stderr, '');

    const filtered = await cli([
      'alarm-history',
      '--status',
      'sent',
      '--event-type',
      'instance_failed',
      '--rule',
      String(ruleId),
      '--page',
      '1',
      '--size',
      '5',
    ]);
    assert.equal(filtered.code, 0, shown(filtered));
    assert.equal(filtered.stdout, '');
    assert.equal(filtered.stderr, '');
    assert.deepEqual(await client.listAlarmDeliveries({ ruleId }), { items: [], total: 0, page: 1, size: 20 });
  });

  it('reads a secret from --secret-file, without its final line break', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobnest-secret-'));
    const add = (file: string) =>
      cli([
        'alarm-channel',
        'add',
        '--name',
        'from-file',
        '--type',
        'WEBHOOK',
        '--webhook-url',
        HOOK_URL,
        '--secret-file',
        file,
      ]);
    try {
      // 15 characters and a line break: refused, so the break was not sent as the 16th character.
      writeFileSync(join(dir, 'short'), 'fifteen-chars-x\n');
      const refused = await add(join(dir, 'short'));
      assert.equal(refused.code, 1, shown(refused));
      assert.match(refused.stderr, /secret: must be at least 16 characters/);
      writeFileSync(join(dir, 'ok'), `${SECRET}\n`);
      const added = await add(join(dir, 'ok'));
      assert.equal(added.code, 0, shown(added));
      assert.equal((JSON.parse(added.stdout) as AlarmChannel).secretSet, true);
      assert.ok(!added.stdout.includes(SECRET) && !added.stderr.includes(SECRET));
      await client.deleteAlarmChannel((JSON.parse(added.stdout) as AlarmChannel).id);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('queues a test alarm to a channel and the history lists it', async () => {
    const run = await cli(['alarm-channel', 'test', String(webhookId)]);
    assert.equal(run.code, 0, shown(run));
    const match = /^Queued test alarm: delivery (\d+) \(see alarm-history\)$/.exec(run.stdout.trim());
    assert.ok(match, shown(run));
    const history = await cli(['alarm-history', '--event-type', 'test']);
    assert.equal(history.code, 0, shown(history));
    assert.match(history.stdout, new RegExp(`^${match[1]} \\S+ \\w+ TEST `, 'm'));
  });

  it('refuses to delete a channel a rule uses, naming the rule; deletes the rule, then the channels', async () => {
    const refused = await cli(['alarm-channel', 'rm', String(emailId)]);
    assert.equal(refused.code, 1, shown(refused));
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, new RegExp(`^jobnest: .*alarm rule\\(s\\) ${ruleId}\\b.*\\(409 Conflict, DELETE `));
    assert.equal((await client.listAlarmChannels()).length, 2, 'nothing was deleted');

    const ruleGone = await cli(['alarm-rule', 'rm', String(ruleId)]);
    assert.equal(ruleGone.code, 0, shown(ruleGone));
    assert.equal(ruleGone.stdout, `Deleted alarm rule ${ruleId}\n`);
    assert.deepEqual(await client.listAlarmRules(), []);

    const emailGone = await cli(['alarm-channel', 'rm', String(emailId)]);
    assert.equal(emailGone.code, 0, shown(emailGone));
    assert.equal(emailGone.stdout, `Deleted alarm channel ${emailId}\n`);
    const webhookGone = await cli(['alarm-channel', 'rm', String(webhookId)]);
    assert.equal(webhookGone.code, 0, shown(webhookGone));
    assert.deepEqual(await client.listAlarmChannels(), []);

    const listed = await cli(['alarm-channel', 'list']);
    assert.equal(listed.code, 0, shown(listed));
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });

  it('exits 2 on usage errors and changes nothing', async () => {
    const usage: [string[], string][] = [
      [
        ['alarm-rule', 'set', '--scope', 'APP', '--target', '1', '--channel', '1'],
        '--target only applies with --scope JOB or WORKFLOW',
      ],
      [['alarm-rule', 'set', '--scope', 'JOB', '--channel', '1'], '--scope JOB needs --target <job id>'],
      [['alarm-rule', 'set', '--scope', 'APP'], '--channel <id> is required (repeat it for more channels)'],
      [
        ['alarm-rule', 'set', '--scope', 'APP', '--channel', '1', '--events', 'RECOVERED'],
        '--events: RECOVERED is asked for with --recovery',
      ],
      [
        ['alarm-channel', 'add', '--name', 'x'],
        '--type is required: one of SLACK, DINGTALK, FEISHU, WECOM, WEBHOOK, EMAIL',
      ],
      [
        ['alarm-history', '--status', 'bogus'],
        "--status must be one of QUEUED, RETRYING, SENT, FAILED, SUPPRESSED, got 'bogus'",
      ],
      [['alarm-channel', 'list', '--secret', SECRET], "'alarm-channel list' does not take --secret"],
      [
        ['alarm-channel', 'frobnicate'],
        "unknown alarm-channel command 'frobnicate'; expected one of: list, add, test, rm",
      ],
    ];
    for (const [args, message] of usage) {
      const run = await cli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${shown(run)}`);
      assert.equal(run.stderr, `jobnest: ${message}\nRun 'jobnest --help' for usage.\n`, args.join(' '));
    }
    assert.deepEqual(await client.listAlarmChannels(), []);
    assert.deepEqual(await client.listAlarmRules(), []);
  });

  it('the client is refused a WEBHOOK channel without a secret: a 400 naming secret', async () => {
    await assert.rejects(
      client.createAlarmChannel({ name: 'unsigned', type: 'WEBHOOK', url: HOOK_URL }),
      (err: unknown) => {
        assert.ok(err instanceof JobnestApiError, String(err));
        assert.equal(err.status, 400);
        assert.match(err.message, /\bsecret\b/);
        return true;
      },
    );
    assert.deepEqual(await client.listAlarmChannels(), [], 'nothing was created');
  });

  it('no CLI output showed the secret', () => {
    assert.ok(
      runs.some(({ args }) => args.includes(SECRET)),
      'the secret was given on some command lines',
    );
    for (const { args, run } of runs) {
      assert.equal(run.stdout.includes(SECRET), false, `stdout of ${args.join(' ')}`);
      assert.equal(run.stderr.includes(SECRET), false, `stderr of ${args.join(' ')}`);
    }
  });
});
