import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { JobnestApiError, JobnestClient, type AppRole, type JobInput, type WorkflowInput } from '@jobnest/client';
import { TEST_ADMIN, TestCluster } from '../support/cluster';

const API = '/api/v1';
const ROLES: readonly AppRole[] = ['OBSERVER', 'OPERATOR', 'DEVELOPER', 'ADMIN'];
const PASSWORD = 'a-long-user-password';

/** One mutating route, the least role it needs, and how to make a fresh target for one call. */
interface RouteCase {
  name: string;
  method: 'POST' | 'PUT' | 'DELETE';
  needs: AppRole;
  /** The path (and body) of one call; may create what the call acts on, with the app's own client. */
  prepare(): Promise<{ path: string; body?: unknown }>;
}

/**
 * Users, roles and the audit log on a real server: every role against every mutating route (403 exactly where the
 * role is too low), one app's users blind to another app, revocation of tokens and grants, the admin's own routes,
 * and the audit rows of what was done.
 */
describe('access control', () => {
  const cluster = new TestCluster();
  let app: JobnestClient;
  const users = new Map<AppRole, string>();
  const tokens = new Map<AppRole, string>();
  let otherAppName: string;
  let otherUserToken: string;
  let adminClient: JobnestClient;
  let seq = 0;

  async function call(
    method: string,
    path: string,
    token: string,
    appName: string | undefined,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (appName !== undefined) headers['x-jobnest-app'] = appName;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(cluster.baseUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  const jobBody = (): JobInput => ({
    name: `acl-job-${++seq}`,
    processor: 'demo.echo',
    executeType: 'STANDALONE',
    timeExpressionType: 'API',
  });
  const newJob = async () => (await app.createJob(jobBody())).id;
  const newInstance = async () => (await app.runJob(await newJob())).instanceId;
  const workflowBody = async (): Promise<WorkflowInput> => ({
    name: `acl-wf-${++seq}`,
    timeExpressionType: 'API',
    dag: { nodes: [{ id: 'a', type: 'JOB', jobId: await newJob() }], edges: [] },
  });
  const newWorkflow = async () => (await app.createWorkflow(await workflowBody())).id;
  const newWorkflowInstance = async () => (await app.runWorkflow(await newWorkflow())).workflowInstanceId;

  const ROUTES: RouteCase[] = [
    {
      name: 'create job',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/jobs`, body: jobBody() }),
    },
    {
      name: 'replace job',
      method: 'PUT',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}`, body: jobBody() }),
    },
    {
      name: 'delete job',
      method: 'DELETE',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}` }),
    },
    {
      name: 'enable job',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}/enable` }),
    },
    {
      name: 'disable job',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}/disable` }),
    },
    {
      name: 'run job',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}/run`, body: {} }),
    },
    {
      name: 'bulk run',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/jobs/${await newJob()}/runs`, body: { runs: [{}, {}] } }),
    },
    {
      name: 'stop instance',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/instances/${await newInstance()}/stop` }),
    },
    {
      name: 'cancel instance',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/instances/${await newInstance()}/cancel` }),
    },
    {
      name: 'retry instance',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/instances/${await newInstance()}/retry` }),
    },
    {
      name: 'create workflow',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/workflows`, body: await workflowBody() }),
    },
    {
      name: 'replace workflow',
      method: 'PUT',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/workflows/${await newWorkflow()}`, body: await workflowBody() }),
    },
    {
      name: 'delete workflow',
      method: 'DELETE',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/workflows/${await newWorkflow()}` }),
    },
    {
      name: 'enable workflow',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/workflows/${await newWorkflow()}/enable` }),
    },
    {
      name: 'disable workflow',
      method: 'POST',
      needs: 'DEVELOPER',
      prepare: async () => ({ path: `${API}/workflows/${await newWorkflow()}/disable` }),
    },
    {
      name: 'run workflow',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/workflows/${await newWorkflow()}/run`, body: {} }),
    },
    {
      name: 'stop workflow instance',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/workflow-instances/${await newWorkflowInstance()}/stop` }),
    },
    {
      name: 'retry workflow instance',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({ path: `${API}/workflow-instances/${await newWorkflowInstance()}/retry` }),
    },
    {
      name: 'mark node succeeded',
      method: 'POST',
      needs: 'OPERATOR',
      prepare: async () => ({
        path: `${API}/workflow-instances/${await newWorkflowInstance()}/nodes/a/mark-succeeded`,
      }),
    },
    {
      name: 'set grant',
      method: 'PUT',
      needs: 'ADMIN',
      prepare: async () => ({ path: `${API}/grants/acl-spare`, body: { role: 'OBSERVER' } }),
    },
    {
      name: 'remove grant',
      method: 'DELETE',
      needs: 'ADMIN',
      prepare: async () => {
        await adminClient.setGrant('acl-spare', 'OBSERVER');
        return { path: `${API}/grants/acl-spare` };
      },
    },
  ];

  before(async () => {
    await cluster.start();
    app = cluster.client;
    adminClient = new JobnestClient({ baseUrl: cluster.baseUrl, app: cluster.appName });
    await adminClient.loginUser(TEST_ADMIN.username, TEST_ADMIN.password);
    for (const role of ROLES) {
      const username = `acl-${role.toLowerCase()}-${cluster.appName}`;
      await adminClient.createUser(username, PASSWORD);
      await adminClient.setGrant(username, role);
      users.set(role, username);
      const client = new JobnestClient({ baseUrl: cluster.baseUrl });
      tokens.set(role, (await client.loginUser(username, PASSWORD)).accessToken);
    }
    await adminClient.createUser('acl-spare', PASSWORD).catch(() => undefined);
    otherAppName = `${cluster.appName}_other`;
    await new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN }).createApp(
      otherAppName,
      'other-app-password',
    );
    const otherUser = `acl-other-${cluster.appName}`;
    await adminClient.createUser(otherUser, PASSWORD);
    const asOtherAdmin = new JobnestClient({ baseUrl: cluster.baseUrl, app: otherAppName });
    asOtherAdmin.setAccessToken(adminClient.accessToken);
    await asOtherAdmin.setGrant(otherUser, 'DEVELOPER');
    otherUserToken = (await new JobnestClient({ baseUrl: cluster.baseUrl }).loginUser(otherUser, PASSWORD)).accessToken;
  });

  after(async () => {
    await cluster.close();
  });

  for (const route of ROUTES) {
    it(`${route.method} ${route.name}: 403 below ${route.needs}, allowed from it`, async () => {
      for (const role of ROLES) {
        const { path, body } = await route.prepare();
        const { status, json } = await call(route.method, path, tokens.get(role)!, cluster.appName, body);
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(route.needs);
        if (allowed) {
          assert.ok(
            status < 400 || status === 409,
            `${role} ${route.method} ${path}: ${status} ${JSON.stringify(json)}`,
          );
        } else {
          assert.equal(status, 403, `${role} ${route.method} ${path}: ${status}`);
          assert.match(String((json as { message: string }).message), new RegExp(`needs role ${route.needs}`));
        }
      }
    });
  }

  it('lets every role read, and only ADMIN read the audit log and the grants', async () => {
    for (const role of ROLES) {
      for (const path of ['/jobs', '/instances', '/workflows', '/workflow-instances', '/workers']) {
        const { status } = await call('GET', API + path, tokens.get(role)!, cluster.appName);
        assert.equal(status, 200, `${role} GET ${path}`);
      }
      for (const path of ['/audit', '/grants']) {
        const { status } = await call('GET', API + path, tokens.get(role)!, cluster.appName);
        assert.equal(status, role === 'ADMIN' ? 200 : 403, `${role} GET ${path}`);
      }
    }
  });

  it("keeps one app's users out of another app, and names the app a user's call is missing", async () => {
    const jobId = await newJob();
    const denied = await call('GET', `${API}/jobs/${jobId}`, otherUserToken, cluster.appName);
    assert.equal(denied.status, 403);
    const unknown = await call('GET', `${API}/jobs`, otherUserToken, 'no-such-app');
    assert.equal(unknown.status, 403, 'an app the user may not see answers like one that does not exist');
    const own = await call('GET', `${API}/jobs`, otherUserToken, otherAppName);
    assert.equal(own.status, 200);
    assert.equal((own.json as { total: number }).total, 0, "the other app's list holds none of this app's jobs");
    const notFound = await call('GET', `${API}/jobs/${jobId}`, otherUserToken, otherAppName);
    assert.equal(notFound.status, 404, "this app's job id is not found through the other app");
    const missing = await call('GET', `${API}/jobs`, otherUserToken, undefined);
    assert.equal(missing.status, 400);
    assert.match(String((missing.json as { message: string }).message), /x-jobnest-app/);
    const me = await call('GET', `${API}/me`, otherUserToken, undefined);
    assert.deepEqual(
      (me.json as { apps: { name: string; role: string }[] }).apps.map((a) => [a.name, a.role]),
      [[otherAppName, 'DEVELOPER']],
    );
    // An app's token stays in its app whatever the header says.
    const appToken = app.accessToken!;
    assert.equal((await call('GET', `${API}/jobs`, appToken, otherAppName)).status, 403);
    assert.equal((await call('GET', `${API}/jobs`, appToken, cluster.appName)).status, 200);
  });

  it('writes who did what to the audit log, per app, newest first', async () => {
    const dev = tokens.get('DEVELOPER')!;
    const created = await call('POST', `${API}/jobs`, dev, cluster.appName, jobBody());
    assert.equal(created.status, 201);
    const jobId = String((created.json as { id: number }).id);
    await call('POST', `${API}/jobs/${jobId}/disable`, dev, cluster.appName);
    await call('POST', `${API}/jobs/${jobId}/run`, tokens.get('OPERATOR')!, cluster.appName, {});
    const denied = await call('DELETE', `${API}/jobs/${jobId}`, tokens.get('OPERATOR')!, cluster.appName);
    assert.equal(denied.status, 403);

    const asAdmin = new JobnestClient({ baseUrl: cluster.baseUrl, app: cluster.appName });
    asAdmin.setAccessToken(tokens.get('ADMIN')!);
    const entries = (await asAdmin.listAudit({ targetType: 'job', targetId: jobId, size: 10 })).items;
    assert.deepEqual(
      entries.map((e) => [e.actor, e.action]),
      [
        [`user:${users.get('OPERATOR')}`, 'job.run'],
        [`user:${users.get('DEVELOPER')}`, 'job.disable'],
        [`user:${users.get('DEVELOPER')}`, 'job.create'],
      ],
      'the refused delete is not an entry',
    );
    assert.match(entries[0]!.detail ?? '', /^instanceId=\d+$/);
    assert.ok(Date.parse(entries[0]!.at) > Date.now() - 60_000);
    // App tokens are named as the app.
    await app.disableJob(Number(jobId));
    assert.equal((await asAdmin.listAudit({ targetId: jobId, size: 1 })).items[0]!.actor, `app:${cluster.appName}`);
    // The other app's log holds none of it.
    const asOtherAdmin = new JobnestClient({ baseUrl: cluster.baseUrl, app: otherAppName });
    asOtherAdmin.setAccessToken(adminClient.accessToken);
    assert.equal((await asOtherAdmin.listAudit({ targetId: jobId })).total, 0);
    // The admin's server-level calls are listed apart.
    const serverEntries = (await adminClient.listServerAudit({ action: 'user.create', size: 100 })).items;
    assert.ok(
      serverEntries.some((e) => e.targetId === users.get('OBSERVER') && e.actor === `admin:${TEST_ADMIN.username}`),
    );
  });

  it('revokes a grant, a reset password and a deleted user at once', async () => {
    const username = `acl-revoke-${cluster.appName}`;
    await adminClient.createUser(username, PASSWORD);
    await adminClient.setGrant(username, 'OPERATOR');
    const first = (await new JobnestClient({ baseUrl: cluster.baseUrl }).loginUser(username, PASSWORD)).accessToken;
    assert.equal((await call('GET', `${API}/jobs`, first, cluster.appName)).status, 200);
    await adminClient.removeGrant(username);
    assert.equal((await call('GET', `${API}/jobs`, first, cluster.appName)).status, 403);
    await adminClient.setGrant(username, 'OBSERVER');
    assert.equal((await call('GET', `${API}/jobs`, first, cluster.appName)).status, 200);
    await adminClient.resetUserPassword(username, 'a-new-long-password');
    assert.equal((await call('GET', `${API}/jobs`, first, cluster.appName)).status, 401);
    const second = (await new JobnestClient({ baseUrl: cluster.baseUrl }).loginUser(username, 'a-new-long-password'))
      .accessToken;
    assert.equal((await call('GET', `${API}/jobs`, second, cluster.appName)).status, 200);
    await adminClient.deleteUser(username);
    assert.equal((await call('GET', `${API}/jobs`, second, cluster.appName)).status, 401);
  });

  it("keeps users, apps and the server audit to the server admin, and checks the admin's inputs", async () => {
    for (const role of ROLES) {
      const token = tokens.get(role)!;
      assert.equal((await call('GET', `${API}/users`, token, undefined)).status, 403, `${role} GET /users`);
      assert.equal((await call('GET', `${API}/apps`, token, undefined)).status, 403, `${role} GET /apps`);
      const create = await call('POST', `${API}/users`, token, undefined, { username: 'x-acl', password: PASSWORD });
      assert.equal(create.status, 403, `${role} POST /users`);
    }
    assert.equal((await call('GET', `${API}/users`, app.accessToken!, undefined)).status, 403, 'an app token');
    const apps = await adminClient.listApps();
    assert.ok(apps.some((a) => a.name === cluster.appName) && apps.some((a) => a.name === otherAppName));
    await assert.rejects(adminClient.createUser('short-pass', 'short'), (e: unknown) => {
      return e instanceof JobnestApiError && e.status === 400 && /password must be 12-200 characters/.test(e.message);
    });
    await assert.rejects(adminClient.createUser(TEST_ADMIN.username, PASSWORD), (e: unknown) => {
      return e instanceof JobnestApiError && e.status === 409;
    });
    await assert.rejects(
      new JobnestClient({ baseUrl: cluster.baseUrl }).loginUser(TEST_ADMIN.username, 'not-the-admin-password'),
      (e: unknown) => e instanceof JobnestApiError && e.status === 401 && /wrong username or password/.test(e.message),
    );
    const listed = (await adminClient.listUsers()).find((u) => u.username === users.get('OPERATOR'));
    assert.deepEqual(listed?.grants, [{ appName: cluster.appName, role: 'OPERATOR' }]);
    assert.ok(!JSON.stringify(await adminClient.listUsers()).includes('scrypt'), 'no password hash is returned');
  });

  it('takes the admin password as Basic only on the admin routes, and a username only in its one spelling', async () => {
    const basic = `Basic ${Buffer.from(`${TEST_ADMIN.username}:${TEST_ADMIN.password}`).toString('base64')}`;
    for (const path of [`${API}/jobs`, `${API}/me`]) {
      const res = await fetch(cluster.baseUrl + path, {
        headers: { authorization: basic, 'x-jobnest-app': cluster.appName },
      });
      assert.equal(res.status, 401, path);
      assert.match(((await res.json()) as { message: string }).message, /bearer token \(POST \/api\/v1\/auth\/login\)/);
    }
    assert.equal((await fetch(`${cluster.baseUrl}${API}/users`, { headers: { authorization: basic } })).status, 200);
    // Another spelling the column's collation would match (an accent, a trailing space) is refused before any check.
    for (const username of [`${users.get('OBSERVER')}é`, `${users.get('OBSERVER')} `]) {
      const res = await fetch(`${cluster.baseUrl}${API}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      assert.equal(res.status, 400, JSON.stringify(username));
    }
  });

  it("lists an app's password change and reset in that app's audit log", async () => {
    const anonymous = new JobnestClient({ baseUrl: cluster.baseUrl });
    await anonymous.changePassword(otherAppName, 'other-app-password', 'other-app-password-2');
    await new JobnestClient({ baseUrl: cluster.baseUrl, admin: TEST_ADMIN }).resetAppPassword(
      otherAppName,
      'other-app-password-3',
    );
    const asOtherAdmin = new JobnestClient({ baseUrl: cluster.baseUrl, app: otherAppName });
    asOtherAdmin.setAccessToken(adminClient.accessToken);
    const entries = (await asOtherAdmin.listAudit({ targetType: 'app' })).items;
    assert.deepEqual(
      entries.map((e) => [e.action, e.actor, e.targetId]),
      [
        ['app.password-reset', `admin:${TEST_ADMIN.username}`, otherAppName],
        ['app.password-change', `app:${otherAppName}`, otherAppName],
        ['app.create', `admin:${TEST_ADMIN.username}`, otherAppName],
      ],
    );
  });
});
