import { DEFAULT_BASE_URL, DEFAULT_WAIT_TIMEOUT_MS } from '../jobnest-client';
import { COMMANDS, commandSynopsis } from './commands';

const SYNOPSIS_WIDTH = 36;

/** The text `jobnest --help` prints. */
export function usageText(): string {
  const commandLines = COMMANDS.map((def) => {
    const synopsis = commandSynopsis(def);
    return synopsis.length < SYNOPSIS_WIDTH
      ? `  ${synopsis.padEnd(SYNOPSIS_WIDTH)}${def.summary}`
      : `  ${synopsis}\n  ${''.padEnd(SYNOPSIS_WIDTH)}${def.summary}`;
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
    'Exit status: 0 success, 1 error (or [workflows] run --wait not SUCCEEDED, health not ok), 2 usage error.',
  ].join('\n');
}
