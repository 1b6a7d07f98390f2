/**
 * Conditional GETs of content-addressed things (RFC 9110 §13.1.2): the ETag is the object's
 * sha, so a match means the client already has these exact bytes.
 *   blob / raw: ETag "<blob sha>", Cache-Control <public|private>, max-age=31536000, immutable
 *   tree:       ETag "<tree sha>", immutable as above when the ref was a sha, max-age=60 for a ref
 * Private repos say `private` so that shared caches never keep their content.
 */
import type { HttpReply, HttpRequest } from '../uws.js';

const IMMUTABLE_PUBLIC = 'public, max-age=31536000, immutable';
const IMMUTABLE_PRIVATE = 'private, max-age=31536000, immutable';
const SHORT_PUBLIC = 'public, max-age=60';
const SHORT_PRIVATE = 'private, max-age=60';

export function cacheControl(isPublic: boolean, immutable: boolean): string {
  if (immutable) return isPublic ? IMMUTABLE_PUBLIC : IMMUTABLE_PRIVATE;
  return isPublic ? SHORT_PUBLIC : SHORT_PRIVATE;
}

/** True when If-None-Match names `sha` (quoted, weak or not) or is "*". */
export function matches(req: HttpRequest, sha: string): boolean {
  const h = req.headers['if-none-match'];
  return h ? matchesHeader(h, sha) : false;
}

/** True when an If-None-Match value names `sha` or is "*". */
export function matchesHeader(h: string, sha: string): boolean {
  if (h.length === sha.length + 2) return h.charCodeAt(0) === 0x22 && h.startsWith(sha, 1);
  for (let t of h.split(',')) {
    t = t.trim();
    if (t === '*') return true;
    if (t.startsWith('W/')) t = t.slice(2);
    if (t === `"${sha}"`) return true;
  }
  return false;
}

export function notModified(etag: string, cache: string): HttpReply {
  return { status: 304, headers: { etag, 'cache-control': cache } };
}
