import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@jobnest/common';
import { HostAllowList, parseIp } from '@jobnest/worker-app/internal';

const SETTING = 'JOBNEST_HTTP_ALLOWED_HOSTS';

function allows(list: HostAllowList, address: string): boolean {
  return list.allowsAddress(parseIp(address)!);
}

describe('JOBNEST_HTTP_ALLOWED_HOSTS', () => {
  it('allows exactly the listed addresses, IPv4-mapped forms included', () => {
    const list = HostAllowList.parse(SETTING, ['127.0.0.1', '::1']);
    assert.ok(allows(list, '127.0.0.1'));
    assert.ok(allows(list, '::ffff:127.0.0.1'));
    assert.ok(allows(list, '::1'));
    assert.ok(!allows(list, '127.0.0.2'));
    assert.ok(!allows(list, '::2'));
  });

  it('allows every address of a listed CIDR range, and none outside it', () => {
    const list = HostAllowList.parse(SETTING, ['10.1.0.0/16', 'fd00:1::/32', '::ffff:192.168.0.0/112']);
    assert.ok(allows(list, '10.1.255.255'));
    assert.ok(!allows(list, '10.2.0.0'));
    assert.ok(allows(list, 'fd00:1:ffff::1'));
    assert.ok(!allows(list, 'fd00:2::1'));
    assert.ok(allows(list, '192.168.3.4'), 'a mapped IPv6 range means its IPv4 range');
    assert.ok(!allows(list, '192.169.0.1'));
  });

  it('matches host names without case or trailing dot, and not their subdomains', () => {
    const list = HostAllowList.parse(SETTING, ['Internal.Example', 'metadata.google.internal']);
    assert.ok(list.allowsHostName('internal.example'));
    assert.ok(list.allowsHostName('INTERNAL.example.'));
    assert.ok(!list.allowsHostName('api.internal.example'));
    assert.ok(list.allowsHostName('metadata.google.internal'));
    assert.ok(!list.allowsAddress(parseIp('127.0.0.1')!), 'a host name entry allows no address');
  });

  it('is empty when unset', () => {
    assert.ok(HostAllowList.parse(SETTING, []).isEmpty);
    assert.ok(!HostAllowList.parse(SETTING, ['10.0.0.0/8']).isEmpty);
  });

  const bad: [string, RegExp][] = [
    ['10.0.0.1/8', /entry '10\.0\.0\.1\/8' has bits set/],
    ['10.0.0.0/40', /prefix length 40/],
    ['http://internal', /neither a host name, an IP address nor a CIDR range/],
    ['bad host', /neither a host name/],
    ['-leading.example', /neither a host name/],
  ];
  for (const [entry, message] of bad) {
    it(`refuses the entry '${entry}' naming the setting`, () => {
      assert.throws(
        () => HostAllowList.parse(SETTING, ['127.0.0.1', entry]),
        (err: unknown) => err instanceof ConfigError && err.message.includes(SETTING) && message.test(err.message),
      );
    });
  }
});
