import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { JobnestClient } from '@jobnest/client';
import { accessibilityViolations, type AccessibilityViolation } from '../support/accessibility';
import { WebhookReceiver } from '../support/alarm-receivers';
import { launchBrowser, screenshot } from '../support/browser';
import { TEST_ADMIN, TestCluster, waitUntil } from '../support/cluster';

const OBSERVER = { username: 'console-observer', password: 'observer-long-password' };
/** Long enough for a run on a loaded CI machine; the pages poll every second. */
const RUN_TIMEOUT_MS = 60_000;

/**
 * The web console in a real Chromium against a real server and two workers: log in, create and run a job from the
 * form and read its logs, watch a MapReduce run reach 100%, build and run a three-node workflow in the DAG editor
 * and open a node's logs, a bad cron shown on its field, an OBSERVER who sees no run button and gets 403 from the
 * API, and the alarms page with a failed instance's webhook alarm and a test alarm. Each page is saved as a
 * screenshot under test/artifacts/screenshots.
 */
describe('web console in a browser', () => {
  // Webhook alarm channels on, to a receiver on this machine (the alarms page test).
  const cluster = new TestCluster({ JOBNEST_ALARM_WEBHOOKS: '1', JOBNEST_ALARM_ALLOWED_HOSTS: '127.0.0.1' });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  /** Requests of every page to anywhere but the server under test (a CDN, a font...): there must be none. */
  const outside: string[] = [];
  let requested = 0;

  async function logIn(target: Page, username: string, password: string): Promise<void> {
    await target.goto(`${cluster.baseUrl}/console/login`);
    await target.getByLabel('Username').fill(username);
    await target.getByLabel('Password').fill(password);
    await target.getByRole('button', { name: 'Log in' }).click();
    await target.getByRole('navigation').first().waitFor();
  }

  /** Accessibility problems axe-core found, by page; the last test asserts there are none. */
  const accessibility = new Map<string, AccessibilityViolation[]>();

  /** Saves a screenshot of the page and checks it against the WCAG A/AA rules. */
  async function capture(target: Page, name: string): Promise<void> {
    await screenshot(target, name);
    accessibility.set(name, await accessibilityViolations(target));
  }

  /**
   * Clicks a node of the DAG editor until the side panel shows it: after a node is added the canvas animates to
   * fit the view, and on a busy machine a click can land where the node was a frame before.
   */
  async function selectNode(nodeId: string): Promise<void> {
    const nodeIdField = page.getByRole('complementary').getByLabel('Node ID');
    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.getByTestId(`dag-node-${nodeId}`).click();
      const shown = await waitUntil(async () => (await nodeIdField.inputValue().catch(() => '')) === nodeId, 3000, '')
        .then(() => true)
        .catch(() => false);
      if (shown) return;
    }
    assert.fail(`the side panel never showed node ${nodeId}`);
  }

  /** Opens a console path (client-side routes are served index.html by the server). */
  async function open(path: string): Promise<void> {
    await page.goto(`${cluster.baseUrl}/console${path}`);
  }

  before(async () => {
    browser = await launchBrowser();
    await cluster.start();
    await cluster.startWorker({ workerId: 'console-w1' });
    await cluster.startWorker({ workerId: 'console-w2' });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/Paris' });
    context.on('request', (request) => {
      requested++;
      if (!request.url().startsWith(cluster.baseUrl)) outside.push(request.url());
    });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(String(err)));
    await logIn(page, TEST_ADMIN.username, TEST_ADMIN.password);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await cluster.close();
  });

  it('logs in and shows the overview of the app with its live workers', async () => {
    await open('/');
    await page.getByLabel('App').selectOption(cluster.appName);
    await page.getByText('console-w1').first().waitFor();
    await page.getByText('console-w2').first().waitFor();
    await capture(page, 'overview');
    await open('/workers');
    await page.getByText('demo.hello').first().waitFor();
    await capture(page, 'workers');
  });

  it('creates a job in the form, runs it, sees SUCCEEDED and reads its log lines', async () => {
    await open('/jobs');
    await page
      .getByRole('button', { name: 'Create job' })
      .or(page.getByRole('link', { name: 'Create job' }))
      .click();
    await page.getByLabel('Name', { exact: true }).fill('console-hello');
    await page.getByLabel('Processor', { exact: true }).fill('demo.hello');
    await page.getByLabel('Execute type').selectOption('STANDALONE');
    await page.getByLabel('Time type').selectOption('API');
    await capture(page, 'job-form');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.getByRole('row').filter({ hasText: 'console-hello' });
    await row.waitFor();
    // The search narrows the list on the server.
    await page.getByLabel('Search by name').fill('no-such-job');
    await page.getByText('No job matches the filter.').waitFor();
    await page.getByLabel('Search by name').fill('CONSOLE-HEL');
    await row.waitFor();
    await capture(page, 'jobs');
    await row.getByRole('button', { name: 'Run' }).click();
    await page.getByLabel('Instance params').fill('from the console');
    await page.getByRole('dialog').getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/console\/instances\/\d+$/);
    await page.getByText('SUCCEEDED', { exact: true }).first().waitFor({ timeout: RUN_TIMEOUT_MS });
    const log = page.getByRole('log');
    await log.getByText('step 3/3').waitFor({ timeout: RUN_TIMEOUT_MS });
    await page.getByText('from the console').first().waitFor();
    await page.getByRole('link', { name: 'console-hello' }).waitFor();
    await capture(page, 'instance-detail');

    // What the page showed is what the API holds.
    const instanceId = Number(/instances\/(\d+)$/.exec(page.url())![1]);
    const instance = await cluster.client.getInstance(instanceId);
    assert.equal(instance.status, 'SUCCEEDED');
    assert.equal(instance.instanceParams, 'from the console');
  });

  it('opens a long log at its newest lines and loads older ones on demand', async () => {
    const job = await cluster.client.createJob({
      name: 'console-long-log',
      processor: 'demo.logs',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(job.id, { instanceParams: '1200' });
    await cluster.client.waitForInstance(instanceId);
    await waitUntil(
      async () => (await cluster.client.getInstanceLogs(instanceId, { limit: 5000 })).items.length === 1200,
      20_000,
      'all lines stored',
    );
    await open(`/instances/${instanceId}`);
    const log = page.getByRole('log');
    await log.getByText('line 1200', { exact: true }).waitFor();
    assert.equal(await log.getByText('line 1', { exact: true }).count(), 0, 'it did not start from the first line');
    await page.getByRole('button', { name: 'Load older' }).click();
    await log.getByText('line 201', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Load older' }).click();
    await log.getByText('line 1', { exact: true }).waitFor();
    await waitUntil(
      async () => (await page.getByRole('button', { name: 'Load older' }).count()) === 0,
      5000,
      'no older lines left to load',
    );
    await capture(page, 'instance-long-log');
  });

  it('saves an edited job without changing the fields it did not touch (lifecycle to the millisecond)', async () => {
    const start = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
    const job = await cluster.client.createJob({
      name: 'console-round-trip',
      processor: 'demo.hello',
      executeType: 'STANDALONE',
      timeExpressionType: 'CRON',
      timeExpression: '0 0 3 * * *',
      timeZone: 'Europe/Paris',
      jobParams: '{"a":1}',
      maxInstances: 3,
      instanceRetries: 2,
      lifecycle: { start, end: null },
    });
    await open(`/jobs/${job.id}/edit`);
    await page.getByLabel('Description').fill('edited in the console');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/console\/jobs$/);
    const saved = await cluster.client.getJob(job.id);
    const { description, updatedAt: _u, ...rest } = saved as typeof saved & { updatedAt?: unknown };
    const { description: _d, updatedAt: _v, ...before } = job as typeof job & { updatedAt?: unknown };
    assert.equal(description, 'edited in the console');
    assert.deepEqual(rest, before);
  });

  it("shows the API's message on the field for a bad cron", async () => {
    await open('/jobs/new');
    await page.getByLabel('Name', { exact: true }).fill('console-bad-cron');
    await page.getByLabel('Processor', { exact: true }).fill('demo.hello');
    await page.getByLabel('Time type').selectOption('CRON');
    // While typing, the next 5 fire times come from validate-time.
    await page.getByLabel('Time expression').fill('0 */5 * * * *');
    const preview = page.locator('.time-preview');
    await waitUntil(
      async () => (await preview.getByRole('listitem').count()) === 5,
      10_000,
      'five fire times previewed',
    );
    const expected = await cluster.client.validateTime('CRON', '0 */5 * * * *');
    const times = preview.getByRole('listitem').locator('time');
    for (let i = 0; i < 5; i++) {
      // Shown in the viewer's zone (Europe/Paris here), the UTC value on hover.
      assert.equal(Date.parse((await times.nth(i).getAttribute('datetime')) ?? ''), expected.nextFireTimes[i]);
      assert.match((await times.nth(i).getAttribute('title')) ?? '', / UTC$/);
    }
    await page.getByLabel('Time expression').fill('61 * * * * *');
    await preview.getByRole('alert').getByText(/61/).waitFor();
    await page.getByRole('button', { name: 'Save' }).click();
    const fieldError = page.locator('#job-time-expression-error');
    await fieldError.waitFor();
    const shown = await fieldError.innerText();
    // The same text the API gives for this body.
    const res = await fetch(`${cluster.baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.client.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'api-bad-cron',
        processor: 'demo.hello',
        executeType: 'STANDALONE',
        timeExpressionType: 'CRON',
        timeExpression: '61 * * * * *',
      }),
    });
    assert.equal(res.status, 400);
    const apiMessage = String(((await res.json()) as { message: string | string[] }).message);
    assert.match(apiMessage, /timeExpression/);
    assert.ok(
      apiMessage.includes(shown.trim()) || shown.includes(apiMessage.replace(/^timeExpression:?\s*/, '')),
      `field shows "${shown}", API says "${apiMessage}"`,
    );
    assert.equal(await page.getByLabel('Time expression').getAttribute('aria-invalid'), 'true');
    await capture(page, 'job-form-bad-cron');
    const jobs = await cluster.client.listJobs({ size: 200 });
    assert.ok(!jobs.items.some((j) => j.name === 'console-bad-cron'), 'nothing was created');
  });

  it('runs a MapReduce job and shows its progress reaching 100%', async () => {
    const job = await cluster.client.createJob({
      name: 'console-sum-squares',
      processor: 'demo.sum-squares',
      executeType: 'MAP_REDUCE',
      timeExpressionType: 'API',
      jobParams: JSON.stringify({ n: 20_000, chunk: 200 }),
    });
    const { instanceId } = await cluster.client.runJob(job.id);
    await open(`/instances/${instanceId}`);
    const progress = page.getByRole('progressbar').first();
    await page.getByText('SUCCEEDED', { exact: true }).first().waitFor({ timeout: RUN_TIMEOUT_MS });
    await waitUntil(
      async () => (await progress.getAttribute('aria-valuenow')) === (await progress.getAttribute('aria-valuemax')),
      RUN_TIMEOUT_MS,
      'the progress bar is full',
    );
    assert.match((await progress.getAttribute('aria-valuetext')) ?? '', /\(100%\)/);
    const total = Number(await progress.getAttribute('aria-valuemax'));
    assert.equal(total, (await cluster.client.getInstance(instanceId)).tasks?.total);
    // One bar per worker that ran subtasks, as many as the API counts for it.
    for (const share of await cluster.client.listTaskCountsByWorker(instanceId)) {
      const bar = page.getByRole('progressbar', { name: `Subtasks of ${share.workerId ?? '(not taken yet)'}` });
      await waitUntil(async () => (await bar.getAttribute('aria-valuemax')) === String(share.total), 10_000, 'split');
    }
    // Once it ended, the subtask list and the per-worker split show the final rows, not the last poll's.
    await waitUntil(
      async () =>
        (await page.getByRole('table').getByText('WAITING_DISPATCH', { exact: true }).count()) === 0 &&
        (await page.getByText('(not taken yet)').count()) === 0,
      RUN_TIMEOUT_MS,
      'the final subtask rows shown',
    );
    await capture(page, 'mapreduce-instance');
  });

  it("builds a three-node workflow in the editor, runs it, sees every node succeed and opens a node's logs", async () => {
    const jobIds: number[] = [];
    for (const name of ['console-wf-a', 'console-wf-b', 'console-wf-c']) {
      jobIds.push(
        (
          await cluster.client.createJob({
            name,
            processor: 'demo.hello',
            executeType: 'STANDALONE',
            timeExpressionType: 'WORKFLOW',
          })
        ).id,
      );
    }
    await open('/workflows/new');
    await page.getByLabel('Name', { exact: true }).fill('console-chain');
    const panel = page.getByRole('complementary');
    for (const [i, jobId] of jobIds.entries()) {
      await page.getByRole('button', { name: 'Add job node' }).click();
      await page.getByTestId(`dag-node-job_${i + 1}`).waitFor();
      await panel.getByLabel('Job', { exact: true }).selectOption(String(jobId));
    }
    for (const [from, to] of [
      ['job_1', 'job_2'],
      ['job_2', 'job_3'],
    ] as const) {
      await selectNode(from);
      await panel.getByLabel('Connect to').selectOption(to);
      await panel.getByRole('button', { name: 'Add edge' }).click();
    }
    await capture(page, 'workflow-editor');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/console\/workflows\/\d+$/);
    const workflowId = Number(/workflows\/(\d+)$/.exec(page.url())![1]);
    const saved = await cluster.client.getWorkflow(workflowId);
    assert.deepEqual(
      saved.dag.edges.map((e) => [e.from, e.to]),
      [
        ['job_1', 'job_2'],
        ['job_2', 'job_3'],
      ],
    );
    assert.deepEqual(
      saved.dag.nodes.map((n) => n.jobId),
      jobIds,
    );

    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/console\/workflow-instances\/\d+$/);
    for (const node of ['job_1', 'job_2', 'job_3']) {
      await page
        .getByTestId(`dag-node-${node}`)
        .getByText('SUCCEEDED', { exact: true })
        .waitFor({ timeout: RUN_TIMEOUT_MS });
    }
    await capture(page, 'workflow-run');

    const openInstance = page.getByRole('link', { name: /Open job instance #\d+/ });
    await waitUntil(
      async () => {
        // As in the editor, a click during the canvas's fit animation may miss: click again until the panel shows.
        await page.getByTestId('dag-node-job_2').click();
        return openInstance
          .waitFor({ timeout: 3000 })
          .then(() => true)
          .catch(() => false);
      },
      20_000,
      'the node panel of job_2',
    );
    await openInstance.click();
    await page.waitForURL(/\/console\/instances\/\d+$/);
    await page.getByRole('log').getByText('step 3/3').waitFor({ timeout: RUN_TIMEOUT_MS });
    await capture(page, 'workflow-node-instance');
  });

  it("marks the node a bad DAG's 400 names, with the API's message", async () => {
    const job = (await cluster.client.listJobs({ search: 'console-wf-a' })).items[0]!;
    await open('/workflows/new');
    await page.getByLabel('Name', { exact: true }).fill('console-bad-decision');
    const panel = page.getByRole('complementary');
    await page.getByRole('button', { name: 'Add job node' }).click();
    await panel.getByLabel('Job', { exact: true }).selectOption(String(job.id));
    await page.getByRole('button', { name: 'Add decision node' }).click();
    await panel.getByLabel('CEL expression').fill('context.rows >');
    await page.getByRole('button', { name: 'Save' }).click();
    const alert = page.getByTestId('dag-node-decision_1').getByRole('alert');
    await alert.waitFor();
    const res = await fetch(`${cluster.baseUrl}/api/v1/workflows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cluster.client.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'api-bad-decision',
        timeExpressionType: 'API',
        dag: {
          nodes: [
            { id: 'job_1', type: 'JOB', jobId: job.id },
            { id: 'decision_1', type: 'DECISION', expression: 'context.rows >' },
          ],
          edges: [],
        },
      }),
    });
    assert.equal(res.status, 400);
    const apiMessage = [((await res.json()) as { message: string | string[] }).message].flat().join(' ');
    assert.match(apiMessage, /decision_1/);
    assert.ok(apiMessage.includes((await alert.innerText()).trim()), `node shows "${await alert.innerText()}"`);
    assert.equal(await page.getByTestId('dag-node-job_1').getByRole('alert').count(), 0, 'only the named node');
    await capture(page, 'workflow-editor-error');
  });

  it('retries a failed instance with one click', async () => {
    const job = await cluster.client.createJob({
      name: 'console-fails',
      processor: 'demo.fail',
      executeType: 'STANDALONE',
      timeExpressionType: 'API',
    });
    const { instanceId } = await cluster.client.runJob(job.id);
    assert.equal((await cluster.client.waitForInstance(instanceId)).status, 'FAILED');
    await open(`/instances/${instanceId}`);
    await page.getByText('FAILED', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Retry' }).click();
    await waitUntil(
      async () => (await cluster.client.getInstance(instanceId)).runningTimes === 2,
      RUN_TIMEOUT_MS,
      'the second run',
    );
    await page.getByRole('log').getByText('attempt 1 of run 2').waitFor({ timeout: RUN_TIMEOUT_MS });
    await capture(page, 'instance-retried');
  });

  it('lets the server admin create a user and grant a role from the admin pages', async () => {
    await open('/admin/users');
    await page.getByLabel('Username').fill('console-made-user');
    await page.getByLabel('Password').fill('made-in-the-console');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText('User created.').waitFor();
    await open('/admin/grants');
    await page.getByLabel('Username').fill('console-made-user');
    await page.getByLabel('Role').selectOption('OPERATOR');
    await page.getByRole('button', { name: 'Save grant' }).click();
    await page.getByRole('row').filter({ hasText: 'console-made-user' }).getByText('OPERATOR').first().waitFor();
    await capture(page, 'admin-grants');
    const made = new JobnestClient({ baseUrl: cluster.baseUrl });
    await made.loginUser('console-made-user', 'made-in-the-console');
    assert.deepEqual(
      (await made.me()).apps.map((a) => [a.name, a.role]),
      [[cluster.appName, 'OPERATOR']],
    );
  });

  it("lists the app's audit log for its ADMIN, with what this test did", async () => {
    await open('/admin/audit');
    const table = page.getByRole('table');
    await table.getByRole('row').filter({ hasText: 'job.create' }).first().waitFor();
    await table.getByRole('row').filter({ hasText: 'workflow.run' }).first().waitFor();
    await table.getByText(`admin:${TEST_ADMIN.username}`).first().waitFor();
    await capture(page, 'audit-log');
  });

  it('shows an OBSERVER no run button, and the API refuses the run with 403', async () => {
    const admin = new JobnestClient({ baseUrl: cluster.baseUrl, app: cluster.appName });
    await admin.loginUser(TEST_ADMIN.username, TEST_ADMIN.password);
    await admin.createUser(OBSERVER.username, OBSERVER.password);
    await admin.setGrant(OBSERVER.username, 'OBSERVER');

    const observerContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const observerPage = await observerContext.newPage();
      await logIn(observerPage, OBSERVER.username, OBSERVER.password);
      await observerPage.goto(`${cluster.baseUrl}/console/jobs`);
      const row = observerPage.getByRole('row').filter({ hasText: 'console-hello' });
      await row.waitFor();
      assert.equal(await observerPage.getByRole('button', { name: 'Run' }).count(), 0);
      assert.equal(await observerPage.getByRole('button', { name: 'Create job' }).count(), 0);
      await capture(observerPage, 'jobs-as-observer');

      // The console's own token, as the browser holds it (evaluated in the page, hence a string).
      const stored = (await observerPage.evaluate(
        'JSON.stringify([sessionStorage, localStorage].flatMap((s) => Object.keys(s).map((k) => s.getItem(k))))',
      )) as string;
      const token = /\\"accessToken\\":\\"([^"\\]+)\\"/.exec(stored)?.[1];
      assert.ok(token, `the console keeps its token in the browser: ${stored.slice(0, 200)}`);
      const job = (await cluster.client.listJobs({ size: 200 })).items.find((j) => j.name === 'console-hello')!;
      const res = await fetch(`${cluster.baseUrl}/api/v1/jobs/${job.id}/run`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'x-jobnest-app': cluster.appName,
          'content-type': 'application/json',
        },
        body: '{}',
      });
      assert.equal(res.status, 403);
      assert.match(String(((await res.json()) as { message: string }).message), /needs role OPERATOR/);
    } finally {
      await observerContext.close();
    }
  });

  it('charts the runs of the last hour on the overview', async () => {
    await open('/');
    const chart = page.getByRole('img', { name: /Instance counts/ });
    await chart.waitFor();
    const succeeded = (await cluster.client.listInstances({ status: 'SUCCEEDED', size: 1 })).total;
    assert.ok(succeeded >= 5, `${succeeded} instances succeeded in this file`);
    await page.locator('.legend').getByText(`SUCCEEDED ${succeeded}`).waitFor();
    await capture(page, 'overview-with-runs');
  });

  it('logs in, opens Jobs and a run dialog with the keyboard alone', async () => {
    const keyboardContext = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    try {
      const kb = await keyboardContext.newPage();
      await kb.goto(`${cluster.baseUrl}/console/login`);
      // React renders after the load event: wait until the form is there and its first field has the focus.
      await waitUntil(
        async () => (await kb.evaluate('document.activeElement && document.activeElement.id')) === 'login-username',
        10_000,
        'the username field focused',
      );
      await kb.keyboard.type(TEST_ADMIN.username);
      await kb.keyboard.press('Tab');
      await kb.keyboard.type(TEST_ADMIN.password);
      await kb.keyboard.press('Enter');
      await kb.getByRole('navigation').first().waitFor();
      /** Tabs forward until the focused element's text is `name`, then presses Enter. */
      const tabTo = async (name: string) => {
        for (let i = 0; i < 60; i++) {
          await kb.keyboard.press('Tab');
          const focused = (await kb.evaluate('document.activeElement && document.activeElement.textContent')) as
            string | null;
          if (focused?.trim() === name) return kb.keyboard.press('Enter');
        }
        assert.fail(`no focusable "${name}" within 60 tabs`);
      };
      await tabTo('Jobs');
      await kb.waitForURL(/\/console\/jobs$/);
      await kb.getByRole('row').filter({ hasText: 'console-hello' }).waitFor();
      await tabTo('Run');
      await kb.getByRole('dialog').waitFor();
      await kb.keyboard.press('Escape');
      await kb.getByRole('dialog').waitFor({ state: 'detached' });
    } finally {
      await keyboardContext.close();
    }
  });

  it('shows the alarms sent for a failed instance, the channels without their secret, and sends a test alarm', async () => {
    const receiver = new WebhookReceiver();
    await receiver.start();
    try {
      const secret = 'console-hook-secret-0123456789';
      const channel = await cluster.client.createAlarmChannel({
        name: 'console-hook',
        type: 'WEBHOOK',
        url: `${receiver.baseUrl}/console-hook`,
        secret,
      });
      await cluster.client.createAlarmRule({
        scope: 'APP',
        events: ['INSTANCE_FAILED'],
        channelIds: [channel.id],
        silenceMs: 0,
      });
      const job = await cluster.client.createJob({
        name: 'console-alarmed',
        processor: 'demo.fail',
        executeType: 'STANDALONE',
        timeExpressionType: 'API',
      });
      const { instanceId } = await cluster.client.runJob(job.id);
      assert.equal((await cluster.client.waitForInstance(instanceId, { timeoutMs: RUN_TIMEOUT_MS })).status, 'FAILED');

      await open('/alarms');
      await page.getByRole('heading', { name: 'Alarms', level: 1 }).waitFor();
      const history = page.getByRole('table', { name: /Alarm deliveries/ });
      // The page polls every 5 s: the alarm of this instance shows up as SENT, its title linked to the instance.
      const sent = history
        .getByRole('row')
        .filter({ has: page.getByRole('link', { name: `instance ${instanceId})` }) })
        .filter({ has: page.getByText('SENT', { exact: true }) });
      await sent.waitFor({ timeout: RUN_TIMEOUT_MS });
      assert.equal(await sent.getByText('INSTANCE_FAILED', { exact: true }).count(), 1);
      assert.equal(await sent.getByText('console-hook', { exact: true }).count(), 1, 'the channel by its name');
      assert.equal(
        await sent.getByRole('link').getAttribute('href'),
        `/console/instances/${instanceId}`,
        'the title opens the instance',
      );

      const channelRow = page
        .getByRole('table', { name: 'Alarm channels' })
        .getByRole('row')
        .filter({ hasText: 'console-hook' });
      await channelRow.getByText(receiver.baseUrl, { exact: true }).waitFor();
      const rulesTable = page.getByRole('table', { name: 'Alarm rules' });
      await rulesTable.getByRole('row').filter({ hasText: 'App default' }).getByText('console-hook').waitFor();

      await channelRow.getByRole('button', { name: 'Send test' }).click();
      const queued = page.getByRole('status').filter({ hasText: 'Test alarm queued' });
      await queued.waitFor();
      const deliveryId = Number(/delivery (\d+)/.exec(await queued.innerText())?.[1]);
      assert.ok(deliveryId > 0, `the message names the delivery: ${await queued.innerText()}`);
      await history
        .getByRole('row')
        .filter({ has: page.getByText('TEST', { exact: true }) })
        .filter({ has: page.getByText('SENT', { exact: true }) })
        .waitFor({ timeout: RUN_TIMEOUT_MS });
      await waitUntil(() => receiver.to('/console-hook').length >= 2, RUN_TIMEOUT_MS, 'the failure and the test alarm');
      await capture(page, 'alarms');

      // The URL's origin is shown, never the secret (nor the path, which may carry a token).
      assert.ok(!(await page.content()).includes(secret), 'the page never shows the secret');
      assert.equal(await channelRow.getByText('/console-hook').count(), 0, "the URL's path is not shown");
    } finally {
      await receiver.stop();
    }
  });

  it('passes the WCAG 2.1 A and AA rules of axe-core on every page it saw (labels, names, contrast)', () => {
    assert.ok(accessibility.size >= 10, `${accessibility.size} pages checked`);
    const problems = [...accessibility].flatMap(([pageName, violations]) =>
      violations.map((v) => `${pageName}: ${v.rule} (${v.impact}) ${v.help} at ${v.targets.join(', ')}`),
    );
    assert.deepEqual(problems, []);
  });

  it('loaded nothing from outside the server and logged no page errors', async () => {
    assert.ok(requested > 20, `the pages made requests (${requested})`);
    assert.deepEqual(outside, []);
    assert.deepEqual(
      consoleErrors.filter((e) => !/status of 4\d\d/.test(e)),
      [],
      'a 4xx the test provoked on purpose is the only console error allowed',
    );
  });
});
