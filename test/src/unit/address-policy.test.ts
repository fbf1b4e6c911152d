import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  classifyAddress,
  isMetadataHostName,
  type AddressCategory,
  formatIp,
  parseIp,
  parseIpRange,
} from '@jobnest/worker-app/internal';

function categoryOf(text: string): AddressCategory {
  const address = parseIp(text);
  assert.ok(address, `${text} parses`);
  return classifyAddress(address);
}

describe('address policy of the http processor', () => {
  const cases: [string, AddressCategory][] = [
    // IPv4
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::2', 'reserved'],
    ['4000::1', 'reserved'],
    // IPv4 inside IPv6: mapped, NAT64, 6to4, IPv4-compatible
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:0.0.0.0', 'unspecified'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:808:808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
  ];
  for (const [text, expected] of cases) {
    it(`classifies ${text} as ${expected}`, () => {
      assert.equal(categoryOf(text), expected);
    });
  }

  it('does not take host names or malformed text for addresses', () => {
    for (const text of ['localhost', 'example.com', '127.1', '1.2.3.4.5', '256.0.0.1', '::g', '']) {
      assert.equal(parseIp(text), undefined, text);
    }
  });

  it('writes addresses back in canonical form', () => {
    assert.equal(formatIp(parseIp('0:0:0:0:0:0:0:1')!), '::1');
    assert.equal(formatIp(parseIp('::ffff:127.0.0.1')!), '::ffff:7f00:1');
    assert.equal(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!), '2001:db8::1:0:0:1');
    assert.equal(formatIp(parseIp('10.20.30.40')!), '10.20.30.40');
  });

  it('parses CIDR ranges and refuses bad ones', () => {
    assert.deepEqual(parseIpRange('10.0.0.0/8'), { family: 4, base: 0x0a000000n, prefix: 8 });
    assert.equal(parseIpRange('10.0.0.0'), undefined);
    assert.throws(() => parseIpRange('10.0.0.1/8'), /bits set after the first 8 .*10\.0\.0\.0/);
    assert.throws(() => parseIpRange('10.0.0.0/33'), /prefix length 33/);
    assert.throws(() => parseIpRange('fd00::/129'), /prefix length 129/);
  });

  it('knows cloud metadata host names whatever their case or trailing dot', () => {
    assert.ok(isMetadataHostName('metadata.google.internal'));
    assert.ok(isMetadataHostName('Metadata.Google.Internal.'));
    assert.ok(!isMetadataHostName('google.internal'));
  });
});
