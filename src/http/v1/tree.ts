/**
 * GET /v1/repos/:slug/tree/:ref/*path[?recursive=true]: a directory's entries; recursive lists
 * the whole subtree depth-first in git's order, up to `treeRecursiveLimit` entries
 * (`truncated` says when it stopped). ETag is the tree's sha.
 */
import { GitwellError, notFound, unprocessable } from '../../core/errors.js';
import { isTreeMode, MODE_GITLINK, parseTree } from '../../core/object/tree.js';
import type { Store } from '../../../storage/index.js';
import { lookupPath, resolveRefPath, type Resolved } from '../../services/objects.js';
import { cacheControl, matches, notModified } from '../middleware/etag.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { json, parseQuery } from './respond.js';
import { TreeQuery } from './schemas.js';

interface Item {
  name: string;
  path: string;
  type: 'folder' | 'file' | 'submodule';
  sha: string;
  mode: string;
}

function listTree(store: Store, tree: Buffer, base: string, recursive: boolean, cap: number): { items: Item[]; truncated: boolean } {
  const items: Item[] = [];
  let truncated = false;
  const visit = (oid: Buffer, prefix: string): void => {
    const o = store.viewObject(oid);
    if (!o || o.type !== 2) throw new GitwellError('INTERNAL_ERROR', 'tree object missing from the store');
    // copy out of the view before the next read
    const entries = parseTree(o.data).map((e) => ({ mode: e.mode, name: e.name.toString('utf8'), sha: e.oid.toString('hex') }));
    for (const e of entries) {
      if (items.length >= cap) {
        truncated = true;
        return;
      }
      const path = prefix === '' ? e.name : `${prefix}/${e.name}`;
      const dir = isTreeMode(e.mode);
      items.push({ name: e.name, path, type: dir ? 'folder' : e.mode === MODE_GITLINK ? 'submodule' : 'file', sha: e.sha, mode: e.mode.toString(8).padStart(6, '0') });
      if (dir && recursive) {
        visit(Buffer.from(e.sha, 'hex'), path);
        if (truncated) return;
      }
    }
  };
  visit(tree, base);
  return { items, truncated };
}

/** The ref as the client named it: "main", "feature/x", "v1.0" or the sha. */
export function shortRef(r: Resolved, given: string): string {
  if (!r.ref) return given.toLowerCase();
  return r.ref.replace(/^refs\/(heads|tags)\//, '');
}

export function tree(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, TreeQuery);
  const r = resolveRefPath(ctx.store, repo, ctx.params.ref ?? repo.defaultBranch, ctx.params.path ?? '');
  const entry = lookupPath(ctx.store, r.tree, r.path);
  if (!entry) throw notFound('path', { path: r.path });
  if (!isTreeMode(entry.mode)) throw unprocessable(`${r.path} is not a directory`, { path: r.path });
  const sha = entry.oid.toString('hex');
  const etag = `"${sha}"`;
  const cache = cacheControl(repo.visibility === 'public', r.immutable);
  if (matches(ctx.req, sha)) return notModified(etag, cache);
  const { items, truncated } = listTree(ctx.store, entry.oid, r.path, q.recursive ?? false, ctx.config.treeRecursiveLimit);
  return json(
    200,
    { items, path: r.path, ref: shortRef(r, ctx.params.ref ?? repo.defaultBranch), sha, commit_sha: r.commit?.toString('hex') ?? null, truncated },
    { etag, 'cache-control': cache },
  );
}
