import { DEFAULT_BASE_URL, DEFAULT_WAIT_TIMEOUT_MS } from '../jobnest-client';
import { COMMANDS, commandSynopsis } from './commands';

const SYNOPSIS_WIDTH = 36;
/** Longest line of a command's synopsis; a longer one goes on, indented, on the next lines. */
const LINE_WIDTH = 118;

/** The text `jobnest --help` prints. */
export function usageText(): string {
  const commandLines = COMMANDS.map((def) => {
    const synopsis = commandSynopsis(def);
    return synopsis.length < SYNOPSIS_WIDTH
      ? `  ${synopsis.padEnd(SYNOPSIS_WIDTH)}${def.summary}`
      : `${wrapSynopsis(synopsis).join('\n')}\n  ${''.padEnd(SYNOPSIS_WIDTH)}${def.summary}`;
  });
  return [
    'Usage: jobnest <command> [options]',
    '',
    'Commands:',
    ...commandLines,
    '',
    'Global options:',
    `  --url <url>          Server URL (env JOBNEST_URL; default ${DEFAULT_BASE_URL})`,
    '  --app <name>         App to log in as (env JOBNEST_APP)',
    '  --password <pw>      App password (env JOBNEST_PASSWORD)',
    '  -h, --help           Show this help',
    '',
    "Every command except 'apps ...' and 'health' logs in with the app's credentials first. 'apps' commands",
    'send the server admin credentials from JOBNEST_ADMIN_USER (default admin) and JOBNEST_ADMIN_PASSWORD.',
    'get/list commands print JSON. run --wait and workflows run --wait print the final status and result;',
    `their --timeout defaults to ${DEFAULT_WAIT_TIMEOUT_MS} ms plus --delay. workflows run --params is the initial`,
    'workflow context, a JSON object. logs --follow polls until the instance is final.',
    '',
    'Alarms: alarm-channel add --webhook-url is the webhook or robot URL (not for EMAIL); --secret signs WEBHOOK',
    '(required, 16+ characters), DINGTALK and FEISHU requests; no command prints it; --secret-file reads it from a',
    'file (- = stdin) instead, out of the shell history. --recipient and --channel may',
    'be repeated or take a comma list. alarm-rule set on a scope and target that has a rule replaces all its',
    "settings: one not given takes the server's default (enabled or disabled stays); --events may name any event",
    'but RECOVERED, which --recovery asks for. alarm-history prints one delivery per line:',
    '<id> <time> <status> <event type> attempts=N suppressed=N <title> | <answer>.',
    '',
    'Exit status: 0 success, 1 error (or [workflows] run --wait not SUCCEEDED, health not ok), 2 usage error.',
  ].join('\n');
}

/** `  <synopsis>` in lines of at most LINE_WIDTH, broken between options only; the lines after the first indented. */
function wrapSynopsis(synopsis: string): string[] {
  const lines: string[] = [];
  let line = ' ';
  for (const token of synopsisTokens(synopsis)) {
    if (line.trim() !== '' && line.length + 1 + token.length > LINE_WIDTH) {
      lines.push(line);
      line = '     ';
    }
    line += ` ${token}`;
  }
  lines.push(line);
  return lines;
}

/** The words of a synopsis, a bracketed group (`[--page N]`) or an option with its value (`--name N`) as one. */
function synopsisTokens(synopsis: string): string[] {
  const tokens: string[] = [];
  let depth = 0;
  for (const word of synopsis.split(' ')) {
    const last = tokens.at(-1);
    if (last !== undefined && (depth > 0 || (last.startsWith('--') && !/^[-[(<]/.test(word)))) {
      tokens[tokens.length - 1] = `${last} ${word}`;
    } else {
      tokens.push(word);
    }
    depth += (word.match(/[[(]/g)?.length ?? 0) - (word.match(/[\])]/g)?.length ?? 0);
  }
  return tokens;
}
