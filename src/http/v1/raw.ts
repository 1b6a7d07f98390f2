/**
 * GET /v1/repos/:slug/raw/:ref/*path (Coregit's routes/files.ts, rawHandler): a file's bytes.
 * Content-Type is application/octet-stream for a binary file (a NUL in its first 8192 bytes) and
 * text/plain; charset=utf-8 for anything else, never a type a browser would run (the API's
 * origin must not run a repo's scripts). X-Content-Sha and ETag carry the blob's sha; a
 * `Range` gives 206 with Content-Range, and 416 when it is malformed or cannot be satisfied.
 * Unlike Coregit (400 past 50 MB without a Range), any size is served.
 */
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { looksBinary, readBlob } from './blob-read.js';
import { MALFORMED_RANGE, parseRange } from './range.js';

export function raw(ctx: Context): HttpReply {
  const b = readBlob(ctx);
  if ('notModified' in b) return b.notModified;
  const { sha, etag, cache, o } = b;
  // the view is valid only until the next store read, and the reply is written after this
  // handler returns (other requests may read in between): one copy makes it ours
  const data = Buffer.from(o.data);
  const headers: Record<string, string> = {
    'content-type': looksBinary(data) ? 'application/octet-stream' : 'text/plain; charset=utf-8',
    'accept-ranges': 'bytes',
    etag,
    'x-content-sha': sha,
    'cache-control': cache,
    vary: 'Range',
    'x-content-type-options': 'nosniff',
  };
  const range = parseRange(ctx.req.headers['range'], data.length);
  if (range === 'malformed' || range === 'unsatisfiable') {
    headers['content-range'] = `bytes */${data.length}`;
    return { status: 416, headers, body: range === 'malformed' ? MALFORMED_RANGE : '' };
  }
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${data.length}`;
    return { status: 206, headers, body: data.subarray(range.start, range.end + 1) };
  }
  return { status: 200, headers, body: data };
}
