/**
 * GET /v1/repos/:slug/tree/:ref/*path[?recursive=true] (Coregit's routes/files.ts): a
 * directory's entries as Coregit lists them: {name, path, type: "folder" | "file", sha, mode},
 * the mode as git writes it ("40000" for a folder; a submodule is a "file" of mode "160000"),
 * folders first, then by name (String.localeCompare). `recursive` lists the whole subtree
 * depth-first, up to `treeRecursiveLimit` entries (`truncated` once it holds that many), and
 * sorts that list the same way, as Coregit does. A path that is no directory is 404.
 * ETag is the tree's sha; Cache-Control as middleware/etag.ts says.
 */
import { GitwellError, notFound } from '../../core/errors.js';
import { isTreeMode, parseTree } from '../../core/object/tree.js';
import type { Store } from '../../../storage/index.js';
import { checkReadPath, lookupPath, resolveRefPath, type Resolved } from '../../services/objects.js';
import { cacheControl, matches, notModified } from '../middleware/etag.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { JSON_TYPE, parseQuery } from './respond.js';
import { finish, type Steps } from '../../core/slice.js';
import { heavy } from '../../services/heavy.js';
import { TreeQuery } from './schemas.js';

interface Item {
  name: string;
  path: string;
  folder: boolean;
  sha: string;
  mode: string;
}

/** Coregit's order: folders first, then by name. */
const byKind = (a: Item, b: Item) => (a.folder !== b.folder ? (a.folder ? -1 : 1) : a.name.localeCompare(b.name));

/**
 * The items of a listing as JSON text. A listing is a function of the tree's sha, the base
 * path, `recursive` and the cap: it never changes, so it is cached (LRU, by bytes).
 */
async function listTree(store: Store, tree: Buffer, base: string, recursive: boolean, cap: number): Promise<{ items: Buffer; truncated: boolean }> {
  const key = `${tree.toString('hex')}\0${recursive ? 1 : 0}\0${cap}\0${base}`;
  const hit = listings.get(key);
  if (hit) {
    listings.delete(key);
    listings.set(key, hit);
    return hit;
  }
  // one directory is quick; a whole tree is heavy work, run in slices (services/heavy.ts)
  const listing = recursive ? await heavy('the tree listing', () => listingSteps(store, tree, base, recursive, cap)) : finish(listingSteps(store, tree, base, recursive, cap));
  remember(key, listing);
  return listing;
}

function* listingSteps(store: Store, tree: Buffer, base: string, recursive: boolean, cap: number): Steps<{ items: Buffer; truncated: boolean }> {
  const items: Item[] = [];
  function* visit(oid: Buffer, prefix: string): Steps<void> {
    const o = store.viewObject(oid);
    if (!o || o.type !== 2) throw new GitwellError('INTERNAL_ERROR', 'tree object missing from the store');
    // an owned copy: the recursion below reads the store, which reuses the view
    for (const e of parseTree(recursive ? Buffer.from(o.data) : o.data)) {
      if (items.length >= cap) return;
      const name = e.name.toString('utf8');
      const path = prefix === '' ? name : `${prefix}/${name}`;
      const folder = isTreeMode(e.mode);
      items.push({ name, path, folder, sha: e.oid.toString('hex'), mode: e.mode.toString(8) });
      if (folder && recursive) {
        yield;
        yield* visit(e.oid, path);
        if (items.length >= cap) return;
      }
    }
  }
  yield* visit(tree, base);
  items.sort(byKind);
  const parts = items.map(
    (it) => `{"name":${JSON.stringify(it.name)},"path":${JSON.stringify(it.path)},"type":"${it.folder ? 'folder' : 'file'}","sha":"${it.sha}","mode":"${it.mode}"}`,
  );
  return { items: Buffer.from(`[${parts.join(',')}]`), truncated: recursive && items.length >= cap };
}

const CACHE_BYTES = 32 * 1024 * 1024;
const listings = new Map<string, { items: Buffer; truncated: boolean }>();
let cachedBytes = 0;

function remember(key: string, listing: { items: Buffer; truncated: boolean }): void {
  if (listing.items.length > CACHE_BYTES / 4) return;
  listings.set(key, listing);
  cachedBytes += listing.items.length;
  for (const [k, old] of listings) {
    if (cachedBytes <= CACHE_BYTES) break;
    listings.delete(k);
    cachedBytes -= old.items.length;
  }
}

/** The ref as the client named it: "main", "feature/x", "v1.0" or the sha. */
export function shortRef(r: Resolved, given: string): string {
  if (!r.ref) return given.toLowerCase();
  return r.ref.replace(/^refs\/(heads|tags)\//, '');
}

export async function tree(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  ctx.cacheable = { repoId: repo.id, generation: ctx.store.repoGeneration(repo.id) };
  const q = parseQuery(ctx, TreeQuery);
  const given = ctx.params.ref || repo.defaultBranch;
  const r = resolveRefPath(ctx.store, repo, given, ctx.params.path ?? '');
  checkReadPath(r.path);
  const entry = lookupPath(ctx.store, r.tree, r.path);
  if (!entry || !isTreeMode(entry.mode)) throw notFound('Path', { path: r.path });
  const sha = entry.oid.toString('hex');
  const etag = `"${sha}"`;
  const cache = cacheControl(repo.visibility === 'public', r.immutable, ctx.config.branchMaxAge);
  if (matches(ctx.req, sha)) return notModified(etag, cache);
  const { items, truncated } = await listTree(ctx.store, entry.oid, r.path, q.recursive ?? false, ctx.config.treeRecursiveLimit);
  const rest = { path: r.path, ref: shortRef(r, given), sha, truncated, commit_sha: r.commit?.toString('hex') ?? null };
  // {"items": <cached JSON>, ...rest}
  const body = Buffer.concat([ITEMS_HEAD, items, Buffer.from(`,${JSON.stringify(rest).slice(1)}`)]);
  return { status: 200, headers: { 'content-type': JSON_TYPE, etag, 'cache-control': cache }, body };
}

const ITEMS_HEAD = Buffer.from('{"items":');
