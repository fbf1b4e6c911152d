import { ConfigError, errorMessage } from '@jobnest/common';
import { normalizeHostName } from './address-policy';
import { parseIp, parseIpRange, rangeContains, unmapIpv4, type IpAddress, type IpRange } from './ip-address';

// RFC 1123 labels; underscores too, which internal DNS names often carry.
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Destinations a guarded request (see vetTarget) may reach although their address is not public: host names
 * (matched on the URL's host name, whatever it resolves to), IP addresses and CIDR ranges (matched on the resolved
 * address). The worker's `http` processor reads it from JOBNEST_HTTP_ALLOWED_HOSTS.
 */
export class HostAllowList {
  private constructor(
    private readonly hostNames: ReadonlySet<string>,
    private readonly ranges: readonly IpRange[],
  ) {}

  static readonly EMPTY = new HostAllowList(new Set(), []);

  /** Parses the entries of `setting`; throws a ConfigError naming the setting and the bad entry. */
  static parse(setting: string, entries: readonly string[]): HostAllowList {
    const hostNames = new Set<string>();
    const ranges: IpRange[] = [];
    for (const entry of entries) {
      let range: IpRange | undefined;
      try {
        range = parseIpRange(entry);
      } catch (err) {
        throw new ConfigError(setting, `entry '${entry}' ${errorMessage(err)}`);
      }
      const address = range ? undefined : parseIp(entry);
      if (range) {
        ranges.push(range.family === 6 && range.prefix >= 96 ? unmapRange(range) : range);
      } else if (address) {
        const plain = unmapIpv4(address);
        ranges.push({ family: plain.family, base: plain.value, prefix: plain.family === 4 ? 32 : 128 });
      } else if (HOST_NAME.test(normalizeHostName(entry))) {
        hostNames.add(normalizeHostName(entry));
      } else {
        throw new ConfigError(
          setting,
          `entry '${entry}' is neither a host name, an IP address nor a CIDR range like 10.0.0.0/8`,
        );
      }
    }
    return new HostAllowList(hostNames, ranges);
  }

  get isEmpty(): boolean {
    return this.hostNames.size === 0 && this.ranges.length === 0;
  }

  allowsHostName(name: string): boolean {
    return this.hostNames.has(normalizeHostName(name));
  }

  /** IPv4-mapped IPv6 addresses match the IPv4 entries. */
  allowsAddress(address: IpAddress): boolean {
    const plain = unmapIpv4(address);
    return this.ranges.some((range) => rangeContains(range, plain));
  }
}

/** `::ffff:10.0.0.0/104` is written as IPv6 but means `10.0.0.0/8`. */
function unmapRange(range: IpRange): IpRange {
  if (range.base >> 32n !== 0xffffn) return range;
  return { family: 4, base: range.base & 0xffffffffn, prefix: range.prefix - 96 };
}
