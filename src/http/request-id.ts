/**
 * X-Request-Id: the caller's own id when it sends one (cleaned), else a new one. Shared by the
 * general path (app.ts) and the synchronous hot path (v1/hot.ts), which must not import each
 * other.
 */
import { randomBytes } from 'node:crypto';

// a random per-process prefix and a counter (cheaper than random bytes per request)
const ID_PREFIX = randomBytes(4).toString('hex');
let idCounter = 0;

/** The caller's X-Request-Id (cleaned, at most 64 characters), else a new one. */
export function nextRequestId(given: string | undefined): string {
  return (given && given.slice(0, 64).replace(/[^\w.-]/g, '')) || `${ID_PREFIX}${(idCounter++).toString(36)}`;
}
