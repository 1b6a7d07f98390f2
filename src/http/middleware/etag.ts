/**
 * Conditional GETs of content-addressed things (RFC 9110 §13.1.2): the ETag is the object's
 * sha (blob for blob and raw, tree for tree), so a match means the client already has these
 * exact bytes. Cache-Control follows the ref in the URL, not the object:
 *   a full commit sha    <public|private>, max-age=31536000, immutable
 *   a branch, a tag, …   <public|private>, max-age=<branchMaxAge> (60 s by default)
 * because once a branch (or a tag) moves, the same URL names other bytes: a cache that kept
 * them as immutable would serve the old file for a year. Past max-age a cache revalidates with
 * the ETag and gets a 304 while the bytes are the same.
 * Private repos say `private` so that shared caches never keep their content.
 */
import type { HttpReply, HttpRequest } from '../uws.js';

const IMMUTABLE_PUBLIC = 'public, max-age=31536000, immutable';
const IMMUTABLE_PRIVATE = 'private, max-age=31536000, immutable';

/** `immutable`: the URL named its revision by a full sha, so what it names can never change. */
export function cacheControl(isPublic: boolean, immutable: boolean, branchMaxAge: number): string {
  if (immutable) return isPublic ? IMMUTABLE_PUBLIC : IMMUTABLE_PRIVATE;
  return `${isPublic ? 'public' : 'private'}, max-age=${branchMaxAge}`;
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
