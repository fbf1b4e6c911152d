import { JobnestError } from '@jobnest/common';

/** The `http` processor will not send a request to this URL (scheme, host name or address); nothing was sent. */
export class HttpTargetRefusedError extends JobnestError {
  constructor(message: string) {
    super(message, 'HTTP_TARGET_REFUSED');
  }
}
