/**
 * The Lua scripts of AlarmGate. Every key of one call shares the hash tag of its (rule, subject), so a call touches
 * one Redis Cluster slot. Keys (KEYS[n]):
 *   1 seen      `...:seen:<event key>`  the event was evaluated already (on any server): SET NX, expires
 *   2 window    sorted set of the events counted toward the threshold (member: event key, score: time)
 *   3 silent    exists while the silence period runs (value: when it started)
 *   4 held      how many events the silence period held back since the last alarm
 *   5 last      the latest event held back (JSON), for the summary at the end of the silence period
 *   6 failing   a failure alarm went out and no success followed yet (for the recovery alarm)
 */

/**
 * One event under its rule. ARGV: 1 now, 2 threshold count, 3 threshold window ms, 4 silence ms, 5 seen ttl ms,
 * 6 event key, 7 '1' to mark the subject failing when this alarms, 8 the event as JSON.
 * Returns {outcome, n, silentUntil}:
 *   'dup'      another server (or a replay) evaluated this event already: nothing to do
 *   'below'    counted, under the threshold (n: events in the window)
 *   'held'     the silence period holds it back (n: held so far, silentUntil: when the period ends, period: its
 *              start, which names it)
 *   'alarm'    send it (n: events held back before it, which it reports; the silence period starts now)
 */
export const EVALUATE_EVENT = `
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[5]) then return {'dup', 0, 0} end
local now = tonumber(ARGV[1])
local silentTtl = redis.call('PTTL', KEYS[3])
if silentTtl > 0 then
  local n = redis.call('INCR', KEYS[4])
  -- Kept past the period for the summary job, but not forever should that job be lost.
  redis.call('PEXPIRE', KEYS[4], silentTtl + 86400000)
  redis.call('SET', KEYS[5], ARGV[8], 'PX', silentTtl + 86400000)
  return {'held', n, now + silentTtl, redis.call('GET', KEYS[3])}
end
local threshold = tonumber(ARGV[2])
if threshold > 1 then
  redis.call('ZADD', KEYS[2], now, ARGV[6])
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[3]))
  local counted = redis.call('ZCARD', KEYS[2])
  if counted < threshold then
    redis.call('PEXPIRE', KEYS[2], ARGV[3])
    return {'below', counted, 0}
  end
  redis.call('DEL', KEYS[2])
end
local held = tonumber(redis.call('GET', KEYS[4]) or '0')
redis.call('DEL', KEYS[4], KEYS[5])
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[4]) end
-- A subject that never succeeds again (a deleted job) does not keep its mark forever: 30 days.
if ARGV[7] == '1' then redis.call('SET', KEYS[6], ARGV[1], 'PX', 2592000000) end
return {'alarm', held, 0}`;

/**
 * The end of a silence period: the events it held back are reported in one summary alarm, which starts a new
 * period (so a steady stream of failures makes one alarm per period, not one per failure). KEYS: 1 silent, 2 held,
 * 3 last (as above), 4 the summary of this period once taken. ARGV: 1 now, 2 silence ms, 3 the period (its start).
 * Returns `<held>\n<last event JSON>`, or '' when there is nothing to report: nothing was held, an alarm or a
 * recovery reported it already, or another period runs now (its own summary will report). Taken once, the summary
 * is kept a day, so a retry of a summary whose sending failed sends the same one.
 */
export const FLUSH_HELD = `
local taken = redis.call('GET', KEYS[4])
if taken then return taken end
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[3] then return '' end
local held = tonumber(redis.call('GET', KEYS[2]) or '0')
local last = redis.call('GET', KEYS[3])
redis.call('DEL', KEYS[2], KEYS[3])
if held == 0 or not last then return '' end
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
local summary = held .. '\\n' .. last
redis.call('SET', KEYS[4], summary, 'PX', 86400000)
return summary`;

/**
 * A success of a subject: when a failure alarm went out for it, this is its recovery (once: DEL is atomic), and the
 * silence period ends with it. KEYS: 1 silent, 2 held, 3 last, 4 failing. Returns the events held back, or -1 when
 * the subject was not failing.
 */
export const RECOVER = `
if redis.call('DEL', KEYS[4]) == 0 then return -1 end
local held = tonumber(redis.call('GET', KEYS[2]) or '0')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
return held`;
