import type { RedisClient } from './redis-connection';

/** Entries claimed from one dead consumer on one stream. */
export interface DeadConsumerClaim {
  stream: string;
  consumer: string;
  claimed: number;
}

/** Pending entries moved per XPENDING + XCLAIM round. */
const CLAIM_PAGE = 100;

/** XPENDING's summary form: count, smallest and greatest id, and [consumer, count] pairs (null when none pend). */
type PendingSummary = [number, string | null, string | null, [string, string][] | null];

/** XPENDING's extended form: [id, consumer, idle ms, deliveries] per entry. */
type PendingEntry = [string, string, number, number];

/**
 * Moves to `self` the entries that consumers known to be dead left pending on `streams` (all in one slot: one
 * pipelined XPENDING per pass when nobody else holds entries, the usual case). `deadAmong` answers which of the other
 * consumers holding entries are dead; only those are claimed, whatever their entries' idle time.
 *
 * `minIdleMs` keeps two live consumers from taking the same entries from each other: an entry one of them has just
 * claimed is idle for less than that, so the other's XCLAIM leaves it. An entry the dead consumer read less than
 * `minIdleMs` before it died is claimed on a later pass.
 */
export async function claimFromDeadConsumers(
  redis: RedisClient,
  streams: readonly string[],
  group: string,
  self: string,
  deadAmong: (consumers: readonly string[]) => Promise<ReadonlySet<string>>,
  minIdleMs: number,
): Promise<DeadConsumerClaim[]> {
  const pipeline = redis.pipeline();
  for (const stream of streams) pipeline.xpending(stream, group);
  const replies = (await pipeline.exec()) ?? [];
  const holders = new Map<string, string[]>(); // consumer -> streams where it holds entries
  replies.forEach(([err, reply], i) => {
    if (err) return; // a stream deleted meanwhile (NOGROUP) or any other failure: the read that follows reports it
    for (const [consumer, count] of (reply as PendingSummary)[3] ?? []) {
      if (consumer === self || Number(count) === 0) continue;
      let held = holders.get(consumer);
      if (!held) holders.set(consumer, (held = []));
      held.push(streams[i]!);
    }
  });
  if (holders.size === 0) return [];
  const dead = await deadAmong([...holders.keys()]);
  // The typed overloads do not take a list of ids followed by JUSTID.
  const xclaim = redis.xclaim.bind(redis) as unknown as (...args: (string | number)[]) => Promise<string[]>;
  const claims: DeadConsumerClaim[] = [];
  for (const [consumer, held] of holders) {
    if (!dead.has(consumer)) continue;
    for (const stream of held) {
      let claimed = 0;
      for (;;) {
        const page = (await redis.xpending(
          stream,
          group,
          'IDLE',
          minIdleMs,
          '-',
          '+',
          CLAIM_PAGE,
          consumer,
        )) as PendingEntry[];
        if (page.length === 0) break;
        const ids = page.map(([id]) => id);
        const moved = await xclaim(stream, group, self, minIdleMs, ...ids, 'JUSTID');
        claimed += moved.length;
        // Fewer moved than listed: another consumer took some meanwhile (XCLAIM leaves an entry claimed less than
        // minIdleMs ago); what is left is claimed on a later pass.
        if (page.length < CLAIM_PAGE || moved.length < ids.length) break;
      }
      if (claimed > 0) claims.push({ stream, consumer, claimed });
    }
  }
  return claims;
}
