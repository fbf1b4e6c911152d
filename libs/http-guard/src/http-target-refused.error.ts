import { JobnestError } from '@jobnest/common';

/** A guarded request (see vetTarget) will not go to this URL (scheme, host name or address); nothing was sent. */
export class HttpTargetRefusedError extends JobnestError {
  constructor(message: string) {
    super(message, 'HTTP_TARGET_REFUSED');
  }
}
