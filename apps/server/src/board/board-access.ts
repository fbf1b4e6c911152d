import type { RequestHandler } from 'express';
import { isAdmin, parseBasicAuthorization } from '../platform/auth/admin-credentials';
import type { ServerConfig } from '../platform/config/server-config';

/** HTTP Basic with the admin pair (both halves compared in constant time); 401 with a challenge otherwise. */
export function boardAuth(config: ServerConfig): RequestHandler {
  const { adminUser, adminPassword } = config;
  return (req, res, next) => {
    if (isAdmin(parseBasicAuthorization(req.headers.authorization), adminUser, adminPassword)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="jobnest"');
    res.status(401).json({ statusCode: 401, error: 'Unauthorized', message: 'bull-board needs the admin credentials' });
  };
}

/**
 * Refuses every request but GET and HEAD with 405 unless JOBNEST_BOARD_WRITES=1. The adapters' readOnlyMode hides
 * the buttons and guards the per-queue routes; this also covers the routes that act on every queue at once (pause
 * all, resume all, purge metrics).
 */
export function boardReadOnlyGate(config: ServerConfig): RequestHandler {
  const { boardWrites } = config;
  return (req, res, next) => {
    if (boardWrites || req.method === 'GET' || req.method === 'HEAD') return next();
    res.status(405).json({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: 'bull-board is read-only: set JOBNEST_BOARD_WRITES=1 to allow changes',
    });
  };
}
