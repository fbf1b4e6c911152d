import { JobnestError } from '@jobnest/common';

/** The command breaks JOBNEST_SHELL_ALLOWED_COMMANDS; it was not started. */
export class ShellCommandRefusedError extends JobnestError {
  constructor(reason: string) {
    super(`shell: refused the command: ${reason}`, 'SHELL_COMMAND_REFUSED');
  }
}
