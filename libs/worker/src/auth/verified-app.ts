/** The worker's app, as its credential check at boot found it. */
export interface VerifiedApp {
  appId: number;
  /** Parts of the app's status and log streams (app_info.stream_parts); the worker writes to one of them. */
  streamParts: number;
}
