/** Longest status reason a row keeps (the `status_reason` columns are VARCHAR(1000)). */
const MAX_REASON = 1000;

/** Cuts a status reason to its column, saying so with "...". */
export function clipReason(reason: string): string {
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 3)}...` : reason;
}
