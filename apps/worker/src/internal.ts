/**
 * Internals of the worker, for Jobnest's own unit and integration tests. Not an API: anything here may change in any
 * release. Importing this file boots nothing (the process entry is dist/main.js).
 */
// The http processor's address policy and allow-list moved to @jobnest/http-guard; the names stay available here.
export {
  METADATA_HOST_NAMES,
  classifyAddress,
  formatIp,
  HostAllowList,
  ipRange,
  isMetadataHostName,
  normalizeHostName,
  parseIp,
  parseIpRange,
  rangeContains,
  unmapIpv4,
  type AddressCategory,
  type IpAddress,
  type IpRange,
} from '@jobnest/http-guard';
export * from './processors/shell/shell-child-env';
export * from './processors/shell/shell-command-policy';
export * from './processors/text-tail';
export * from './worker-env';
