import { spawn } from 'node:child_process';
import { Inject } from '@nestjs/common';
import { JobProcessor, type BasicProcessor, type ProcessResult, type TaskContext } from '@jobnest/worker';
import { taskParams } from '../processor-params';
import { LineSplitter, TextTail } from '../text-tail';
import { shellChildEnv } from './shell-child-env';
import { shellCommandRefusal } from './shell-command-policy';
import { ShellCommandRefusedError } from './shell-command-refused.error';
import { SHELL_PROCESSOR_SETTINGS, type ShellProcessorSettings } from './shell-processor-settings';

const TAIL_CHARS = 4096;
/** After SIGTERM, a command that ignores it is killed this much later. */
const KILL_GRACE_MS = 2000;

/**
 * Runs the params (instance params, else job params) with `/bin/sh -c`. stdout lines are logged at info, stderr
 * lines at warn; the result is the last 4 KB of stdout. A non-zero exit fails with the exit code and the end of
 * stderr. An abort (stop, time limit, shutdown) kills the command's whole process group.
 *
 * Registered only when JOBNEST_ENABLE_SHELL is on. The command gets a minimal environment (shellChildEnv) and,
 * under JOBNEST_SHELL_ALLOWED_COMMANDS, must pass shellCommandRefusal before anything is started.
 */
@JobProcessor('shell')
export class ShellProcessor implements BasicProcessor {
  constructor(@Inject(SHELL_PROCESSOR_SETTINGS) private readonly settings: ShellProcessorSettings) {}

  async process(ctx: TaskContext): Promise<ProcessResult> {
    const command = taskParams(ctx)?.trim();
    if (!command) throw new Error('shell needs a command: give it as the instance params or the job params');
    const refusal = shellCommandRefusal(command, this.settings.allowedCommands);
    if (refusal !== undefined) throw new ShellCommandRefusedError(refusal);
    ctx.signal.throwIfAborted();

    const env = shellChildEnv(process.env, this.settings.envPassthrough, ctx);
    // detached: the command gets its own process group, so a kill reaches what it started too.
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const stdout = new TextTail(TAIL_CHARS);
    const stderr = new TextTail(TAIL_CHARS);
    const outLines = new LineSplitter((line) => ctx.logger.info(line));
    const errLines = new LineSplitter((line) => ctx.logger.warn(line));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout.append(chunk), outLines.push(chunk)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr.append(chunk), errLines.push(chunk)));

    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let exit: { code: number | null; signal: NodeJS.Signals | null };
    try {
      exit = await new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve({ code, signal }));
      });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      outLines.end();
      errLines.end();
    }

    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (exit.code === 0) return { success: true, result: stdout.toString().replace(/\n+$/, '') };
    const how = exit.code !== null ? `exit code ${exit.code}` : `killed by ${exit.signal ?? 'a signal'}`;
    const errTail = stderr.toString().trim();
    return { success: false, result: errTail ? `${how}: ${errTail}` : how };
  }
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
