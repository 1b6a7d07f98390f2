/**
 * File contents:
 *   GET  /blob/:ref/*path   JSON {content, encoding, path, sha, size}; utf-8 for text, base64 for
 *                           binary (a NUL in the first 8000 bytes, as git decides, or not UTF-8)
 *   GET  /raw/:ref/*path    the bytes, with a content type from the extension; text as text/plain
 *                           (never as HTML: the API's origin must not run a repo's scripts)
 *   POST /blobs/batch       {ref, paths (≤100)} -> {blobs, missing}
 * Both GETs: ETag "<blob sha>"; Cache-Control immutable only when the ref is a full sha, else
 * max-age=branchMaxAge (middleware/etag.ts); a single `Range: bytes=a-b` -> 206 with Content-Range
 * (a range's JSON content is always base64), 416 when it starts past the end; other Range
 * forms are ignored (200), as RFC 9110 allows.
 */
import type { StoredObject } from '../../../storage/index.js';
import { isUtf8 } from 'node:buffer';
import { GitwellError, notFound, unprocessable } from '../../core/errors.js';
import { isTreeMode, MODE_GITLINK } from '../../core/object/tree.js';
import type { RepoRecord, Store } from '../../../storage/index.js';
import { lookupPath, resolveRefPath, resolveRev, trimSlashes, type PathEntry } from '../../services/objects.js';
import { coregitErrorBody, STATUS } from '../errors.js';
import { cacheControl, matches, notModified } from '../middleware/etag.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { json, parseBody } from './respond.js';
import { BlobsBatchBody } from './schemas.js';
import { shortRef } from './tree.js';
import type { Steps } from '../../core/slice.js';
import { heavy } from '../../services/heavy.js';

const TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  ico: 'image/x-icon', bmp: 'image/bmp', pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip',
  tgz: 'application/gzip', tar: 'application/x-tar', wasm: 'application/wasm', mp3: 'audio/mpeg', wav: 'audio/wav',
  ogg: 'audio/ogg', mp4: 'video/mp4', webm: 'video/webm', woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf',
};
const TEXT = 'text/plain; charset=utf-8';
const BINARY = 'application/octet-stream';

function contentType(path: string, data: Buffer): string {
  const dot = path.lastIndexOf('.');
  const known = dot > path.lastIndexOf('/') ? TYPES[path.slice(dot + 1).toLowerCase()] : undefined;
  if (known) return known;
  return data.subarray(0, 8000).indexOf(0) >= 0 ? BINARY : TEXT;
}

const isText = (data: Buffer) => data.subarray(0, 8000).indexOf(0) < 0 && isUtf8(data);

type Range = { start: number; end: number } | 'unsatisfiable' | null;

/** A single byte range of RFC 9110 §14.1.2, clamped to `size`; null when absent or not one we serve. */
export function parseRange(h: string | undefined, size: number): Range {
  if (!h) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1) };
}

function unsatisfiable(ctx: Context, size: number): HttpReply {
  const err = new GitwellError('RANGE_NOT_SATISFIABLE', 'range not satisfiable', { size });
  return { status: STATUS[err.code], headers: { 'content-type': 'application/json', 'content-range': `bytes */${size}` }, body: coregitErrorBody(err, ctx.requestId) };
}

/** The file at a ref and path: 404 when there is nothing, 422 for a directory or a submodule. */
function fileEntry(store: Store, repo: RepoRecord, ref: string, rest: string): { entry: PathEntry; path: string; immutable: boolean } {
  const r = resolveRefPath(store, repo, ref, rest);
  const entry = r.path === '' ? null : lookupPath(store, r.tree, r.path);
  if (!entry) throw notFound('file', { path: r.path });
  if (isTreeMode(entry.mode) || entry.mode === MODE_GITLINK) throw unprocessable(`${r.path} is not a file`, { path: r.path });
  return { entry, path: r.path, immutable: r.immutable };
}

/**
 * The file a blob or raw route names, with its caching headers: a 304 reply when the client's
 * ETag matches, else the blob as a store view (valid until the next store read).
 */
function readBlob(ctx: Context): { notModified: HttpReply } | { path: string; sha: string; etag: string; cache: string; o: StoredObject } {
  const { repo } = repoFor(ctx, 'read');
  ctx.cacheable = { repoId: repo.id, generation: ctx.store.repoGeneration(repo.id) };
  const { entry, path, immutable } = fileEntry(ctx.store, repo, ctx.params.ref, ctx.params.path);
  const sha = entry.oid.toString('hex');
  const etag = `"${sha}"`;
  const cache = cacheControl(repo.visibility === 'public', immutable, ctx.config.branchMaxAge);
  if (matches(ctx.req, sha)) return { notModified: notModified(etag, cache) };
  const o = ctx.store.viewObject(entry.oid);
  if (!o || o.type !== 3) throw notFound('blob', { sha });
  return { path, sha, etag, cache, o };
}

export function raw(ctx: Context): HttpReply {
  const b = readBlob(ctx);
  if ('notModified' in b) return b.notModified;
  const { path, etag, cache, o } = b;
  // the view is valid only until the next store read, and the reply is written after this
  // handler returns (other requests may read in between): one copy makes it ours
  const data = Buffer.from(o.data);
  const headers: Record<string, string> = {
    'content-type': contentType(path, data),
    etag,
    'cache-control': cache,
    'accept-ranges': 'bytes',
    'x-content-type-options': 'nosniff',
  };
  const range = ctx.req.headers['range'] === undefined ? null : parseRange(ctx.req.headers['range'], data.length);
  if (range === 'unsatisfiable') return unsatisfiable(ctx, data.length);
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${data.length}`;
    return { status: 206, headers, body: data.subarray(range.start, range.end + 1) };
  }
  return { status: 200, headers, body: data };
}

export function blob(ctx: Context): HttpReply {
  const b = readBlob(ctx);
  if ('notModified' in b) return b.notModified;
  const { path, sha, etag, cache, o } = b;
  const size = o.data.length;
  const range = parseRange(ctx.req.headers['range'], size);
  if (range === 'unsatisfiable') return unsatisfiable(ctx, size);
  const headers: Record<string, string> = { etag, 'cache-control': cache, 'accept-ranges': 'bytes' };
  if (range) {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
    const content = o.data.toString('base64', range.start, range.end + 1);
    return json(206, { content, encoding: 'base64', path, sha, size, range: { start: range.start, end: range.end, length: range.end - range.start + 1 } }, headers);
  }
  if (size > ctx.config.blobMaxBytes) {
    throw new GitwellError('PAYLOAD_TOO_LARGE', `the file is larger than ${ctx.config.blobMaxBytes} bytes: read it with Range or from /raw`, {
      limit: 'blob_max_bytes',
      max: ctx.config.blobMaxBytes,
      size,
    });
  }
  const text = isText(o.data);
  return json(200, { content: o.data.toString(text ? 'utf8' : 'base64'), encoding: text ? 'utf-8' : 'base64', path, sha, size }, headers);
}

export async function batch(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  const body = await parseBody(ctx, BlobsBatchBody);
  const given = body.ref ?? repo.defaultBranch;
  const r = resolveRev(ctx.store, repo, given);
  const blobs: Array<{ content: string; encoding: 'utf-8' | 'base64'; path: string; sha: string; size: number }> = [];
  const missing: string[] = [];
  let total = 0;
  // up to 100 files of any size, each resolved through its delta chain: heavy work, in slices
  await heavy('the batch read', function* (): Steps<void> {
    for (const p of body.paths) {
      yield;
      const path = trimSlashes(p);
      const entry = path === '' ? null : lookupPath(ctx.store, r.tree, path);
      const o = entry && !isTreeMode(entry.mode) && entry.mode !== MODE_GITLINK ? ctx.store.viewObject(entry.oid) : undefined;
      if (!entry || !o || o.type !== 3) {
        missing.push(p);
        continue;
      }
      total += o.data.length;
      if (total > ctx.config.blobMaxBytes) {
        throw new GitwellError('PAYLOAD_TOO_LARGE', `the files add up to more than ${ctx.config.blobMaxBytes} bytes: ask for fewer`, { limit: 'blob_max_bytes', max: ctx.config.blobMaxBytes });
      }
      const text = isText(o.data);
      blobs.push({ content: o.data.toString(text ? 'utf8' : 'base64'), encoding: text ? 'utf-8' : 'base64', path, sha: entry.oid.toString('hex'), size: o.data.length });
    }
  });
  return json(200, { ref: shortRef(r, given), commit_sha: r.commit?.toString('hex') ?? null, blobs, missing });
}
