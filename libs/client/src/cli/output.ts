import type { AlarmDelivery } from '../alarm-types';
import type { InstanceLogLine } from '../types';

/** Where the CLI writes; one call per line. */
export interface CliOutput {
  stdout(line: string): void;
  stderr(line: string): void;
}

/** Writes to the process's stdout and stderr. */
export const processOutput: CliOutput = {
  stdout: (line) => void process.stdout.write(`${line}\n`),
  stderr: (line) => void process.stderr.write(`${line}\n`),
};

/** Prints a value as indented JSON. */
export function printJson(out: CliOutput, value: unknown): void {
  out.stdout(JSON.stringify(value, null, 2));
}

/** `<ISO time> <LEVEL> [<workerId>] <message>` */
export function formatLogLine(line: InstanceLogLine): string {
  const time = Number.isFinite(line.time) ? new Date(line.time).toISOString() : String(line.time);
  return `${time} ${line.level} [${line.workerId || '-'}] ${line.message}`;
}

/** `<id> <ISO time> <STATUS> <EVENT_TYPE> attempts=<n> suppressed=<n> <title> | <answer, or ->`, on one line. */
export function formatAlarmDelivery(delivery: AlarmDelivery): string {
  const time = Number.isFinite(delivery.createdTime)
    ? new Date(delivery.createdTime).toISOString()
    : String(delivery.createdTime);
  const answer = delivery.answer === null || delivery.answer.trim() === '' ? '-' : oneLine(delivery.answer);
  return [
    String(delivery.id),
    time,
    delivery.status,
    delivery.eventType,
    `attempts=${delivery.attempts}`,
    `suppressed=${delivery.suppressedCount}`,
    `${oneLine(delivery.title)} | ${answer}`,
  ].join(' ');
}

/** `text` with each run of whitespace (line breaks too) as one space. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
