/**
 * Internals of the worker, for Jobnest's own unit and integration tests. Not an API: anything here may change in any
 * release. Importing this file boots nothing (the process entry is dist/main.js).
 */
export * from './processors/http/address-policy';
export * from './processors/http/host-allow-list';
export * from './processors/http/ip-address';
export * from './processors/shell/shell-child-env';
export * from './processors/shell/shell-command-policy';
export * from './processors/text-tail';
export * from './worker-env';
