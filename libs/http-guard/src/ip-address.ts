import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as a number, so that ranges are plain comparisons. */
export interface IpAddress {
  family: 4 | 6;
  value: bigint;
}

/** An address range `base/prefix`; `base` has no bits set beyond the prefix. */
export interface IpRange {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

/**
 * Parses dotted-decimal IPv4 or any IPv6 text form (`::` compression, a dotted IPv4 tail, brackets, a `%zone`).
 * Returns undefined for anything else, host names included.
 */
export function parseIp(text: string): IpAddress | undefined {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (isIPv4(bare)) {
    const parts = bare.split('.').map(Number);
    return { family: 4, value: parts.reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  }
  if (!isIPv6(bare)) return undefined;
  let groups = bare;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(groups);
  if (dotted) {
    const v4 = parseIp(dotted[1]!)!.value;
    groups = `${groups.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const all = [...headGroups, ...zeros, ...tailGroups];
  return { family: 6, value: all.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

/**
 * Parses `address/prefix`; returns undefined when it is not one, and throws a RangeError when it is one with a bad
 * prefix length or host bits set (`10.0.0.1/8`: the writer probably meant something else).
 */
export function parseIpRange(text: string): IpRange | undefined {
  const match = /^(.+)\/(\d{1,3})$/.exec(text);
  if (!match) return undefined;
  const address = parseIp(match[1]!);
  if (!address) return undefined;
  const prefix = Number(match[2]);
  const bits = BITS[address.family];
  if (prefix > bits) throw new RangeError(`prefix length ${prefix} is longer than ${bits} bits`);
  if ((address.value & hostMask(address.family, prefix)) !== 0n) {
    throw new RangeError(
      `has bits set after the first ${prefix} (the range starts at ${formatIp(rangeBase(address, prefix))})`,
    );
  }
  return { family: address.family, base: address.value, prefix };
}

/** The range `text/prefix` for a literal range in code; throws on a typo. */
export function ipRange(text: string): IpRange {
  const range = parseIpRange(text);
  if (!range) throw new RangeError(`not an IP range: ${text}`);
  return range;
}

export function rangeContains(range: IpRange, address: IpAddress): boolean {
  if (range.family !== address.family) return false;
  return (address.value & ~hostMask(range.family, range.prefix)) === range.base;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`); the address itself otherwise. */
export function unmapIpv4(address: IpAddress): IpAddress {
  if (address.family === 6 && address.value >> 32n === 0xffffn)
    return { family: 4, value: address.value & 0xffffffffn };
  return address;
}

/** Canonical text: dotted decimal, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
export function formatIp(address: IpAddress): string {
  if (address.family === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((address.value >> shift) & 0xffn)).join('.');
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((address.value >> BigInt(112 - i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not compressed
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function hostMask(family: 4 | 6, prefix: number): bigint {
  return (1n << BigInt(BITS[family] - prefix)) - 1n;
}

function rangeBase(address: IpAddress, prefix: number): IpAddress {
  return { family: address.family, value: address.value & ~hostMask(address.family, prefix) };
}
