/**
 * File contents as JSON (Coregit's routes/files.ts, blobHandler):
 *   GET  /blob/:ref/*path   {content, encoding, path, sha, size}: utf-8 for text, base64 for
 *                           anything else. `Range: bytes=a-b` gives 206 with the slice (utf-8
 *                           when the file is text and the slice is whole characters) and
 *                           `range`; a malformed or unsatisfiable Range is 416. Larger than
 *                           blobMaxBytes (50 MiB) without a Range: 400 with `size`.
 *   POST /blobs/batch       {ref, paths (≤100), encoding?, max_size?} -> {blobs, missing}; a
 *                           blob over max_size (or past the reply's budget of blobMaxBytes)
 *                           comes without content, `truncated: true`.
 * ETag "<blob sha>"; Cache-Control immutable only when the ref is a full sha, else
 * max-age=branchMaxAge (middleware/etag.ts). Where Coregit decodes a file that is not UTF-8 as
 * text anyway (and loses its bytes), this sends it as base64.
 */
import { isUtf8 } from 'node:buffer';
import { GitwellError } from '../../core/errors.js';
import { isTreeMode, MODE_GITLINK } from '../../core/object/tree.js';
import { checkReadPath, lookupPath, resolveRev, trimSlashes } from '../../services/objects.js';
import { coregitErrorBody, STATUS } from '../errors.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { isText, looksBinary, readBlob } from './blob-read.js';
import { MALFORMED_RANGE, parseRange } from './range.js';
import { json, parseBody } from './respond.js';
import { BlobsBatchBody } from './schemas.js';
import { shortRef } from './tree.js';
import type { Steps } from '../../core/slice.js';
import { heavy } from '../../services/heavy.js';

function notSatisfiable(ctx: Context, size: number, malformed: boolean): HttpReply {
  const err = new GitwellError('RANGE_NOT_SATISFIABLE', malformed ? MALFORMED_RANGE : 'Range not satisfiable', { size });
  return {
    status: STATUS[err.code],
    headers: { 'content-type': 'application/json', 'content-range': `bytes */${size}`, vary: 'Range' },
    body: coregitErrorBody(err, ctx.requestId),
  };
}

export function blob(ctx: Context): HttpReply {
  const b = readBlob(ctx);
  if ('notModified' in b) return b.notModified;
  const { path, sha, etag, cache, o } = b;
  const size = o.data.length;
  const range = parseRange(ctx.req.headers['range'], size);
  if (range === 'malformed' || range === 'unsatisfiable') return notSatisfiable(ctx, size, range === 'malformed');
  const headers: Record<string, string> = { etag, 'accept-ranges': 'bytes', 'cache-control': cache };
  if (range) {
    const slice = o.data.subarray(range.start, range.end + 1);
    const utf8 = !looksBinary(o.data) && isUtf8(slice);
    const content = slice.toString(utf8 ? 'utf8' : 'base64');
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    headers.vary = 'Range';
    return json(206, { content, encoding: utf8 ? 'utf-8' : 'base64', path, sha, size, range: { start: range.start, end: range.end, length: slice.length } }, headers);
  }
  if (size > ctx.config.blobMaxBytes) {
    throw new GitwellError(
      'VALIDATION_ERROR',
      `File exceeds ${ctx.config.blobMaxBytes} bytes. Use Range header to fetch a slice, or /raw.`,
      { limit: 'blob_max_bytes', max: ctx.config.blobMaxBytes, size },
      { size },
    );
  }
  const text = isText(o.data);
  return json(200, { content: o.data.toString(text ? 'utf8' : 'base64'), encoding: text ? 'utf-8' : 'base64', path, sha, size }, headers);
}

export async function batch(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  const body = await parseBody(ctx, BlobsBatchBody);
  const given = body.ref ?? repo.defaultBranch;
  const r = resolveRev(ctx.store, repo, given);
  const maxSize = body.max_size ?? ctx.config.blobMaxBytes;
  type Entry = { path: string; sha: string; size: number; encoding: 'utf-8' | 'base64'; content: string; truncated?: true };
  const blobs: Entry[] = [];
  const missing: string[] = [];
  // the reply holds at most blobMaxBytes of content; later blobs come truncated
  let budget = ctx.config.blobMaxBytes;
  // up to 100 files of any size, each resolved through its delta chain: heavy work, in slices
  await heavy('the batch read', function* (): Steps<void> {
    for (const p of body.paths) {
      yield;
      const path = trimSlashes(p);
      checkReadPath(path);
      const entry = path === '' ? null : lookupPath(ctx.store, r.tree, path);
      const info = entry && !isTreeMode(entry.mode) && entry.mode !== MODE_GITLINK ? ctx.store.objectInfo(entry.oid) : undefined;
      if (!entry || !info || info.type !== 3) {
        missing.push(p);
        continue;
      }
      const sha = entry.oid.toString('hex');
      if (info.size > maxSize || info.size > budget) {
        blobs.push({ path, sha, size: info.size, encoding: body.encoding ?? 'utf-8', content: '', truncated: true });
        continue;
      }
      const o = ctx.store.viewObject(entry.oid)!;
      budget -= o.data.length;
      const encoding = body.encoding ?? (isText(o.data) ? 'utf-8' : 'base64');
      blobs.push({ path, sha, size: o.data.length, encoding, content: o.data.toString(encoding === 'utf-8' ? 'utf8' : 'base64') });
    }
  });
  return json(200, { ref: shortRef(r, given), commit_sha: r.commit?.toString('hex') ?? null, blobs, missing });
}
