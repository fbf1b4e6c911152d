import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, type JobnestClient } from '@jobnest/client';
import { MailReceiver, WebhookReceiver } from '../support/alarm-receivers';
import { FAST_FAILURE_DETECTION, TestCluster, waitUntil } from '../support/cluster';
import { createStepJob } from '../support/workflow-steps';
import { keepsHolding, pollUntil } from '../support/wait-until';

const WEBHOOK_SECRET = 'alarm-test-secret-0123456789';
const PUBLIC_URL = 'https://jobnest.example.test';

/** Server settings for alarms to local receivers, fast retries, and a short wait for log lines. */
function alarmEnv(smtpPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FAST_FAILURE_DETECTION,
    JOBNEST_ALARM_WEBHOOKS: '1',
    JOBNEST_ALARM_ALLOWED_HOSTS: '127.0.0.1',
    JOBNEST_SMTP_HOST: '127.0.0.1',
    JOBNEST_SMTP_PORT: String(smtpPort),
    JOBNEST_SMTP_FROM: 'jobnest@example.test',
    JOBNEST_SMTP_REQUIRE_TLS: '0',
    JOBNEST_ALARM_BACKOFF_MS: '300',
    JOBNEST_ALARM_LOG_WAIT_MS: '500',
    JOBNEST_PUBLIC_URL: PUBLIC_URL,
    ...extra,
  };
}

async function failingJob(client: JobnestClient, name: string, processor = 'demo.fail'): Promise<number> {
  const job = await client.createJob({
    name,
    processor,
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
  });
  return job.id;
}

/**
 * Alarms end to end (README "Alarms"): real servers and workers, a real HTTP receiver for webhooks and robots and a
 * real SMTP server (`smtp-server`) for email. Test timings: worker timeout 3 s, retries 300 ms apart.
 */
describe('alarms', () => {
  const receiver = new WebhookReceiver();
  const mail = new MailReceiver();
  let cluster: TestCluster;
  let client: JobnestClient;
  let hook: (path: string) => string;

  before(async () => {
    await receiver.start();
    await mail.start();
    hook = (path) => `${receiver.baseUrl}${path}`;
    cluster = new TestCluster(alarmEnv(mail.port));
    await cluster.start();
    await cluster.startServer();
    client = cluster.client;
    await cluster.startWorker({ workerId: 'w1' });
  });

  after(async () => {
    await cluster.close();
    await receiver.stop();
    await mail.stop();
  });

  async function webhookChannel(name: string, path: string): Promise<number> {
    return (await client.createAlarmChannel({ name, type: 'WEBHOOK', url: hook(path), secret: WEBHOOK_SECRET })).id;
  }

  async function deliveriesOf(ruleId: number) {
    return (await client.listAlarmDeliveries({ ruleId, size: 100 })).items;
  }

  it('sends one failed instance exactly once to a webhook and by email, with its details, on two servers', async () => {
    const webhook = await webhookChannel('hook-a', '/a');
    const email = (await client.createAlarmChannel({ name: 'mail-a', type: 'EMAIL', recipients: ['ops@example.test'] }))
      .id;
    const jobId = await failingJob(client, 'nightly-report');
    const rule = await client.createAlarmRule({
      scope: 'JOB',
      targetId: jobId,
      channelIds: [webhook, email],
      silenceMs: 60_000,
    });
    // Run through the second server: the failure may be reported to either.
    const { instanceId } = await (await cluster.clientOf(1)).runJob(jobId, {});
    assert.equal((await client.waitForInstance(instanceId, { timeoutMs: 30_000 })).status, 'FAILED');

    await waitUntil(() => receiver.to('/a').length >= 1 && mail.messages.length >= 1, 30_000, 'the alarm');
    await keepsHolding(
      async () => receiver.to('/a').length === 1 && mail.messages.length === 1,
      2000,
      'one webhook and one email',
    );

    const [{ json, request }] = receiver.to('/a') as [
      { json: Record<string, unknown>; request: (typeof receiver.requests)[number] },
    ];
    const timestamp = String(request.headers['x-jobnest-timestamp']);
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${timestamp}.${request.body}`).digest('hex')}`;
    assert.equal(request.headers['x-jobnest-signature'], expected, 'the HMAC signature verifies');
    const event = json.event as Record<string, unknown>;
    assert.equal(event.type, 'INSTANCE_FAILED');
    assert.equal(event.appName, cluster.appName);
    assert.equal(event.jobName, 'nightly-report');
    assert.equal(event.instanceId, instanceId);
    assert.equal(event.run, 1);
    assert.equal(event.workerId, 'w1');
    assert.match(String(event.reason), /demo failure/);
    assert.equal(json.link, `${PUBLIC_URL}/console/instances/${instanceId}`);
    assert.ok(
      (json.logLines as string[]).some((l) => l.includes('attempt 1 of run 1')),
      `the last log lines: ${JSON.stringify(json.logLines)}`,
    );
    assert.equal(String(request.headers['x-jobnest-delivery']), String(json.deliveryId));

    const [message] = mail.messages;
    assert.deepEqual(message!.to, ['ops@example.test']);
    assert.equal(message!.from, 'jobnest@example.test');
    assert.match(message!.raw, /nightly-report/);
    assert.match(message!.raw, new RegExp(`/console/instances/${instanceId}`));

    const history = await deliveriesOf(rule.id);
    assert.equal(history.length, 2, JSON.stringify(history));
    for (const row of history) {
      assert.equal(row.status, 'SENT');
      assert.equal(row.attempts, 1);
      assert.equal(row.eventType, 'INSTANCE_FAILED');
    }
    assert.match(history.find((r) => r.channelId === webhook)!.answer ?? '', /^HTTP 200/);
    assert.match(history.find((r) => r.channelId === email)!.answer ?? '', /^SMTP 250/);
  });

  it('sends one alarm for 10 failures inside the silence period, then one saying 9 were suppressed', async () => {
    const webhook = await webhookChannel('hook-b', '/b');
    const jobId = await failingJob(client, 'flaky-import');
    const silenceMs = 6000;
    const rule = await client.createAlarmRule({ scope: 'JOB', targetId: jobId, channelIds: [webhook], silenceMs });
    const { instanceIds } = await client.runJobBulk(
      jobId,
      Array.from({ length: 10 }, () => ({})),
    );
    for (const id of instanceIds) await client.waitForInstance(id, { timeoutMs: 30_000 });

    await waitUntil(() => receiver.to('/b').length >= 1, 20_000, 'the first alarm');
    const first = receiver.to('/b')[0]!.json;
    assert.equal(first.suppressedCount, 0);
    await waitUntil(
      async () => (await deliveriesOf(rule.id)).filter((d) => d.status === 'SUPPRESSED').length === 9,
      20_000,
      '9 suppressed events in the history',
    );
    assert.equal(receiver.to('/b').length, 1, 'nothing more is sent during the silence period');

    await waitUntil(() => receiver.to('/b').length >= 2, silenceMs + 20_000, 'the summary after the silence period');
    const summary = receiver.to('/b')[1]!.json;
    assert.equal(summary.suppressedCount, 9, JSON.stringify(summary));
    assert.match(String(summary.title), /\+9 suppressed/);
    assert.match(String(summary.text), /9 similar alarms held back/);
    await keepsHolding(async () => receiver.to('/b').length === 2, 2000, 'no third alarm');

    const sent = (await deliveriesOf(rule.id)).filter((d) => d.status === 'SENT');
    assert.deepEqual(sent.map((d) => d.suppressedCount).sort(), [0, 9]);
  });

  it('retries a receiver that answers 500 twice, and the history shows the attempts', async () => {
    receiver.script('/flaky', [500, 500]);
    const webhook = await webhookChannel('hook-flaky', '/flaky');
    const jobId = await failingJob(client, 'retried-delivery');
    const rule = await client.createAlarmRule({ scope: 'JOB', targetId: jobId, channelIds: [webhook] });
    await client.waitForInstance((await client.runJob(jobId, {})).instanceId, { timeoutMs: 30_000 });

    const [row] = await pollUntil(
      () => deliveriesOf(rule.id),
      (rows) => rows[0]?.status === 'SENT',
      30_000,
      'the delivery to succeed',
    );
    assert.equal(row!.attempts, 3);
    assert.match(row!.answer ?? '', /^HTTP 200/);
    const tries = receiver.to('/flaky');
    assert.deepEqual(
      tries.map((t) => t.request.status),
      [500, 500, 200],
    );
    assert.equal(new Set(tries.map((t) => t.request.headers['x-jobnest-delivery'])).size, 1, 'one delivery, 3 tries');
  });

  it('alarms on recovery: the first success after alarmed failures, with what was held back', async () => {
    const webhook = await webhookChannel('hook-r', '/r');
    const jobId = await failingJob(client, 'recovering', 'demo.sleep');
    await client.createAlarmRule({
      scope: 'JOB',
      targetId: jobId,
      channelIds: [webhook],
      silenceMs: 60_000,
      notifyRecovery: true,
    });
    // demo.sleep fails on params that are not a number, and succeeds on a short sleep.
    for (const params of ['oops', 'oops']) {
      const { instanceId } = await client.runJob(jobId, { instanceParams: params });
      assert.equal((await client.waitForInstance(instanceId, { timeoutMs: 30_000 })).status, 'FAILED');
    }
    await waitUntil(() => receiver.to('/r').length >= 1, 20_000, 'the failure alarm');
    const ok = await client.runJob(jobId, { instanceParams: '10' });
    assert.equal((await client.waitForInstance(ok.instanceId, { timeoutMs: 30_000 })).status, 'SUCCEEDED');
    await waitUntil(() => receiver.to('/r').length >= 2, 20_000, 'the recovery alarm');
    const recovery = receiver.to('/r')[1]!.json;
    const event = recovery.event as Record<string, unknown>;
    assert.equal(event.type, 'RECOVERED');
    assert.equal(event.instanceId, ok.instanceId);
    assert.equal(recovery.suppressedCount, 1, 'the second failure was held back and is reported');

    const again = await client.runJob(jobId, { instanceParams: '10' });
    await client.waitForInstance(again.instanceId, { timeoutMs: 30_000 });
    await keepsHolding(async () => receiver.to('/r').length === 2, 2000, 'one recovery alarm only');
  });

  it("alarms on a failed workflow with its node, and not on the node's job unless the job asks", async () => {
    const jobHook = await webhookChannel('hook-node', '/node');
    const workflowHook = await webhookChannel('hook-wf', '/wf');
    const ok = await createStepJob(client, {}, 'wf-ok');
    const failing = await createStepJob(client, { fail: true }, 'wf-fails');
    await client.createAlarmRule({ scope: 'JOB', targetId: failing, channelIds: [jobHook] });
    const workflow = await client.createWorkflow({
      name: 'alarmed-flow',
      timeExpressionType: 'API',
      dag: {
        nodes: [
          { id: 'extract', type: 'JOB', jobId: ok },
          { id: 'load', type: 'JOB', jobId: failing },
        ],
        edges: [{ from: 'extract', to: 'load' }],
      },
    });
    await client.createAlarmRule({ scope: 'WORKFLOW', targetId: workflow.id, channelIds: [workflowHook] });
    const { workflowInstanceId } = await client.runWorkflow(workflow.id);
    const ended = await client.waitForWorkflowInstance(workflowInstanceId, { timeoutMs: 30_000 });
    assert.equal(ended.status, 'FAILED');

    await waitUntil(() => receiver.to('/wf').length >= 1, 20_000, 'the workflow alarm');
    const event = receiver.to('/wf')[0]!.json.event as Record<string, unknown>;
    assert.equal(event.type, 'WORKFLOW_FAILED');
    assert.equal(event.workflowInstanceId, workflowInstanceId);
    assert.equal(event.failedNodeId, 'load');
    assert.equal(event.workflowName, 'alarmed-flow');
    await keepsHolding(async () => receiver.to('/node').length === 0, 2000, "no alarm for the node's job");
  });

  it('alarms when a worker is SIGKILLed while it runs an instance', async () => {
    const webhook = await webhookChannel('hook-app', '/app');
    await client.createAlarmRule({
      scope: 'APP',
      channelIds: [webhook],
      events: ['WORKER_LOST', 'APP_NO_WORKER'],
    });
    const doomed = await cluster.startWorker({ workerId: 'doomed', tags: ['doomed'] });
    const job = await client.createJob({
      name: 'long-sleep',
      processor: 'demo.sleep',
      jobParams: '60000',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
      dispatchStrategy: 'SPECIFY',
      designatedWorkers: ['doomed'],
    });
    const { instanceId } = await client.runJob(job.id, {});
    await pollUntil(
      () => client.getInstance(instanceId),
      (i) => i.status === 'RUNNING' && i.workerId === 'doomed',
      30_000,
      'the instance to run on the doomed worker',
    );
    doomed.kill('SIGKILL');

    await waitUntil(() => receiver.to('/app').length >= 1, 30_000, 'the worker-lost alarm');
    const event = receiver.to('/app')[0]!.json.event as Record<string, unknown>;
    assert.equal(event.type, 'WORKER_LOST');
    assert.equal(event.workerId, 'doomed');
    assert.deepEqual(event.instanceIds, [instanceId]);
    await client.stopInstance(instanceId).catch(() => undefined);
  });

  it('alarms on a time limit and on timer slots skipped for maxInstances, each as its own event', async () => {
    const webhook = await webhookChannel('hook-t', '/t');
    const slow = await client.createJob({
      name: 'slow-export',
      processor: 'demo.sleep',
      jobParams: '5000',
      instanceTimeLimitMs: 500,
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    await client.createAlarmRule({ scope: 'JOB', targetId: slow.id, channelIds: [webhook] });
    const { instanceId } = await client.runJob(slow.id, {});
    await client.waitForInstance(instanceId, { timeoutMs: 30_000 });
    await waitUntil(() => receiver.to('/t').length >= 1, 20_000, 'the time-limit alarm');
    const timedOut = receiver.to('/t')[0]!.json.event as Record<string, unknown>;
    assert.equal(timedOut.type, 'INSTANCE_TIMED_OUT');
    assert.match(String(timedOut.reason), /time limit of 500 ms/);

    const slots = await webhookChannel('hook-s', '/s');
    const busy = await client.createJob({
      name: 'every-300ms',
      processor: 'demo.sleep',
      jobParams: '60000',
      maxInstances: 1,
      // ALLOW_ALL: maxInstances skips the slots (SKIP would skip them for the unfinished instance first).
      overlapPolicy: 'ALLOW_ALL',
      executeType: 'STANDALONE',
      timeExpressionType: 'FIXED_RATE',
      timeExpression: '300',
    });
    await client.createAlarmRule({
      scope: 'JOB',
      targetId: busy.id,
      channelIds: [slots],
      events: ['SLOTS_MISSED'],
      silenceMs: 60_000,
    });
    try {
      await waitUntil(() => receiver.to('/s').length >= 1, 20_000, 'the skipped-slots alarm');
    } finally {
      await client.disableJob(busy.id);
    }
    const missed = receiver.to('/s')[0]!.json.event as Record<string, unknown>;
    assert.equal(missed.type, 'SLOTS_MISSED');
    assert.equal(missed.jobId, busy.id);
    assert.equal((missed.slots as Record<string, unknown>).kind, 'skipped');
    assert.match(String(missed.reason), /maxInstances=1/);
    for (const i of (await client.listInstances({ jobId: busy.id })).items)
      await client.stopInstance(i.id).catch(() => undefined);
  });

  it('speaks each robot format, signs DingTalk and Feishu, and counts a robot refusal as a failed attempt', async () => {
    receiver.answer('/ding', JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    receiver.answer('/lark', JSON.stringify({ code: 0, msg: 'success' }));
    receiver.answer('/wecom', JSON.stringify({ errcode: 0, errmsg: 'ok' }));
    receiver.answer('/wecom-refuses', JSON.stringify({ errcode: 93000, errmsg: 'invalid webhook url' }));
    const channels = await Promise.all([
      client.createAlarmChannel({ name: 'slack', type: 'SLACK', url: hook('/slack'), recipients: ['U123'] }),
      client.createAlarmChannel({
        name: 'ding',
        type: 'DINGTALK',
        url: hook('/ding?access_token=t0ken'),
        secret: 'SECding',
        recipients: ['13800000000'],
      }),
      client.createAlarmChannel({ name: 'lark', type: 'FEISHU', url: hook('/lark'), secret: 'larksecret' }),
      client.createAlarmChannel({ name: 'wecom', type: 'WECOM', url: hook('/wecom') }),
      client.createAlarmChannel({ name: 'wecom-refuses', type: 'WECOM', url: hook('/wecom-refuses') }),
    ]);
    const jobId = await failingJob(client, 'robot-talk');
    const rule = await client.createAlarmRule({
      scope: 'JOB',
      targetId: jobId,
      channelIds: channels.map((c) => c.id),
    });
    await client.waitForInstance((await client.runJob(jobId, {})).instanceId, { timeoutMs: 30_000 });
    const refused = channels[4]!.id;
    await pollUntil(
      () => deliveriesOf(rule.id),
      (rows) =>
        rows.length === 5 && rows.every((r) => (r.channelId === refused ? r.attempts >= 2 : r.status === 'SENT')),
      30_000,
      'four robots to accept and the refusing one to be retried',
    );

    const slack = receiver.to('/slack')[0]!.json;
    assert.match(String(slack.text), /^<@U123>/);
    assert.match(String(slack.text), /robot-talk/);

    const ding = receiver.to('/ding')[0]!;
    const url = new URL(ding.request.path, receiver.baseUrl);
    const timestamp = url.searchParams.get('timestamp')!;
    const sign = createHmac('sha256', 'SECding').update(`${timestamp}\nSECding`).digest('base64');
    assert.equal(url.searchParams.get('sign'), sign, 'the DingTalk signature verifies');
    assert.equal(url.searchParams.get('access_token'), 't0ken');
    assert.equal(ding.json.msgtype, 'markdown');
    assert.deepEqual((ding.json.at as Record<string, unknown>).atMobiles, ['13800000000']);

    const lark = receiver.to('/lark')[0]!.json;
    const larkSign = createHmac('sha256', `${String(lark.timestamp)}\nlarksecret`)
      .update('')
      .digest('base64');
    assert.equal(lark.sign, larkSign, 'the Feishu signature verifies');
    assert.equal(lark.msg_type, 'text');

    assert.equal(receiver.to('/wecom')[0]!.json.msgtype, 'markdown');
    const refusedRow = (await deliveriesOf(rule.id)).find((r) => r.channelId === refused)!;
    assert.match(refusedRow.answer ?? '', /93000|invalid webhook url/);
    assert.notEqual(refusedRow.status, 'SENT');
    const history = JSON.stringify(await deliveriesOf(rule.id));
    assert.doesNotMatch(history, /t0ken|SECding|larksecret/, 'no URL token or secret in the history');
  });

  it('sends a test alarm to a channel on request, recorded in the history like any alarm', async () => {
    const channel = await webhookChannel('hook-test', '/test');
    const { deliveryId } = await client.testAlarmChannel(channel);
    await waitUntil(() => receiver.to('/test').length >= 1, 20_000, 'the test alarm');
    const { json } = receiver.to('/test')[0]!;
    assert.equal((json.event as Record<string, unknown>).type, 'TEST');
    assert.equal(json.deliveryId, deliveryId);
    assert.match(String(json.title), /test alarm: this channel works/);
    const row = await pollUntil(
      async () => (await client.listAlarmDeliveries({ eventType: 'TEST' })).items.find((d) => d.id === deliveryId),
      (d) => d?.status === 'SENT',
      10_000,
      'the test delivery to be SENT',
    );
    assert.equal(row!.channelId, channel);
    assert.equal(row!.ruleId, 0);
  });

  it('refuses bad channel and rule settings with a 400 naming the field, and never shows a secret', async () => {
    const refused = async (what: string, call: () => Promise<unknown>, field: RegExp): Promise<void> => {
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof JobnestApiError, `${what}: ${String(err)}`);
        assert.equal(err.status, 400, `${what}: ${err.message}`);
        assert.match(err.message, field, what);
        return true;
      });
    };
    await refused(
      'a bad email address',
      () => client.createAlarmChannel({ name: 'bad-mail', type: 'EMAIL', recipients: ['not-an-address'] }),
      /recipients\.0/,
    );
    await refused(
      'a short webhook secret',
      () => client.createAlarmChannel({ name: 'bad-hook', type: 'WEBHOOK', url: hook('/x'), secret: 'short' }),
      /secret/,
    );
    await refused(
      'a URL that is not http(s)',
      () => client.createAlarmChannel({ name: 'bad-url', type: 'SLACK', url: 'ftp://example.test/x' }),
      /url/,
    );
    await refused(
      'a cloud metadata address',
      () => client.createAlarmChannel({ name: 'ssrf', type: 'SLACK', url: 'http://169.254.169.254/latest' }),
      /url: .*metadata/,
    );
    await refused(
      'an unknown type',
      () => client.createAlarmChannel({ name: 'pager', type: 'PAGER' as 'SLACK', url: hook('/x') }),
      /type must be one of/,
    );
    await refused(
      'a rule naming a channel that does not exist',
      () => client.createAlarmRule({ scope: 'APP', channelIds: [999_999] }),
      /channelIds\.0/,
    );
    await refused(
      'a JOB rule without its job',
      () => client.createAlarmRule({ scope: 'JOB', channelIds: [1] }),
      /targetId/,
    );
    await refused(
      'an unknown event',
      () => client.createAlarmRule({ scope: 'APP', channelIds: [1], events: ['NOPE' as 'WORKER_LOST'] }),
      /events must each be one of/,
    );

    const channel = await client.createAlarmChannel({
      name: 'robot',
      type: 'DINGTALK',
      url: hook('/robot?access_token=very-secret-token'),
      secret: 'SECsigning',
    });
    const shown = JSON.stringify([channel, await client.getAlarmChannel(channel.id), await client.listAlarmChannels()]);
    assert.doesNotMatch(shown, /very-secret-token|SECsigning/);
    assert.equal(channel.secretSet, true);
    assert.equal(channel.urlOrigin, receiver.baseUrl);
  });
});

/**
 * A server whose SMTP relay cannot be reached: it starts all the same (PowerJob #1137), and the email deliveries
 * fail visibly in the history after their retries.
 */
describe('alarms with an SMTP relay that cannot be reached', () => {
  const receiver = new WebhookReceiver();
  let cluster: TestCluster;

  before(async () => {
    await receiver.start();
    // Port 9 (discard) on 127.0.0.1: nothing listens, the connection is refused.
    cluster = new TestCluster(alarmEnv(9, { JOBNEST_ALARM_ATTEMPTS: '2' }));
    await cluster.start();
    await cluster.startWorker({ workerId: 'lonely' });
  });

  after(async () => {
    await cluster.close();
    await receiver.stop();
  });

  it('starts, says so in its log, and records the failed email deliveries', async () => {
    const client = cluster.client;
    await waitUntil(
      () => /SMTP relay 127\.0\.0\.1:9 cannot be used now/.test(cluster.servers[0]!.logs),
      20_000,
      'the SMTP warning',
    );
    const email = await client.createAlarmChannel({ name: 'mail', type: 'EMAIL', recipients: ['ops@example.test'] });
    const rule = await client.createAlarmRule({ scope: 'APP', channelIds: [email.id] });
    const jobId = await failingJob(client, 'fails-quietly');
    await client.waitForInstance((await client.runJob(jobId, {})).instanceId, { timeoutMs: 30_000 });

    const [row] = await pollUntil(
      async () => (await client.listAlarmDeliveries({ ruleId: rule.id })).items,
      (rows) => rows[0]?.status === 'FAILED',
      30_000,
      'the email delivery to fail',
    );
    assert.equal(row!.attempts, 2);
    assert.match(row!.answer ?? '', /ECONNREFUSED/);
    const failed = await client.listAlarmDeliveries({ status: 'FAILED' });
    assert.ok(
      failed.items.some((d) => d.id === row!.id),
      'the history filters by status',
    );
  });

  it("alarms when the app's last worker is gone", async () => {
    const client = cluster.client;
    const webhook = await client.createAlarmChannel({
      name: 'hook',
      type: 'WEBHOOK',
      url: `${receiver.baseUrl}/none`,
      secret: WEBHOOK_SECRET,
    });
    const rules = await client.listAlarmRules();
    await client.replaceAlarmRule(rules[0]!.id, { channelIds: [webhook.id], events: ['APP_NO_WORKER'] });
    cluster.workers.get('lonely')!.kill('SIGKILL');
    await waitUntil(() => receiver.to('/none').length >= 1, 30_000, 'the no-worker alarm');
    const event = receiver.to('/none')[0]!.json.event as Record<string, unknown>;
    assert.equal(event.type, 'APP_NO_WORKER');
    assert.equal(event.workerId, 'lonely');
    await keepsHolding(async () => receiver.to('/none').length === 1, 1500, 'one alarm for the app');
  });
});
