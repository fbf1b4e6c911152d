/** Settings of the `shell` processor, read from the worker's environment at boot. */
export interface ShellProcessorSettings {
  /** First words a command may start with (JOBNEST_SHELL_ALLOWED_COMMANDS); undefined: any command. */
  allowedCommands: readonly string[] | undefined;
  /** Extra variables of the worker's environment the command sees (JOBNEST_SHELL_ENV_PASSTHROUGH). */
  envPassthrough: readonly string[];
}

/** Injection token of {@link ShellProcessorSettings}. */
export const SHELL_PROCESSOR_SETTINGS = Symbol('ShellProcessorSettings');
