#!/usr/bin/env node
/** Entry point of the `jobnest` command line; see `jobnest --help`. */
import { runCli } from './cli/dispatch';
import { processOutput } from './cli/output';
import { reportError } from './cli/report-error';
import { usageText } from './cli/usage';
import { UsageError } from './cli/usage-error';

// `jobnest ... | head` closes the pipe early: stop quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

async function main(): Promise<void> {
  try {
    process.exitCode = await runCli(process.argv.slice(2), process.env, processOutput);
  } catch (err: unknown) {
    if (err instanceof UsageError && err.showUsage) processOutput.stderr(`${usageText()}\n`);
    process.exitCode = reportError(err, processOutput, Boolean(process.env.JOBNEST_DEBUG));
  }
}

void main();
