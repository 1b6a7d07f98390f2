/**
 * What blob and raw share: the file a URL names and its caching headers, and how a file's bytes
 * are judged text or binary.
 */
import { isUtf8 } from 'node:buffer';
import { invalid, notFound } from '../../core/errors.js';
import { isTreeMode, MODE_GITLINK } from '../../core/object/tree.js';
import type { RepoRecord, Store, StoredObject } from '../../../storage/index.js';
import { checkReadPath, lookupPath, resolveRefPath, type PathEntry } from '../../services/objects.js';
import { cacheControl, matches, notModified } from '../middleware/etag.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';

/** Coregit's test of a binary file: a NUL in its first 8192 bytes. */
export const looksBinary = (data: Buffer) => data.subarray(0, 8192).indexOf(0) >= 0;

/** Text that JSON can carry as utf-8 without losing a byte. */
export const isText = (data: Buffer) => !looksBinary(data) && isUtf8(data);

/** The file at a ref and path: 400 for a bad path, 404 when there is no file (a directory, a submodule, nothing). */
export function fileEntry(store: Store, repo: RepoRecord, ref: string, rest: string): { entry: PathEntry; path: string; immutable: boolean } {
  const r = resolveRefPath(store, repo, ref, rest);
  if (r.path === '') throw invalid('File path is required', { field: 'path' });
  checkReadPath(r.path);
  const entry = lookupPath(store, r.tree, r.path);
  if (!entry || isTreeMode(entry.mode) || entry.mode === MODE_GITLINK) throw notFound('File', { path: r.path });
  return { entry, path: r.path, immutable: r.immutable };
}

/**
 * The file a blob or raw route names, with its caching headers: a 304 reply when the client's
 * ETag matches, else the blob as a store view (valid until the next store read).
 */
export function readBlob(ctx: Context): { notModified: HttpReply } | { path: string; sha: string; etag: string; cache: string; o: StoredObject } {
  const { repo } = repoFor(ctx, 'read');
  ctx.cacheable = { repoId: repo.id, generation: ctx.store.repoGeneration(repo.id) };
  const { entry, path, immutable } = fileEntry(ctx.store, repo, ctx.params.ref || repo.defaultBranch, ctx.params.path ?? '');
  const sha = entry.oid.toString('hex');
  const etag = `"${sha}"`;
  const cache = cacheControl(repo.visibility === 'public', immutable, ctx.config.branchMaxAge);
  if (matches(ctx.req, sha)) return { notModified: notModified(etag, cache) };
  const o = ctx.store.viewObject(entry.oid);
  if (!o || o.type !== 3) throw notFound('Blob', { sha });
  return { path, sha, etag, cache, o };
}
