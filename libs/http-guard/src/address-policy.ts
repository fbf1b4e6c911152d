import { ipRange, rangeContains, unmapIpv4, type IpAddress, type IpRange } from './ip-address';

/** What an address is, for vetTarget's decision to connect: only `public` is reachable by default. */
export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'unspecified'
  | 'link-local'
  | 'private'
  | 'shared (CGNAT)'
  | 'multicast'
  | 'reserved'
  | 'cloud metadata';

/** Host names of cloud metadata services, refused by name whatever they resolve to. */
export const METADATA_HOST_NAMES: readonly string[] = ['metadata.google.internal'];

// First match wins: the specific entries (metadata, unspecified) come before the ranges that contain them.
const IPV4_RANGES: readonly [IpRange, AddressCategory][] = [
  [ipRange('0.0.0.0/32'), 'unspecified'],
  [ipRange('0.0.0.0/8'), 'reserved'], // "this network"
  [ipRange('127.0.0.0/8'), 'loopback'],
  [ipRange('10.0.0.0/8'), 'private'],
  [ipRange('172.16.0.0/12'), 'private'],
  [ipRange('192.168.0.0/16'), 'private'],
  [ipRange('100.64.0.0/10'), 'shared (CGNAT)'],
  [ipRange('169.254.169.254/32'), 'cloud metadata'],
  [ipRange('169.254.0.0/16'), 'link-local'],
  [ipRange('192.0.0.0/24'), 'reserved'], // IETF protocol assignments
  [ipRange('192.0.2.0/24'), 'reserved'], // documentation
  [ipRange('198.18.0.0/15'), 'reserved'], // benchmarking
  [ipRange('198.51.100.0/24'), 'reserved'], // documentation
  [ipRange('203.0.113.0/24'), 'reserved'], // documentation
  [ipRange('224.0.0.0/4'), 'multicast'],
  [ipRange('240.0.0.0/4'), 'reserved'], // future use and the broadcast address
];

const IPV6_RANGES: readonly [IpRange, AddressCategory][] = [
  [ipRange('::/128'), 'unspecified'],
  [ipRange('::1/128'), 'loopback'],
  [ipRange('::/96'), 'reserved'], // IPv4-compatible, deprecated
  [ipRange('64:ff9b:1::/48'), 'private'], // local-use NAT64
  [ipRange('100::/64'), 'reserved'], // discard-only
  [ipRange('2001::/32'), 'reserved'], // Teredo: tunnels to an IPv4 address we cannot vet
  [ipRange('2001:db8::/32'), 'reserved'], // documentation
  [ipRange('fd00:ec2::254/128'), 'cloud metadata'],
  [ipRange('fc00::/7'), 'private'], // unique local
  [ipRange('fec0::/10'), 'private'], // site-local, deprecated
  [ipRange('fe80::/10'), 'link-local'],
  [ipRange('ff00::/8'), 'multicast'],
];

/** Global unicast: every public IPv6 address is in it; anything outside it not listed above is unallocated. */
const IPV6_GLOBAL_UNICAST = ipRange('2000::/3');
/** IPv6 ranges that carry an IPv4 address the packets end up at: NAT64 (last 32 bits) and 6to4 (bits 16-48). */
const NAT64 = ipRange('64:ff9b::/96');
const SIX_TO_FOUR = ipRange('2002::/16');

/**
 * The category of an address. IPv6 forms that embed an IPv4 address (mapped `::ffff:a.b.c.d`, NAT64, 6to4) are
 * judged by that IPv4 address, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`.
 */
export function classifyAddress(address: IpAddress): AddressCategory {
  const candidate = unmapIpv4(address);
  if (candidate.family === 4) return firstMatch(IPV4_RANGES, candidate) ?? 'public';
  if (rangeContains(NAT64, candidate)) return classifyAddress({ family: 4, value: candidate.value & 0xffffffffn });
  if (rangeContains(SIX_TO_FOUR, candidate))
    return classifyAddress({ family: 4, value: (candidate.value >> 80n) & 0xffffffffn });
  const listed = firstMatch(IPV6_RANGES, candidate);
  if (listed) return listed;
  return rangeContains(IPV6_GLOBAL_UNICAST, candidate) ? 'public' : 'reserved';
}

/** A host name as compared with the metadata names and the allow-list: lower case, no trailing dot. */
export function normalizeHostName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function isMetadataHostName(name: string): boolean {
  return METADATA_HOST_NAMES.includes(normalizeHostName(name));
}

function firstMatch(ranges: readonly [IpRange, AddressCategory][], address: IpAddress): AddressCategory | undefined {
  return ranges.find(([range]) => rangeContains(range, address))?.[1];
}
