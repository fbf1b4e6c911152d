import type { Instance } from './types';

/** Base class of every error the client throws on purpose; `code` is stable for programs to match on. */
export class JobnestClientError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The server answered with a non-2xx status.
 * `message` is the server's message (a list of validation messages is joined with "; ").
 */
export class JobnestApiError extends JobnestClientError {
  /** The server's messages, one per entry (a single message gives a one-item list). */
  readonly messages: readonly string[];

  constructor(
    /** HTTP status, e.g. 404. */
    readonly status: number,
    /** Short error name from the body, e.g. "Not Found". */
    readonly error: string,
    message: string | readonly string[],
    /** HTTP method of the request. */
    readonly method: string,
    /** Path of the request (with query string, without the base URL). */
    readonly path: string,
    /** The parsed JSON body, or the raw text when it is not JSON. */
    readonly body?: unknown,
  ) {
    const messages = typeof message === 'string' ? [message] : [...message];
    super(messages.join('; ') || error, 'API_ERROR');
    this.messages = messages;
  }
}

/** The request never got an HTTP answer: DNS failure, refused connection, reset, or per-request timeout. */
export class JobnestConnectionError extends JobnestClientError {
  constructor(
    /** HTTP method of the request. */
    readonly method: string,
    /** Full URL of the request. */
    readonly url: string,
    /** Whether the request was aborted by the client's `timeoutMs`. */
    readonly timedOut: boolean,
    detail: string,
    cause?: unknown,
  ) {
    super(`Cannot reach Jobnest server (${method} ${url}): ${detail}`, timedOut ? 'TIMEOUT' : 'CONNECTION_FAILED', {
      cause,
    });
  }
}

/** The server answered 2xx but the body is not the JSON the client expects. */
export class JobnestResponseError extends JobnestClientError {
  constructor(
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(`Unexpected response to ${method} ${path}: ${detail}`, 'RESPONSE_INVALID');
  }
}

/** {@link JobnestClient.waitForInstance} gave up before the instance reached a final status. */
export class WaitTimeoutError extends JobnestClientError {
  constructor(
    readonly instanceId: number,
    readonly timeoutMs: number,
    /** The last state seen, or `null` when no poll completed. */
    readonly lastInstance: Instance | null,
    /** `cause`: the last poll's error when the last poll failed. */
    options?: { cause?: unknown },
  ) {
    const last = lastInstance ? ` (last status ${lastInstance.status})` : '';
    const failed = options?.cause instanceof Error ? `; the last poll failed: ${options.cause.message}` : '';
    super(`Instance ${instanceId} did not finish within ${timeoutMs} ms${last}${failed}`, 'WAIT_TIMEOUT', options);
  }
}

/** {@link JobnestClient.waitForWorkflowInstance} ran out of time before the workflow instance finished. */
export class WorkflowWaitTimeoutError extends JobnestClientError {
  constructor(
    readonly workflowInstanceId: number,
    readonly timeoutMs: number,
    /** The last status seen, or `null` when no poll completed. */
    readonly lastStatus: string | null,
    options?: { cause?: unknown },
  ) {
    const last = lastStatus ? ` (last status ${lastStatus})` : '';
    const failed = options?.cause instanceof Error ? `; the last poll failed: ${options.cause.message}` : '';
    super(
      `Workflow instance ${workflowInstanceId} did not finish within ${timeoutMs} ms${last}${failed}`,
      'WAIT_TIMEOUT',
      options,
    );
  }
}
