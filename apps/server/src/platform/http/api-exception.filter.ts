import { STATUS_CODES } from 'node:http';
import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** Every error answer of the API: `message` is a list when validation found several problems. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** The parts of an "http-errors" error (body-parser, Express) this filter reads. */
interface HttpErrorLike {
  status: number;
  message: string;
  expose?: boolean;
  type?: string;
  limit?: number;
}

const INTERNAL_ERROR: ApiErrorBody = {
  statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
  error: 'Internal Server Error',
  message: 'internal error',
};

/**
 * Gives every error answer the shape `{statusCode, error, message}` the README promises: Nest's own filter leaves
 * `error` out of 413 and 500 answers. Body-parser errors get a message naming the body; anything unknown is a 500
 * with a fixed message (the stack stays in the log, written once here).
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const { httpAdapter } = this.adapterHost;
    const response: unknown = host.switchToHttp().getResponse();
    const body = this.toBody(exception);
    if (httpAdapter.isHeadersSent(response)) {
      httpAdapter.end(response);
      return;
    }
    httpAdapter.reply(response, body, body.statusCode);
  }

  private toBody(exception: unknown): ApiErrorBody {
    if (exception instanceof HttpException) {
      const parserError = asHttpError(exception.cause);
      if (parserError?.type !== undefined) return fromHttpError(parserError);
      const body = fromHttpException(exception);
      if (body.statusCode >= 500) this.logger.error(stackOf(exception));
      return body;
    }
    const httpError = asHttpError(exception);
    if (httpError && httpError.status < 500) return fromHttpError(httpError);
    this.logger.error(stackOf(exception));
    return INTERNAL_ERROR;
  }
}

function fromHttpException(exception: HttpException): ApiErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const error = STATUS_CODES[statusCode] ?? 'Error';
  if (typeof response === 'string') return { statusCode, error, message: response };
  // Keep the fields of an object answer (validation lists its problems in `message`), filling in the missing ones.
  const fields = response as Partial<ApiErrorBody> & Record<string, unknown>;
  return {
    ...fields,
    statusCode,
    error: typeof fields.error === 'string' ? fields.error : error,
    message: fields.message ?? error,
  };
}

/** Body-parser's errors, with messages that name the body. */
function fromHttpError(err: HttpErrorLike): ApiErrorBody {
  const statusCode = err.status >= 400 && err.status < 600 ? err.status : HttpStatus.BAD_REQUEST;
  const error = STATUS_CODES[statusCode] ?? 'Error';
  switch (err.type) {
    case 'entity.too.large':
      return { statusCode, error, message: `body is larger than the limit of ${err.limit ?? '?'} bytes` };
    case 'entity.parse.failed':
      return { statusCode, error, message: `body is not valid JSON: ${err.message}` };
    default:
      return { statusCode, error, message: err.expose === false ? error : err.message };
  }
}

/** An "http-errors" error (what body-parser and Express throw): a numeric `status` and a boolean `expose`. */
function asHttpError(value: unknown): HttpErrorLike | undefined {
  if (!(value instanceof Error)) return undefined;
  const candidate = value as Error & Partial<HttpErrorLike>;
  return typeof candidate.status === 'number' && typeof candidate.expose === 'boolean'
    ? (candidate as Error & HttpErrorLike)
    : undefined;
}

function stackOf(exception: unknown): string {
  return exception instanceof Error ? (exception.stack ?? exception.message) : `non-error thrown: ${String(exception)}`;
}
