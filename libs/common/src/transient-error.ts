/**
 * Error codes of an infrastructure that is down, restarting, overloaded or failing over (MySQL/MariaDB through
 * mysql2 and TypeORM, Redis through ioredis, and the network under both). Such an error says nothing about the
 * entry being applied: any entry would fail the same way, so it must not count towards dead-lettering it.
 */
const TRANSIENT_CODES = new Set([
  // network
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // mysql2
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_GONE_ERROR',
  'CR_SERVER_GONE_ERROR',
  'CR_SERVER_LOST',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'ER_QUERY_INTERRUPTED',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_OPTION_PREVENTS_STATEMENT', // a read-only primary during a failover
  'ER_CANT_CREATE_THREAD',
  'ER_OUT_OF_RESOURCES',
]);

/** Messages without a usable code: pools and clients that were closed or gave up on a connection. */
const TRANSIENT_MESSAGES = [
  /connection (is )?(closed|lost)/i,
  /server has gone away/i,
  /pool is closed/i,
  /max retries per request/i,
  /stream isn't writeable/i,
  /^(LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|OOM)\b/, // Redis replies of a server not ready to serve
];

/**
 * True when `err` comes from infrastructure that is unavailable for now (see TRANSIENT_CODES), rather than from the
 * data being applied. TypeORM copies the driver's `code` and `fatal` onto its QueryFailedError; `driverError` is
 * looked at too. mysql2 marks every error that killed its connection `fatal`.
 */
export function isTransientError(err: unknown): boolean {
  for (const e of [err, driverErrorOf(err)]) {
    if (typeof e !== 'object' || e === null) continue;
    const { code, fatal, message, name } = e as { code?: unknown; fatal?: unknown; message?: unknown; name?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
    if (fatal === true) return true;
    if (name === 'MaxRetriesPerRequestError') return true;
    if (typeof message === 'string' && TRANSIENT_MESSAGES.some((p) => p.test(message))) return true;
  }
  return false;
}

function driverErrorOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { driverError?: unknown }).driverError : undefined;
}
