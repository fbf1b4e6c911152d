import type { RedisClient } from './redis-connection';

/**
 * One atomic step (a script, so no group can move between reading it and trimming): the safe point of a stream is,
 * over every consumer group, the smaller of the group's oldest pending entry (XPENDING summary) and its
 * last-delivered-id; entries below it were delivered to and acknowledged by every group. XTRIM MINID ~ removes
 * whole macro nodes below that id only (approximate trimming keeps more, never less, and stops at the default
 * LIMIT of 100 nodes per call). A stream without any group is left alone: nobody has read it yet.
 * Stream ids compare as <ms>-<seq>, both as Lua numbers (exact up to 2^53).
 */
const TRIM_ACKNOWLEDGED_SCRIPT = `
local t = redis.call('TYPE', KEYS[1])
if t.ok ~= 'stream' then return {false, 0} end
local groups = redis.call('XINFO', 'GROUPS', KEYS[1])
if #groups == 0 then return {false, 0} end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function older(a, b)
  local am, as = parse(a)
  local bm, bs = parse(b)
  if am ~= bm then return am < bm end
  return as < bs
end
local safe = nil
for _, g in ipairs(groups) do
  local name, point
  for i = 1, #g, 2 do
    if g[i] == 'name' then name = g[i + 1] elseif g[i] == 'last-delivered-id' then point = g[i + 1] end
  end
  local pending = redis.call('XPENDING', KEYS[1], name)
  if pending[1] > 0 and older(pending[2], point) then point = pending[2] end
  if safe == nil or older(point, safe) then safe = point end
end
if safe == '0-0' then return {safe, 0} end
return {safe, redis.call('XTRIM', KEYS[1], 'MINID', '~', safe)}
`;

export interface AcknowledgedTrim {
  /** The id below which every group acknowledged everything, or null (no stream, or no group yet). */
  safeId: string | null;
  /** Entries deleted by this step. */
  deleted: number;
}

/**
 * Deletes the entries of `stream` that every consumer group has acknowledged, at most ~10,000 per call (call again
 * while it deletes). Entries pending in a group, or not yet delivered to it, are never deleted.
 */
export async function trimAcknowledged(redis: RedisClient, stream: string): Promise<AcknowledgedTrim> {
  const [safeId, deleted] = (await redis.eval(TRIM_ACKNOWLEDGED_SCRIPT, 1, stream)) as [string | null, number];
  return { safeId: safeId ?? null, deleted: Number(deleted) };
}
