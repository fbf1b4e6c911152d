import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { errorMessage } from '@jobnest/common';
import { classifyAddress, isMetadataHostName, normalizeHostName } from './address-policy';
import type { HostAllowList } from './host-allow-list';
import { HttpTargetRefusedError } from './http-target-refused.error';
import { formatIp, parseIp, type IpAddress } from './ip-address';

/** A URL whose address was checked: the request must connect to `address` and nowhere else. */
export interface VettedTarget {
  url: URL;
  /** The URL's host without IPv6 brackets: the Host header and the TLS server name. */
  hostName: string;
  address: string;
  family: 4 | 6;
}

/** Every address of a host name, as the system resolver gives them (so /etc/hosts counts). */
export type HostResolver = (hostName: string) => Promise<LookupAddress[]>;

const resolveAll: HostResolver = (hostName) => lookup(hostName, { all: true, verbatim: true });

const ALLOW_HINT = 'list it in JOBNEST_HTTP_ALLOWED_HOSTS to allow it';

/**
 * Checks where a URL leads before anything is sent: only http(s), no cloud metadata host name, and every address
 * the name resolves to must be public unless the allow-list names the host, the address or its range. Resolving
 * once and connecting to the vetted address (see PinnedRequest) leaves no window for DNS rebinding.
 */
export async function vetTarget(
  url: URL,
  allowList: HostAllowList,
  resolve: HostResolver = resolveAll,
): Promise<VettedTarget> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpTargetRefusedError(`http: refused ${url.href}: only http: and https: URLs are allowed`);
  }
  const hostName = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const nameAllowed = allowList.allowsHostName(hostName);
  if (isMetadataHostName(hostName) && !nameAllowed) {
    throw new HttpTargetRefusedError(
      `http: refused host '${normalizeHostName(hostName)}': it is a cloud metadata service; ${ALLOW_HINT}`,
    );
  }
  const literal = parseIp(hostName);
  const addresses = literal ? [literal] : await resolveHost(hostName, resolve);
  if (!nameAllowed) {
    for (const address of addresses) {
      const category = classifyAddress(address);
      if (category !== 'public' && !allowList.allowsAddress(address)) {
        throw new HttpTargetRefusedError(
          `http: refused address ${formatIp(address)} of host '${hostName}': it is ${category}; ${ALLOW_HINT}`,
        );
      }
    }
  }
  const pinned = addresses[0]!;
  return { url, hostName, address: formatIp(pinned), family: pinned.family };
}

async function resolveHost(hostName: string, resolve: HostResolver): Promise<IpAddress[]> {
  let found: LookupAddress[];
  try {
    found = await resolve(hostName);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new Error(`http: cannot resolve host '${hostName}' (${code})`, { cause: err });
  }
  const addresses = found.map((entry) => parseIp(entry.address)).filter((a): a is IpAddress => a !== undefined);
  if (addresses.length === 0) throw new Error(`http: host '${hostName}' has no address`);
  return addresses;
}
