import type { HostAllowList } from '@jobnest/http-guard';

/** Settings of the `http` processor, read from the worker's environment at boot. */
export interface HttpProcessorSettings {
  /** Non-public destinations it may reach anyway (JOBNEST_HTTP_ALLOWED_HOSTS). */
  allowedHosts: HostAllowList;
}

/** Injection token of {@link HttpProcessorSettings}. */
export const HTTP_PROCESSOR_SETTINGS = Symbol('HttpProcessorSettings');
