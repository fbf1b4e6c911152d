import { JobnestClientError } from '../errors';
import { JobnestClient } from '../jobnest-client';
import { type CommandFlagName, type ConnectionSettings, parseCliArgs } from './args';
import { COMMANDS, type CommandDef, commandSynopsis } from './commands';
import type { CliOutput } from './output';
import { usageText } from './usage';
import { UsageError } from './usage-error';

/** Runs the CLI for `argv` (without node and script) and resolves with the exit code; throws on failure. */
export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: CliOutput): Promise<number> {
  const parsed = parseCliArgs(argv, env);
  if (parsed.help || parsed.positionals[0] === 'help') {
    out.stdout(usageText());
    return 0;
  }
  const { def, args } = resolveCommand(parsed.positionals);
  checkFlags(def, parsed.givenFlags);
  const client = createClient(parsed.connection);
  if (def.auth) {
    const { app, password } = parsed.connection;
    if (app === undefined || password === undefined) {
      throw new UsageError(
        `'${def.words.join(' ')}' needs --app (or JOBNEST_APP) and --password (or JOBNEST_PASSWORD)`,
      );
    }
    await client.login(app, password);
  }
  return def.handler({ client, args, flags: parsed.flags, out });
}

function resolveCommand(positionals: readonly string[]): { def: CommandDef; args: string[] } {
  if (positionals.length === 0) throw new UsageError('missing command', true);
  const def = COMMANDS.find((c) => c.words.every((word, i) => positionals[i] === word));
  if (!def) {
    const group = positionals[0];
    const sub = COMMANDS.filter((c) => c.words.length > 1 && c.words[0] === group).map((c) => c.words[1]);
    if (sub.length === 0) throw new UsageError(`unknown command '${group}'`, true);
    const problem =
      positionals[1] === undefined ? `missing ${group} command` : `unknown ${group} command '${positionals[1]}'`;
    throw new UsageError(`${problem}; expected one of: ${[...new Set(sub)].join(', ')}`);
  }
  const args = positionals.slice(def.words.length);
  if (args.length < def.params.length) {
    throw new UsageError(`missing <${def.params[args.length]}>; usage: jobnest ${commandSynopsis(def)}`);
  }
  if (args.length > def.params.length) {
    throw new UsageError(`unexpected argument '${args[def.params.length]}'; usage: jobnest ${commandSynopsis(def)}`);
  }
  return { def, args };
}

function checkFlags(def: CommandDef, given: readonly CommandFlagName[]): void {
  const unsupported = given.find((flag) => !def.flags.includes(flag));
  if (unsupported) throw new UsageError(`'${def.words.join(' ')}' does not take --${unsupported}`);
}

function createClient(connection: ConnectionSettings): JobnestClient {
  try {
    return new JobnestClient({ baseUrl: connection.url, admin: connection.admin });
  } catch (err: unknown) {
    if (err instanceof JobnestClientError && err.code === 'CONFIG_INVALID') throw new UsageError(err.message);
    throw err;
  }
}
