/**
 * Reading a repo's objects by name: a revision ("main", "v1.0", "feature/x", "HEAD", a full
 * sha), then a path inside its tree.
 *
 * A ref in a URL may contain "/" ("/tree/feature/x/src/a.ts"): of "<ref>/<path>", the longest
 * prefix that names an existing ref wins, so "feature/x" beats a branch "feature" when both exist.
 * Branches are tried before tags. A sha must be an object of this repo (membership), so a
 * private repo's objects are never reachable through another repo that shares the store.
 *
 * Tree objects are read as views (valid until the next store read): every lookup finishes
 * with the bytes it needs before it reads again.
 */
import { GitwellError, notFound, unprocessable } from '../core/errors.js';
import { isTreeMode, MODE_TREE } from '../core/object/tree.js';
import { oidToHex, OID_HEX } from '../core/oid.js';
import { parseCommitLinks } from '../wasm.js';
import type { ObjectFinder } from '../core/object/finder.js';
import type { RepoRecord, Store } from '../../storage/index.js';

/** Objects a repo may use: members only, so a private repo's objects never leak elsewhere. Views. */
export function repoFinder(store: Store, repo: RepoRecord): ObjectFinder {
  return {
    get: (oid) => (store.isMember(repo.id, oid) ? store.viewObject(oid) : undefined),
    info: (oid) => (store.isMember(repo.id, oid) ? store.objectInfo(oid) : undefined),
  };
}

export interface Resolved {
  /** the commit the revision names, or null when it names a tree directly */
  commit: Buffer | null;
  /** the root tree */
  tree: Buffer;
  /** the full ref name when the revision was a ref ("refs/heads/main"), else null */
  ref: string | null;
  /** true when the revision was a full sha: what it names can never change */
  immutable: boolean;
}

const SHA_RE = /^[0-9a-fA-F]{40}$/;

export const isSha = (s: string) => SHA_RE.test(s);

/** A full ref name for a short name, if one exists: branches, then tags, then "refs/..." as given. */
export function findRef(store: Store, repo: RepoRecord, name: string): { name: string; oid: string } | null {
  if (name === 'HEAD') name = repo.defaultBranch;
  for (const full of name.startsWith('refs/') ? [name] : [`refs/heads/${name}`, `refs/tags/${name}`]) {
    const oid = store.getRef(repo.id, full);
    if (oid) return { name: full, oid };
  }
  return null;
}

function hasRefsUnder(store: Store, repo: RepoRecord, prefix: string): boolean {
  if (prefix.startsWith('refs/')) return store.listRefs(repo.id, prefix).length > 0;
  return store.listRefs(repo.id, `refs/heads/${prefix}`).length > 0 || store.listRefs(repo.id, `refs/tags/${prefix}`).length > 0;
}

/** The root tree of a commit: its first line is "tree <hex>". */
export function commitTree(store: Store, commit: Uint8Array): Buffer {
  const o = store.viewObject(commit);
  if (!o || o.type !== 1) throw notFound('commit', { sha: oidToHex(commit) });
  return Buffer.from(o.data.toString('latin1', 5, 5 + OID_HEX), 'hex');
}

/*
 * What an object peels to, and what a path in a tree names, never change (objects are
 * content-addressed and never rewritten), so both are kept in bounded caches: the hot read
 * path then costs its ref lookups and the blob read, not a walk through commit and trees.
 */
const CACHE_MAX = 50_000;
const peeled = new Map<string, { commit: Buffer | null; tree: Buffer }>();
const entries = new Map<string, PathEntry | null>();

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** Follows tags to a commit (whose tree it reads in the same look) or a tree. */
function peel(store: Store, start: Buffer): { commit: Buffer | null; tree: Buffer } {
  let oid = start;
  for (let depth = 0; depth < 16; depth++) {
    const o = store.viewObject(oid);
    if (!o) throw notFound('object', { sha: oidToHex(oid) });
    // a commit starts "tree <hex>\n", a tag "object <hex>\n"
    if (o.type === 1) return { commit: oid, tree: Buffer.from(o.data.toString('latin1', 5, 5 + OID_HEX), 'hex') };
    if (o.type === 2) return { commit: null, tree: oid };
    if (o.type !== 4) break;
    oid = Buffer.from(o.data.toString('latin1', 7, 7 + OID_HEX), 'hex');
  }
  throw unprocessable('revision does not name a commit or a tree', { sha: oidToHex(start) });
}

function resolveOid(store: Store, oid: Buffer, ref: string | null, immutable: boolean): Resolved {
  const key = oid.toString('latin1');
  const p = peeled.get(key) ?? remember(peeled, key, peel(store, oid));
  return { commit: p.commit, tree: p.tree, ref, immutable };
}

/** Resolves a revision with no path after it. */
export function resolveRev(store: Store, repo: RepoRecord, rev: string): Resolved {
  // git's ancestry suffixes: "main~2", "main^", "main^^" (first parents)
  const m = /^(.+?)((?:~\d*|\^1?)+)$/.exec(rev);
  if (m && !findRef(store, repo, rev)) {
    let r = resolveRev(store, repo, m[1]);
    for (const step of m[2].match(/~\d*|\^1?/g)!) {
      const n = step.startsWith('~') ? (step.length > 1 ? Number(step.slice(1)) : 1) : 1;
      for (let i = 0; i < n; i++) {
        if (!r.commit) throw unprocessable('revision does not name a commit', { ref: rev });
        const o = store.viewObject(r.commit);
        const parent = o && o.type === 1 ? parseCommitLinks(o.data).parents[0] : undefined;
        if (!parent) throw notFound('ref', { ref: rev });
        r = resolveOid(store, Buffer.from(parent), null, r.immutable);
      }
    }
    return r;
  }
  if (isSha(rev)) {
    const oid = Buffer.from(rev, 'hex');
    if (!store.hasRepoObject(repo.id, oid)) throw notFound('commit', { sha: rev.toLowerCase() });
    return resolveOid(store, oid, null, true);
  }
  const found = findRef(store, repo, rev);
  if (!found) throw notFound('ref', { ref: rev });
  return resolveOid(store, Buffer.from(found.oid, 'hex'), found.name, false);
}

/** A commit of this repo named by a full sha or a ref; throws 404/422 otherwise. */
export function resolveCommit(store: Store, repo: RepoRecord, rev: string): Buffer {
  const r = resolveRev(store, repo, rev);
  if (!r.commit) throw unprocessable('revision does not name a commit', { ref: rev });
  return r.commit;
}

/**
 * Splits "<ref>/<path>" (the router gives the first segment as `ref`, the rest as `rest`) on
 * the longest existing ref, and resolves it.
 */
export function resolveRefPath(store: Store, repo: RepoRecord, ref: string, rest: string): Resolved & { path: string } {
  rest = trimSlashes(rest);
  if (!isSha(ref) && rest !== '') {
    const segs = rest.split('/');
    // a few point reads are cheaper than a range scan for the usual shallow path
    if (segs.length <= 3 || hasRefsUnder(store, repo, `${ref}/`)) {
      for (let i = segs.length; i >= 1; i--) {
        const candidate = `${ref}/${segs.slice(0, i).join('/')}`;
        const found = findRef(store, repo, candidate);
        if (found) return { ...resolveOid(store, Buffer.from(found.oid, 'hex'), found.name, false), path: segs.slice(i).join('/') };
      }
    }
  }
  return { ...resolveRev(store, repo, ref), path: rest };
}

export function trimSlashes(p: string): string {
  let a = 0;
  let b = p.length;
  while (a < b && p.charCodeAt(a) === 0x2f) a++;
  while (b > a && p.charCodeAt(b - 1) === 0x2f) b--;
  return a === 0 && b === p.length ? p : p.slice(a, b);
}

/**
 * Finds `name` in a tree body by scanning its entries (`<octal mode> SP <name> NUL <20-byte oid>`)
 * without allocating; returns the offset of the entry's mode and of its oid, or -1.
 */
function findEntry(tree: Buffer, name: Buffer): { mode: number; oidAt: number } | null {
  const n = tree.length;
  let p = 0;
  while (p < n) {
    let mode = 0;
    while (p < n && tree[p] !== 0x20) mode = mode * 8 + (tree[p++] - 0x30);
    const start = ++p;
    const nul = tree.indexOf(0, start);
    if (nul < 0 || nul + 21 > n) throw new GitwellError('INTERNAL_ERROR', 'corrupt tree object');
    if (nul - start === name.length && tree.compare(name, 0, name.length, start, nul) === 0) return { mode, oidAt: nul + 1 };
    p = nul + 21;
  }
  return null;
}

export interface PathEntry {
  mode: number;
  /** a fresh 20-byte oid */
  oid: Buffer;
}

/** The entry at `path` under `tree` ("" is the tree itself), or null when there is none. */
export function lookupPath(store: Store, tree: Buffer, path: string): PathEntry | null {
  if (path === '') return { mode: MODE_TREE, oid: tree };
  const key = `${tree.toString('latin1')}\0${path}`;
  const hit = entries.get(key);
  return hit !== undefined ? hit : remember(entries, key, walkPath(store, tree, path));
}

function walkPath(store: Store, tree: Buffer, path: string): PathEntry | null {
  let cur: PathEntry = { mode: MODE_TREE, oid: tree };
  let from = 0;
  while (from <= path.length) {
    let to = path.indexOf('/', from);
    if (to < 0) to = path.length;
    if (!isTreeMode(cur.mode)) return null;
    const o = store.viewObject(cur.oid);
    if (!o || o.type !== 2) return null;
    const hit = findEntry(o.data, Buffer.from(path.slice(from, to), 'utf8'));
    if (!hit) return null;
    cur = { mode: hit.mode, oid: Buffer.from(o.data.subarray(hit.oidAt, hit.oidAt + 20)) };
    from = to + 1;
  }
  return cur;
}

/**
 * A path a read names (tree, blob, raw), checked as Coregit checks it (its validateFilePath):
 * no NUL, no empty, "." or ".." segment, at most 4096 characters. Slashes at either end were
 * trimmed before (Coregit refuses a trailing one; a client that sends one means the same path).
 */
export function checkReadPath(path: string): void {
  if (path === '') return;
  const bad = (why: string) => new GitwellError('VALIDATION_ERROR', `File path ${why}: ${path.slice(0, 100)}`, { field: 'path', path: path.slice(0, 4096) });
  if (path.includes('\0')) throw bad('contains null byte');
  if (path.length > 4096) throw bad('exceeds 4096 char limit');
  for (const seg of path.split('/')) {
    if (seg === '') throw bad('has empty segment');
    if (seg === '.' || seg === '..') throw bad('contains traversal');
  }
}
