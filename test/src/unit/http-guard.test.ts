import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  GuardedHttpClient,
  HostAllowList,
  HttpTargetRefusedError,
  MAX_REDIRECTS,
  vetTarget,
} from '@jobnest/http-guard';

const LOOPBACK_ONLY = HostAllowList.parse('TEST_ALLOWED_HOSTS', ['127.0.0.1']);

describe('vetTarget wording', () => {
  it("words a refusal as the worker's http processor by default", async () => {
    await assert.rejects(vetTarget(new URL('http://10.0.0.1/'), HostAllowList.EMPTY), {
      name: 'HttpTargetRefusedError',
      message:
        "http: refused address 10.0.0.1 of host '10.0.0.1': it is private; list it in JOBNEST_HTTP_ALLOWED_HOSTS to allow it",
    });
    await assert.rejects(vetTarget(new URL('ftp://example.com/'), HostAllowList.EMPTY), {
      message: 'http: refused ftp://example.com/: only http: and https: URLs are allowed',
    });
  });

  it('names the label and the allow-list setting it is given', async () => {
    const options = { allowListSetting: 'JOBNEST_ALARM_WEBHOOK_ALLOWED_HOSTS', label: 'alarm webhook' };
    await assert.rejects(vetTarget(new URL('http://metadata.google.internal/'), HostAllowList.EMPTY, options), {
      message:
        "alarm webhook: refused host 'metadata.google.internal': it is a cloud metadata service; " +
        'list it in JOBNEST_ALARM_WEBHOOK_ALLOWED_HOSTS to allow it',
    });
    await assert.rejects(
      vetTarget(new URL('http://nowhere.test/'), HostAllowList.EMPTY, {
        ...options,
        resolve: () => Promise.resolve([]),
      }),
      { message: "alarm webhook: host 'nowhere.test' has no address" },
    );
  });

  it('uses the resolver it is given and pins the first address', async () => {
    const target = await vetTarget(new URL('https://example.com/x'), HostAllowList.EMPTY, {
      resolve: () => Promise.resolve([{ address: '93.184.215.14', family: 4 }]),
    });
    assert.equal(target.address, '93.184.215.14');
    assert.equal(target.hostName, 'example.com');
  });
});

describe('GuardedHttpClient', () => {
  let server: Server;
  let base: string;
  const hits = new Map<string, number>();

  before(async () => {
    server = createServer((req, res) => {
      const path = req.url ?? '/';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/ok') return void res.end('ok');
      const loop = /^\/loop(\d+)$/.exec(path);
      if (loop) return void res.writeHead(302, { location: `/loop${Number(loop[1]) + 1}` }).end('moved');
      if (path === '/to-private') return void res.writeHead(302, { location: 'http://10.0.0.1/' }).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  function get(path: string) {
    return { url: `${base}${path}`, method: 'GET', headers: {}, body: undefined };
  }

  it(`follows ${MAX_REDIRECTS} redirects by default, and fails on the next one`, async () => {
    const client = new GuardedHttpClient(LOOPBACK_ONLY);
    const response = await client.send(get('/loop0'), AbortSignal.timeout(10_000), 100).catch((err: Error) => err);
    assert.ok(response instanceof Error);
    assert.equal(response.message, `http: more than ${MAX_REDIRECTS} redirects (last to /loop${MAX_REDIRECTS + 1})`);
  });

  it('follows at most maxRedirects', async () => {
    const client = new GuardedHttpClient(LOOPBACK_ONLY, { label: 'alarm webhook' });
    await assert.rejects(client.send(get('/loop0'), AbortSignal.timeout(10_000), 100, { maxRedirects: 1 }), {
      message: 'alarm webhook: more than 1 redirects (last to /loop2)',
    });
  });

  it('with maxRedirects 0, returns a redirect answer as is', async () => {
    const before = hits.get('/loop1') ?? 0;
    const client = new GuardedHttpClient(LOOPBACK_ONLY);
    const response = await client.send(get('/loop0'), AbortSignal.timeout(10_000), 100, { maxRedirects: 0 });
    assert.deepEqual(response, { status: 302, url: `${base}/loop0`, bodyStart: 'moved' });
    assert.equal(hits.get('/loop1') ?? 0, before, 'the redirect was not followed');
  });

  it('refuses a redirect to a forbidden address in the wording it is given', async () => {
    const client = new GuardedHttpClient(LOOPBACK_ONLY, { allowListSetting: 'MY_HOSTS', label: 'hook' });
    await assert.rejects(client.send(get('/to-private'), AbortSignal.timeout(10_000), 100), (err: unknown) => {
      assert.ok(err instanceof HttpTargetRefusedError);
      assert.equal(
        err.message,
        "hook: refused address 10.0.0.1 of host '10.0.0.1': it is private; list it in MY_HOSTS to allow it",
      );
      return true;
    });
  });

  it('rejects a maxRedirects that is not a whole number of 0 or more', async () => {
    const client = new GuardedHttpClient(LOOPBACK_ONLY);
    await assert.rejects(client.send(get('/ok'), AbortSignal.timeout(10_000), 100, { maxRedirects: -1 }), RangeError);
  });
});
