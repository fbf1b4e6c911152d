/** An error answer of the API (`{statusCode, message, error}`), or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  /** The API's `message`, always as a list. */
  readonly messages: string[];

  constructor(status: number, messages: string[], error?: string) {
    super(messages.join('; ') || error || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.messages = messages.length > 0 ? messages : [error ?? `HTTP ${status}`];
  }
}

interface ErrorBody {
  statusCode?: unknown;
  message?: unknown;
  error?: unknown;
}

/** Builds an ApiError from a response body that may or may not be the API's JSON error shape. */
export function apiErrorFromBody(status: number, body: unknown, fallback: string): ApiError {
  if (typeof body === 'object' && body !== null) {
    const { message, error } = body as ErrorBody;
    const messages = Array.isArray(message)
      ? message.filter((m): m is string => typeof m === 'string')
      : typeof message === 'string'
        ? [message]
        : [];
    return new ApiError(status, messages, typeof error === 'string' ? error : fallback);
  }
  return new ApiError(status, typeof body === 'string' && body !== '' ? [body] : [], fallback);
}

/** The messages to show for any thrown value. */
export function errorMessages(err: unknown): string[] {
  if (err instanceof ApiError) return err.messages;
  if (Array.isArray(err)) return err.map(String);
  if (err instanceof Error) return [err.message];
  return [String(err)];
}
