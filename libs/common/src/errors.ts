/** Base class of every error Jobnest throws on purpose; `code` is stable for programs to match on. */
export class JobnestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A setting (environment variable or module option) is missing or malformed. */
export class ConfigError extends JobnestError {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${setting} ${problem}`, 'CONFIG_INVALID');
  }
}

/** A time expression (cron, rate, interval...) cannot be used. */
export class TimeExpressionError extends JobnestError {
  constructor(message: string) {
    super(message, 'TIME_EXPRESSION_INVALID');
  }
}

/** A message read from Redis is not a valid Jobnest message. */
export class MessageDecodeError extends JobnestError {
  constructor(message: string) {
    super(message, 'MESSAGE_INVALID');
  }
}
