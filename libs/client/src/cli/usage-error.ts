/** The command line is wrong; the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** Print the full usage after the message. */
    readonly showUsage = false,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}
