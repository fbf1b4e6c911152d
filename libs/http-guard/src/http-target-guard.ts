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

/** How the messages of vetTarget and GuardedHttpClient name their caller; each field has the worker's default. */
export interface HttpGuardOptions {
  /**
   * The setting the allow-list was read from, named in a refusal's hint (`list it in <setting> to allow it`).
   * Default: `JOBNEST_HTTP_ALLOWED_HOSTS` (the worker's `http` processor).
   */
  allowListSetting?: string;
  /** The prefix of every message (`<label>: refused ...`). Default: `http`. */
  label?: string;
}

/** The defaults of {@link HttpGuardOptions}: the wording of the worker's `http` processor. */
export const DEFAULT_HTTP_GUARD_OPTIONS: Readonly<Required<HttpGuardOptions>> = Object.freeze({
  allowListSetting: 'JOBNEST_HTTP_ALLOWED_HOSTS',
  label: 'http',
});

export interface VetTargetOptions extends HttpGuardOptions {
  /** Resolves the host name; default: the system resolver (see {@link HostResolver}). */
  resolve?: HostResolver;
}

/**
 * Checks where a URL leads before anything is sent: only http(s), no cloud metadata host name, and every address
 * the name resolves to must be public unless the allow-list names the host, the address or its range. Resolving
 * once and connecting to the vetted address (see GuardedHttpClient) leaves no window for DNS rebinding.
 *
 * Throws an HttpTargetRefusedError when the URL is refused (its message starts with `options.label` and names
 * `options.allowListSetting`), and an Error when the host name does not resolve.
 */
export async function vetTarget(
  url: URL,
  allowList: HostAllowList,
  options: VetTargetOptions = {},
): Promise<VettedTarget> {
  const label = options.label ?? DEFAULT_HTTP_GUARD_OPTIONS.label;
  const allowListSetting = options.allowListSetting ?? DEFAULT_HTTP_GUARD_OPTIONS.allowListSetting;
  const allowHint = `list it in ${allowListSetting} to allow it`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpTargetRefusedError(`${label}: refused ${url.href}: only http: and https: URLs are allowed`);
  }
  const hostName = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const nameAllowed = allowList.allowsHostName(hostName);
  if (isMetadataHostName(hostName) && !nameAllowed) {
    throw new HttpTargetRefusedError(
      `${label}: refused host '${normalizeHostName(hostName)}': it is a cloud metadata service; ${allowHint}`,
    );
  }
  const literal = parseIp(hostName);
  const addresses = literal ? [literal] : await resolveHost(hostName, options.resolve ?? resolveAll, label);
  if (!nameAllowed) {
    for (const address of addresses) {
      const category = classifyAddress(address);
      if (category !== 'public' && !allowList.allowsAddress(address)) {
        throw new HttpTargetRefusedError(
          `${label}: refused address ${formatIp(address)} of host '${hostName}': it is ${category}; ${allowHint}`,
        );
      }
    }
  }
  const pinned = addresses[0]!;
  return { url, hostName, address: formatIp(pinned), family: pinned.family };
}

async function resolveHost(hostName: string, resolve: HostResolver, label: string): Promise<IpAddress[]> {
  let found: LookupAddress[];
  try {
    found = await resolve(hostName);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
    throw new Error(`${label}: cannot resolve host '${hostName}' (${code})`, { cause: err });
  }
  const addresses = found.map((entry) => parseIp(entry.address)).filter((a): a is IpAddress => a !== undefined);
  if (addresses.length === 0) throw new Error(`${label}: host '${hostName}' has no address`);
  return addresses;
}
