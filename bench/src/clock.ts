/**
 * Time stamps that several processes on one machine can compare.
 *
 * - `wall`: Date.now(), the clock timer slots are defined on (BullMQ and Jobnest compute slots with it); 1 ms resolution.
 * - `mono`: process.hrtime (CLOCK_MONOTONIC in nanoseconds), shared by every process of a Linux machine, so an
 *   interval between two processes is measured to the microsecond and never jumps with NTP.
 */
export interface Stamp {
  wall: number;
  mono: bigint;
}

export function stamp(): Stamp {
  const mono = process.hrtime.bigint();
  return { wall: Date.now(), mono };
}

/** What a bench processor returns as its result: `<wall ms>:<mono ns>`, taken at its very first line. */
export function encodeStamp(s: Stamp): string {
  return `${s.wall}:${s.mono}`;
}

export function decodeStamp(text: string | null | undefined): Stamp | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^"?(\d+):(\d+)"?$/.exec(text.trim());
  if (!m) return undefined;
  return { wall: Number(m[1]), mono: BigInt(m[2]!) };
}

/** Milliseconds (fractional) from `a` to `b` on the monotonic clock. */
export function monoMs(a: bigint, b: bigint): number {
  return Number(b - a) / 1e6;
}
