import { parseArgs } from 'node:util';
import { DEFAULT_BASE_URL } from '../jobnest-client';
import { UsageError } from './usage-error';

/** Every option the CLI knows; command-specific ones are checked against the command afterwards. */
const OPTIONS = {
  url: { type: 'string' },
  app: { type: 'string' },
  password: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  file: { type: 'string' },
  params: { type: 'string' },
  count: { type: 'string' },
  delay: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  follow: { type: 'boolean' },
  page: { type: 'string' },
  size: { type: 'string' },
  job: { type: 'string' },
  workflow: { type: 'string' },
  status: { type: 'string' },
  name: { type: 'string' },
  type: { type: 'string' },
  // Not --url: that names the server.
  'webhook-url': { type: 'string' },
  secret: { type: 'string' },
  'secret-file': { type: 'string' },
  recipient: { type: 'string', multiple: true },
  scope: { type: 'string' },
  target: { type: 'string' },
  channel: { type: 'string', multiple: true },
  events: { type: 'string' },
  threshold: { type: 'string' },
  'window-ms': { type: 'string' },
  'silence-ms': { type: 'string' },
  recovery: { type: 'boolean' },
  'workflow-nodes': { type: 'boolean' },
  'event-type': { type: 'string' },
  rule: { type: 'string' },
  'idempotency-key': { type: 'string' },
  'idempotency-ttl': { type: 'string' },
  'concurrency-key': { type: 'string' },
  priority: { type: 'string' },
} as const;

type OptionName = keyof typeof OPTIONS;
type GlobalOptionName = 'url' | 'app' | 'password' | 'help';

/** An option that only some commands accept. */
export type CommandFlagName = Exclude<OptionName, GlobalOptionName>;

/** Values of the command-specific options, as given. */
export interface CommandFlags {
  file?: string;
  params?: string;
  count?: string;
  delay?: string;
  wait?: boolean;
  timeout?: string;
  follow?: boolean;
  page?: string;
  size?: string;
  job?: string;
  workflow?: string;
  status?: string;
  name?: string;
  type?: string;
  'webhook-url'?: string;
  /** Write-only: never printed, not even in an error. */
  secret?: string;
  /** A file holding the secret (`-`: stdin), which keeps it out of the shell's history and `ps`. */
  'secret-file'?: string;
  /** Each occurrence as given (each may be a comma list). */
  recipient?: string[];
  scope?: string;
  target?: string;
  /** Each occurrence as given (each may be a comma list). */
  channel?: string[];
  events?: string;
  threshold?: string;
  'window-ms'?: string;
  'silence-ms'?: string;
  recovery?: boolean;
  'workflow-nodes'?: boolean;
  'event-type'?: string;
  rule?: string;
  'idempotency-key'?: string;
  /** Milliseconds. */
  'idempotency-ttl'?: string;
  'concurrency-key'?: string;
  /** A whole number, may be negative. */
  priority?: string;
}

/** Where and as whom to connect. */
export interface ConnectionSettings {
  /** --url, else JOBNEST_URL (Default: 'http://127.0.0.1:7700'). */
  url: string;
  /** --app, else JOBNEST_APP. */
  app: string | undefined;
  /** --password, else JOBNEST_PASSWORD. */
  password: string | undefined;
  /**
   * The server admin, for `apps create` and `apps reset-password`: JOBNEST_ADMIN_USER (Default: 'admin') and
   * JOBNEST_ADMIN_PASSWORD, from the environment only (a command line is visible to every user of the machine).
   */
  admin: { username: string; password: string } | undefined;
}

/** The command line, parsed but not yet matched to a command. */
export interface ParsedArgs {
  help: boolean;
  /** Command words and their arguments, e.g. ["jobs", "get", "3"]. */
  positionals: string[];
  flags: CommandFlags;
  /** Names of the command-specific options that were given. */
  givenFlags: CommandFlagName[];
  connection: ConnectionSettings;
}

/** Parses `argv` (without node and script) and reads the JOBNEST_* variables from `env`. */
export function parseCliArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err: unknown) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { url, app, password, help, ...flags } = parsed.values;
  const givenFlags = (Object.keys(flags) as CommandFlagName[]).filter((name) => flags[name] !== undefined);
  return {
    help: help === true,
    positionals: parsed.positionals,
    flags,
    givenFlags,
    connection: {
      url: url ?? nonEmpty(env.JOBNEST_URL) ?? DEFAULT_BASE_URL,
      app: app ?? nonEmpty(env.JOBNEST_APP),
      password: password ?? nonEmpty(env.JOBNEST_PASSWORD),
      admin: adminFromEnv(env),
    },
  };
}

function adminFromEnv(env: NodeJS.ProcessEnv): ConnectionSettings['admin'] {
  const password = nonEmpty(env.JOBNEST_ADMIN_PASSWORD);
  return password === undefined ? undefined : { username: nonEmpty(env.JOBNEST_ADMIN_USER) ?? 'admin', password };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
