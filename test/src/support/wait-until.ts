import type { JobnestClient } from '@jobnest/client';

/**
 * Reads a value until `done` accepts it and returns that value; after `timeoutMs` it throws, naming `what` and the
 * last value read (so a failure shows how far things got).
 */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Checks `holds` again and again for `durationMs` and throws as soon as it fails: for promises of the kind
 * "nothing changes any more" (a late report is dropped, a disabled timer stays quiet).
 */
export async function keepsHolding(
  holds: () => Promise<boolean>,
  durationMs: number,
  what: string,
  intervalMs = 200,
): Promise<void> {
  const end = Date.now() + durationMs;
  while (Date.now() < end) {
    if (!(await holds())) throw new Error(`${what} stopped holding`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface LogEntry {
  message: string;
  workerId: string;
}

/** Every log line of an instance the server stored so far, in its order. */
export async function allLogEntries(client: JobnestClient, instanceId: number): Promise<LogEntry[]> {
  const lines: LogEntry[] = [];
  let after: number | undefined;
  for (;;) {
    const page = await client.getInstanceLogs(instanceId, { after, limit: 5000 });
    if (page.items.length === 0) return lines;
    lines.push(...page.items.map((l) => ({ message: l.message, workerId: l.workerId })));
    after = page.nextAfter ?? undefined;
  }
}

/** Waits until the instance's log has a line matching `pattern` and returns every line read then. */
export async function waitForLogLine(
  client: JobnestClient,
  instanceId: number,
  pattern: RegExp,
  timeoutMs: number,
): Promise<LogEntry[]> {
  return pollUntil(
    () => allLogEntries(client, instanceId),
    (lines) => lines.some((l) => pattern.test(l.message)),
    timeoutMs,
    `a log line of instance ${instanceId} matching ${pattern}`,
    200,
  );
}
