import { JobnestError } from '@jobnest/common';

/** Two classes claim the same processor name: the worker could not tell which one a job means. */
export class DuplicateProcessorError extends JobnestError {
  constructor(
    readonly processorName: string,
    readonly classNames: [string, string],
  ) {
    super(
      `processor name '${processorName}' is used by two classes: ${classNames[0]} and ${classNames[1]}; ` +
        'give each @JobProcessor a unique name',
      'DUPLICATE_PROCESSOR',
    );
  }
}

/** A class is decorated with @JobProcessor but cannot run (no process() method, bad name...). */
export class InvalidProcessorError extends JobnestError {
  constructor(
    readonly className: string,
    problem: string,
  ) {
    super(`@JobProcessor class ${className} ${problem}`, 'INVALID_PROCESSOR');
  }
}

/** The app name or password given to the worker does not match an app registered on the server. */
export class InvalidCredentialsError extends JobnestError {
  constructor(readonly appName: string) {
    super(`app '${appName}' does not exist or the password is wrong`, 'INVALID_CREDENTIALS');
  }
}

/** The MySQL database answers but has no Jobnest schema yet (the server creates it at its first start). */
export class DatabaseNotReadyError extends JobnestError {
  constructor(detail: string) {
    super(
      `the Jobnest database is not ready (${detail}): start the Jobnest server first, it creates the schema`,
      'DATABASE_NOT_READY',
    );
  }
}

/** MySQL or Redis could not be reached (or refused the connection) at boot. */
export class ServiceUnreachableError extends JobnestError {
  constructor(service: 'MySQL' | 'Redis' | 'Jobnest server', url: string, detail: string) {
    super(`cannot connect to ${service} at ${url}: ${detail}`, 'SERVICE_UNREACHABLE');
  }
}
