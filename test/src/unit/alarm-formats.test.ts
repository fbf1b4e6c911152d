import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { AlarmChannelType, AlarmEventType } from '@jobnest/common';
import {
  dingTalkBody,
  dingTalkSignedUrl,
  emailContent,
  feishuBody,
  feishuSign,
  judgeAnswer,
  renderMarkdown,
  renderPlainText,
  slackBody,
  summarizeAlarm,
  webhookBody,
  webhookSignature,
  weComBody,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type AlarmSummary,
} from '@jobnest/server/internal';

/** The message type the formats take (alarm-event.ts itself is not exported by internal.ts). */
type AlarmMessage = Parameters<typeof summarizeAlarm>[0];
type AlarmEvent = AlarmMessage['event'];

const AT = Date.UTC(2024, 0, 2, 3, 4, 5, 678); // 2024-01-02T03:04:05.678Z

function message(event: Partial<AlarmEvent> & Pick<AlarmEvent, 'type'>, extra: Partial<AlarmMessage> = {}) {
  const full: AlarmMessage = {
    event: { key: 'k', appId: 3, appName: 'billing', subject: 's', occurredAt: AT, reason: '', ...event },
    deliveryId: 77,
    suppressedCount: 0,
    logLines: [],
    mentions: [],
    ...extra,
  };
  return full;
}

const labels = (summary: AlarmSummary) => summary.fields.map((f) => f.label);
const field = (summary: AlarmSummary, label: string) => summary.fields.find((f) => f.label === label)?.value;

const FAILED = message(
  {
    type: AlarmEventType.INSTANCE_FAILED,
    jobId: 12,
    jobName: 'nightly-export',
    instanceId: 4242,
    run: 3,
    workerId: 'worker-a:1',
    reason: 'Error: boom\n    at main (/app/x.js:1:1)',
  },
  {
    suppressedCount: 4,
    logLines: Array.from({ length: 25 }, (_, i) => `line ${i + 1}`),
    link: 'https://jobnest.example/apps/3/instances/4242',
  },
);

describe('summarizeAlarm', () => {
  it('INSTANCE_FAILED: title with the suppressed count, fields in order, last 20 log lines, link', () => {
    const s = summarizeAlarm(FAILED);
    assert.equal(s.title, "[Jobnest] billing: job 'nightly-export' failed (instance 4242) (+4 suppressed)");
    assert.deepEqual(s.fields, [
      { label: 'App', value: 'billing' },
      { label: 'Job', value: 'nightly-export (#12)' },
      { label: 'Instance', value: '4242' },
      { label: 'Run', value: '3' },
      { label: 'TaskTracker worker', value: 'worker-a:1' },
      { label: 'Reason', value: 'Error: boom at main (/app/x.js:1:1)' },
      { label: 'Suppressed', value: '4 similar alarms held back by the silence period' },
      { label: 'Time', value: '2024-01-02T03:04:05.678Z' },
    ]);
    assert.equal(s.logLines.length, 20);
    assert.equal(s.logLines[0], 'line 6');
    assert.equal(s.logLines[19], 'line 25');
    assert.equal(s.link, 'https://jobnest.example/apps/3/instances/4242');
  });

  it('INSTANCE_TIMED_OUT and NO_WORKER titles; no Suppressed field or suffix at 0', () => {
    const timedOut = summarizeAlarm(
      message({ type: AlarmEventType.INSTANCE_TIMED_OUT, jobId: 1, jobName: 'j', instanceId: 5 }),
    );
    assert.equal(timedOut.title, "[Jobnest] billing: job 'j' ran past its time limit (instance 5)");
    assert.deepEqual(labels(timedOut), ['App', 'Job', 'Instance', 'Time'], 'an empty reason is left out');
    const noWorker = summarizeAlarm(message({ type: AlarmEventType.NO_WORKER, jobId: 1, jobName: 'j', instanceId: 6 }));
    assert.equal(noWorker.title, "[Jobnest] billing: job 'j' found no worker (instance 6)");
  });

  it('WORKFLOW_FAILED: workflow fields and the failed node', () => {
    const s = summarizeAlarm(
      message({
        type: AlarmEventType.WORKFLOW_FAILED,
        workflowId: 8,
        workflowName: 'etl',
        workflowInstanceId: 900,
        failedNodeId: 'load',
        reason: 'node load failed',
      }),
    );
    assert.equal(s.title, "[Jobnest] billing: workflow 'etl' failed (instance 900)");
    assert.deepEqual(s.fields, [
      { label: 'App', value: 'billing' },
      { label: 'Workflow', value: 'etl (#8)' },
      { label: 'Workflow instance', value: '900' },
      { label: 'Failed node', value: 'load' },
      { label: 'Reason', value: 'node load failed' },
      { label: 'Time', value: '2024-01-02T03:04:05.678Z' },
    ]);
  });

  it('WORKER_LOST: the worker under "Worker" and its instances as a list', () => {
    const s = summarizeAlarm(
      message({
        type: AlarmEventType.WORKER_LOST,
        workerId: '10.0.0.7:4000',
        instanceIds: [1, 2, 3],
        reason: 'no heartbeat for 60 s',
      }),
    );
    assert.equal(s.title, '[Jobnest] billing: worker 10.0.0.7:4000 was lost');
    assert.deepEqual(labels(s), ['App', 'Worker', 'Instances', 'Reason', 'Time']);
    assert.equal(field(s, 'Worker'), '10.0.0.7:4000');
    assert.equal(field(s, 'Instances'), '1, 2, 3');
  });

  it('SLOTS_MISSED of a job and of a workflow', () => {
    const latest = Date.UTC(2024, 0, 2, 3, 0, 0, 0);
    const job = summarizeAlarm(
      message({
        type: AlarmEventType.SLOTS_MISSED,
        jobId: 4,
        jobName: 'tick',
        slots: { kind: 'misfired', count: 3, latestSlot: latest },
      }),
    );
    assert.equal(job.title, "[Jobnest] billing: 3 timer slots of job 'tick' misfired");
    assert.deepEqual(labels(job), ['App', 'Job', 'Slots', 'Time']);
    assert.equal(field(job, 'Slots'), '3 misfired, latest 2024-01-02T03:00:00.000Z');
    const wf = summarizeAlarm(
      message({
        type: AlarmEventType.SLOTS_MISSED,
        workflowId: 9,
        workflowName: 'etl',
        slots: { kind: 'skipped', count: 1, latestSlot: latest },
      }),
    );
    assert.equal(wf.title, "[Jobnest] billing: 1 timer slot of workflow 'etl' skipped");
  });

  it('APP_NO_WORKER and RECOVERED titles', () => {
    assert.equal(
      summarizeAlarm(message({ type: AlarmEventType.APP_NO_WORKER })).title,
      '[Jobnest] billing: no live worker left',
    );
    const job = summarizeAlarm(
      message({ type: AlarmEventType.RECOVERED, jobId: 12, jobName: 'nightly-export', instanceId: 50 }),
    );
    assert.equal(job.title, "[Jobnest] billing: job 'nightly-export' recovered");
    assert.deepEqual(labels(job), ['App', 'Job', 'Instance', 'Time']);
    const wf = summarizeAlarm(message({ type: AlarmEventType.RECOVERED, workflowId: 8, workflowName: 'etl' }));
    assert.equal(wf.title, "[Jobnest] billing: workflow 'etl' recovered");
  });

  it('cuts values to 500 chars and log lines to 300, each ending with "..."', () => {
    const s = summarizeAlarm(
      message(
        { type: AlarmEventType.INSTANCE_FAILED, jobId: 1, jobName: 'j', instanceId: 1, reason: 'r'.repeat(2000) },
        { logLines: ['x'.repeat(1000)] },
      ),
    );
    const reason = field(s, 'Reason') ?? '';
    assert.equal(reason.length, 500);
    assert.ok(reason.endsWith('r...'));
    assert.equal(s.logLines[0].length, 300);
    assert.ok(s.logLines[0].endsWith('x...'));
  });
});

describe('renderPlainText / renderMarkdown', () => {
  const summary: AlarmSummary = {
    title: 'T <a> & b',
    fields: [
      { label: 'App', value: 'billing' },
      { label: 'Reason', value: '<!channel> a&b > c' },
    ],
    logLines: ['one', 'has ``` fence'],
    link: 'https://x.example/i/1',
  };

  it('plain text: title, blank line, fields, log block, link', () => {
    assert.equal(
      renderPlainText(summary),
      'T <a> & b\n\nApp: billing\nReason: <!channel> a&b > c\n\nLast log lines:\none\nhas ``` fence\n\nhttps://x.example/i/1',
    );
  });

  it('Slack: *bold*, &<> escaped everywhere, <url|text> link, fenced log lines', () => {
    const md = renderMarkdown(summary, 'slack');
    assert.equal(
      md,
      [
        '*T &lt;a&gt; &amp; b*',
        '',
        '• *App:* billing',
        '• *Reason:* &lt;!channel&gt; a&amp;b &gt; c',
        '',
        '*Last log lines:*',
        '```',
        'one',
        "has ''' fence",
        '```',
        '',
        '<https://x.example/i/1|Open in Jobnest>',
      ].join('\n'),
    );
    assert.ok(!md.includes('<!channel>'));
  });

  it('standard: **bold**, [text](url), brackets of values made inert, the fence inside a log line defused', () => {
    const md = renderMarkdown(summary, 'standard');
    assert.equal(
      md,
      [
        '**T ＜a＞ & b**',
        '',
        '- **App:** billing',
        '- **Reason:** ＜!channel＞ a&b ＞ c',
        '',
        '**Last log lines:**',
        '```',
        'one',
        "has ''' fence",
        '```',
        '',
        '[Open in Jobnest](https://x.example/i/1)',
      ].join('\n'),
    );
  });
});

describe('markdown a job cannot shape', () => {
  it('keeps a reason from becoming a link or an image in DingTalk and WeCom markdown', () => {
    const md = renderMarkdown(
      {
        title: 't',
        fields: [{ label: 'Reason', value: '[Re-login](https://evil.example) ![](https://t.example/px)' }],
        logLines: [],
      },
      'standard',
    );
    assert.ok(!/\[[^\]]*\]\(/.test(md), md);
    assert.match(md, /［Re-login］\(https:\/\/evil\.example\)/);
  });
});

describe('robot bodies', () => {
  const summary = summarizeAlarm(FAILED);

  it('Slack: mentions first, then the Slack markdown', () => {
    const body = slackBody(summary, ['U1', 'U2']);
    assert.equal(body.text, `<@U1> <@U2> ${renderMarkdown(summary, 'slack')}`);
    assert.ok(body.text.split('\n')[0].startsWith('<@U1> <@U2> *[Jobnest] billing:'));
  });

  it('DingTalk: phone numbers to atMobiles, ids to atUserIds, each @mention also in the text', () => {
    const body = dingTalkBody(summary, ['+8613800000000', 'manager01', '13900000000']);
    assert.equal(body.msgtype, 'markdown');
    assert.equal(body.markdown.title, summary.title);
    assert.deepEqual(body.at, {
      atMobiles: ['+8613800000000', '13900000000'],
      atUserIds: ['manager01'],
      isAtAll: false,
    });
    assert.ok(body.markdown.text.startsWith(renderMarkdown(summary, 'standard')));
    assert.ok(body.markdown.text.endsWith('\n\n@+8613800000000 @manager01 @13900000000'));
  });

  it('Feishu: <at> mentions first, sign fields at the top level only when given, <at in the text defused', () => {
    const plain = feishuBody(summary, []);
    assert.deepEqual(plain, { msg_type: 'text', content: { text: renderPlainText(summary) } });
    const withAt = feishuBody(summary, ['ou_1'], { timestamp: '1700000000', sign: 'abc=' });
    assert.ok(withAt.content.text.startsWith('<at user_id="ou_1"></at> [Jobnest] billing:'));
    assert.equal(withAt.timestamp, '1700000000');
    assert.equal(withAt.sign, 'abc=');
    const sneaky = feishuBody(
      summarizeAlarm(message({ type: AlarmEventType.APP_NO_WORKER, reason: 'x <at user_id="all"></at>' })),
      [],
    );
    assert.ok(!sneaky.content.text.includes('<at'), sneaky.content.text);
  });

  it('WeCom: <@id> mentions first; content cut to 4096 UTF-8 bytes without splitting a character', () => {
    const small = weComBody(summary, ['zhangsan']);
    assert.equal(small.markdown.content, `<@zhangsan> ${renderMarkdown(summary, 'standard')}`);
    const big = summarizeAlarm(
      message(
        { type: AlarmEventType.INSTANCE_FAILED, jobId: 1, jobName: '任务', instanceId: 1, reason: '失败'.repeat(400) },
        { logLines: Array.from({ length: 20 }, () => '日志行😀'.repeat(40)) },
      ),
    );
    assert.ok(Buffer.byteLength(renderMarkdown(big, 'standard'), 'utf8') > 4096, 'the test input is over the limit');
    const content = weComBody(big, ['zhangsan']).markdown.content;
    const bytes = Buffer.byteLength(content, 'utf8');
    assert.ok(bytes <= 4096 && bytes > 4090, `cut to ${bytes} bytes`);
    assert.ok(content.endsWith('...'));
    assert.ok(!content.includes('\uFFFD'), 'no broken character');
    assert.ok(content.startsWith('<@zhangsan> '), 'the mention survives the cut');
    assert.equal(Buffer.from(content, 'utf8').toString('utf8'), content, 'valid UTF-8 round trip');
  });

  it('generic webhook body', () => {
    const body = webhookBody(FAILED, summary);
    assert.deepEqual(body, {
      version: 1,
      deliveryId: 77,
      event: FAILED.event,
      suppressedCount: 4,
      title: summary.title,
      text: renderPlainText(summary),
      logLines: summary.logLines,
      link: 'https://jobnest.example/apps/3/instances/4242',
    });
    assert.deepEqual(JSON.parse(JSON.stringify(body)), body, 'JSON-serializable as is');
  });
});

describe('robot signing', () => {
  it('DingTalk: base64 HMAC-SHA256(secret, "<ms>\\n<secret>") in the query, access_token kept', () => {
    const url = dingTalkSignedUrl('https://oapi.dingtalk.com/robot/send?access_token=abc123', 'SEC000', 1700000000000);
    const expected = createHmac('sha256', 'SEC000').update('1700000000000\nSEC000').digest('base64');
    assert.equal(expected, 'ltBBey5eZrWKh1cPzFIdz3v3xpkc4Tjx4lLsPSHqdtA=', 'the vector (computed with Python hmac)');
    const parsed = new URL(url);
    assert.equal(parsed.searchParams.get('access_token'), 'abc123');
    assert.equal(parsed.searchParams.get('timestamp'), '1700000000000');
    assert.equal(parsed.searchParams.get('sign'), expected);
    assert.equal(
      url,
      `https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=${encodeURIComponent(expected)}`,
    );
  });

  it('Feishu: timestamp in seconds, base64 HMAC-SHA256 keyed with "<s>\\n<secret>" over an empty message', () => {
    const signed = feishuSign('SEC000', 1700000000999);
    const expected = createHmac('sha256', '1700000000\nSEC000').update('').digest('base64');
    assert.equal(expected, 'QKhXycVUGrhA1dUEbXA2Vo/zGkv/W88IgYgKNA7Xmk0=', 'the vector (computed with Python hmac)');
    assert.deepEqual(signed, { timestamp: '1700000000', sign: expected });
  });

  it('webhook: sha256=hex HMAC-SHA256(secret, "<timestamp>.<body>"), verifiable by a receiver', () => {
    const body = '{"a":1}';
    const signature = webhookSignature('whsec', '1700000000000', body);
    assert.equal(signature, 'sha256=e396dba269569843ec61b16bf9a0e70c598b534678cf1863562e0699c7685c8d');
    const receiver = `sha256=${createHmac('sha256', 'whsec').update(`1700000000000.${body}`).digest('hex')}`;
    assert.equal(signature, receiver);
    assert.notEqual(webhookSignature('whsec', '1700000000001', body), signature, 'the timestamp is signed');
    assert.deepEqual(
      [WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER, WEBHOOK_DELIVERY_HEADER],
      ['X-Jobnest-Signature', 'X-Jobnest-Timestamp', 'X-Jobnest-Delivery'],
    );
  });
});

describe('judgeAnswer', () => {
  it('DingTalk/WeCom: only a 2xx with errcode 0 is accepted', () => {
    assert.deepEqual(judgeAnswer(AlarmChannelType.DINGTALK, 200, '{"errcode":0,"errmsg":"ok"}'), {
      ok: true,
      answer: 'HTTP 200: {"errcode":0,"errmsg":"ok"}',
    });
    const refused = judgeAnswer(
      AlarmChannelType.DINGTALK,
      200,
      JSON.stringify({ errcode: 310000, errmsg: 'keywords not in content' }),
    );
    assert.equal(refused.ok, false);
    assert.equal(refused.answer, 'HTTP 200: {"errcode":310000,"errmsg":"keywords not in content"}');
    assert.equal(judgeAnswer(AlarmChannelType.WECOM, 200, '{"errcode":0}').ok, true);
    assert.equal(judgeAnswer(AlarmChannelType.WECOM, 200, 'ok').ok, false, 'not JSON');
    assert.equal(judgeAnswer(AlarmChannelType.DINGTALK, 200, '{"errcode":"0"}').ok, false, 'not a number');
  });

  it('any type: non-2xx is refused; the answer is one line, cut to 300 chars', () => {
    for (const type of [AlarmChannelType.SLACK, AlarmChannelType.WEBHOOK, AlarmChannelType.DINGTALK]) {
      assert.equal(judgeAnswer(type, 500, '{"errcode":0}').ok, false, type);
    }
    const answer = judgeAnswer(AlarmChannelType.WEBHOOK, 500, `Internal\n\n  error ${'z'.repeat(1000)}`).answer;
    assert.ok(answer.startsWith('HTTP 500: Internal error zzz'));
    assert.equal(answer.length, 'HTTP 500: '.length + 300);
    assert.ok(!answer.includes('\n'));
    assert.deepEqual(judgeAnswer(AlarmChannelType.SLACK, 200, 'ok'), { ok: true, answer: 'HTTP 200: ok' });
    assert.equal(judgeAnswer(AlarmChannelType.WEBHOOK, 204, '').ok, true);
  });

  it('Feishu: code 0 or the legacy StatusCode 0', () => {
    assert.equal(judgeAnswer(AlarmChannelType.FEISHU, 200, '{"code":0,"msg":"success"}').ok, true);
    assert.equal(judgeAnswer(AlarmChannelType.FEISHU, 200, '{"StatusCode":0,"StatusMessage":"success"}').ok, true);
    const bad = judgeAnswer(
      AlarmChannelType.FEISHU,
      200,
      '{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}',
    );
    assert.equal(bad.ok, false);
    assert.ok(bad.answer.startsWith('HTTP 200: {"code":19021'));
    assert.equal(judgeAnswer(AlarmChannelType.FEISHU, 200, '<html>').ok, false, 'not JSON');
  });
});

describe('emailContent', () => {
  it('escapes a <script> in the reason (and quotes) in the HTML, keeps the plain text as is', () => {
    const summary = summarizeAlarm(
      message(
        {
          type: AlarmEventType.INSTANCE_FAILED,
          jobId: 1,
          jobName: `a"b'c`,
          instanceId: 2,
          reason: '<script>alert(1)</script> & co',
        },
        { logLines: ['<b>log</b>'], link: 'https://x.example/i/2?a=1&b=2' },
      ),
    );
    const mail = emailContent(summary);
    assert.equal(mail.subject, `[Jobnest] billing: job 'a"b'c' failed (instance 2)`);
    assert.ok(!mail.html.includes('<script>'), mail.html);
    assert.ok(mail.html.includes('<td>&lt;script&gt;alert(1)&lt;/script&gt; &amp; co</td>'), mail.html);
    assert.ok(mail.html.includes('<h2>[Jobnest] billing: job &#39;a&quot;b&#39;c&#39; failed (instance 2)</h2>'));
    assert.ok(mail.html.includes('<pre>&lt;b&gt;log&lt;/b&gt;</pre>'));
    assert.ok(mail.html.includes('<a href="https://x.example/i/2?a=1&amp;b=2">'));
    assert.ok(mail.text.includes('Reason: <script>alert(1)</script> & co'));
    assert.equal(mail.text, renderPlainText(summary));
  });

  it('subject is one line of at most 200 chars', () => {
    const mail = emailContent({ title: `x\n${'y'.repeat(400)}`, fields: [], logLines: [] });
    assert.equal(mail.subject.length, 200);
    assert.ok(mail.subject.startsWith('x yyy') && mail.subject.endsWith('...'));
  });
});
