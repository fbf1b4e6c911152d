import { ConfigError } from '@jobnest/common';

/**
 * What lets one shell command line run a second command, read or write files by redirection, or substitute
 * output: `;` `&` `|` backtick `$(` `>` `<` and line breaks. Under an allow-list none of them may appear anywhere
 * in the command, quoted or not (quoting is not interpreted here, so the rule cannot be fooled by it).
 */
const CHAINING = /[;&|`<>\n\r]|\$\(/;

/**
 * Why the command may not run under the allow-list, or undefined when it may. The rule: with no allow-list any
 * command runs; with one, the command (trimmed) must start with a word exactly equal to an entry, followed by
 * whitespace or the end, and contain none of the characters of CHAINING.
 */
export function shellCommandRefusal(
  command: string,
  allowedCommands: readonly string[] | undefined,
): string | undefined {
  if (allowedCommands === undefined) return undefined;
  const trimmed = command.trim();
  const firstWord = trimmed.split(/\s/, 1)[0] ?? '';
  if (!allowedCommands.includes(firstWord)) {
    return `'${firstWord}' is not one of JOBNEST_SHELL_ALLOWED_COMMANDS (${allowedCommands.join(', ')})`;
  }
  const chaining = CHAINING.exec(trimmed);
  if (chaining) {
    return `it contains ${JSON.stringify(chaining[0])}; under JOBNEST_SHELL_ALLOWED_COMMANDS a command may not contain ; & | \` $( > < or a line break`;
  }
  return undefined;
}

/** Checks the entries of the allow-list setting: plain command words, at least one. */
export function parseAllowedCommands(setting: string, entries: readonly string[]): string[] {
  if (entries.length === 0) throw new ConfigError(setting, 'lists no command (leave it unset to allow any command)');
  for (const entry of entries) {
    if (/\s/.test(entry) || CHAINING.test(entry)) {
      throw new ConfigError(setting, `entry '${entry}' must be a single command word (no spaces or ; & | \` $( > <)`);
    }
  }
  return [...entries];
}
