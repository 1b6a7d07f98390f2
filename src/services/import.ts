/**
 * `gitwell import`: a repository on disk (bare, a work tree's, or a bundle) brought into a
 * gitwell repo in this process: no HTTP, no git. Its packs go through the push's ingest
 * (fsck at the server's levels, the same records), its loose objects through a pack made of
 * them here, its branches and tags through the push's connectivity walk and one transaction
 * that sets them all. It runs beside a server on the same data dir (LMDB serialises writers).
 *
 * Refs: every branch and tag of the source is set in the repo (created when missing, moved
 * when it was elsewhere); the repo's other refs stay. A repo created here takes the branch the
 * source's HEAD names as its default.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { GitwellError } from '../core/errors.js';
import { isOidHex, oidFromHex, TYPE_CODE, type ObjectType } from '../core/oid.js';
import { looksLikeBundle, parseBundleHeader } from '../core/pack/bundle.js';
import type { IndexProgress } from '../core/pack/indexer.js';
import { PackWriter } from '../core/pack/writer.js';
import { checkPushRefName } from '../core/refname.js';
import type { Actor, RefUpdate, Store, Visibility } from '../../storage/index.js';
import type { Config } from '../config.js';
import { commitCache } from './commit-cache.js';
import { connectNewHistory, finderWith, NewObjects } from './connectivity.js';
import { readGitDir } from './git-dir.js';
import { ingestPack } from './ingest.js';
import { createRepo } from './repos.js';
import { FileSource, tempPath } from './spool.js';

export interface ImportTarget {
  org: string;
  namespace: string | null;
  slug: string;
  /** for a repo created by the import */
  visibility?: Visibility;
}

/** What the import is doing, for a progress display. */
export type ImportEvent =
  | { kind: 'start'; what: string; packs: number; loose: number; refs: number }
  | { kind: 'pack'; index: number; packs: number; bytes: number; progress: IndexProgress }
  | { kind: 'phase'; name: 'connectivity' | 'refs' }
  /** the refs moved (what a server on the data dir must be told) */
  | { kind: 'changed'; repoId: number; updates: Array<{ name: string; previous: string | null; next: string | null }> };

export interface ImportSummary {
  repo: string;
  created: boolean;
  /** branches and tags set, and how many of them moved or were new */
  refs: number;
  updated: number;
  packs: number;
  objects: number;
  deltas: number;
  /** objects that joined the repo (new to it) */
  joined: number;
  warnings: number;
  seconds: number;
}

interface Source {
  what: string;
  refs: Array<{ name: string; oid: string }>;
  head: string | null;
  prerequisites: string[];
  /** each pack: a file and where in it the pack starts */
  packs: Array<{ file: string; at: number }>;
  loose: Array<{ oid: string; file: string }>;
}

const unusable = (why: string) => new GitwellError('UNPROCESSABLE', why);

function readSource(path: string): Source {
  let st: fs.Stats;
  try {
    st = fs.statSync(path);
  } catch {
    throw new GitwellError('NOT_FOUND', `${path} does not exist`);
  }
  if (st.isFile()) {
    const fd = fs.openSync(path, 'r');
    try {
      // a bundle's header is its ref list: read more until it ends (a repo with a great many refs)
      for (let n = 64 * 1024; ; n *= 4) {
        const head = Buffer.alloc(Math.min(n, st.size));
        fs.readSync(fd, head, 0, head.length, 0);
        if (!looksLikeBundle(head)) throw unusable(`${path} is neither a git bundle nor a repository`);
        try {
          const h = parseBundleHeader(head);
          return { what: `bundle ${path}`, refs: h.refs, head: null, prerequisites: h.prerequisites, packs: [{ file: path, at: h.packAt }], loose: [] };
        } catch (e) {
          if (head.length >= st.size || n > 64 * 1024 * 1024) throw e;
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  const g = readGitDir(path);
  return {
    what: `repository ${g.gitDir}`,
    refs: [...g.refs].map(([name, oid]) => ({ name, oid })),
    head: g.head,
    prerequisites: [],
    packs: g.packs.map((file) => ({ file, at: 0 })),
    loose: g.loose,
  };
}

/** The loose objects as one pack in a temp file (deflated again: a loose object's zlib stream holds its header too). */
function packLoose(loose: Source['loose']): string {
  const file = tempPath('gitwell-import-loose');
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    const w = new PackWriter(loose.length);
    for (const { oid, file: f } of loose) {
      const raw = zlib.inflateSync(fs.readFileSync(f));
      const nul = raw.indexOf(0);
      const [type, size] = raw.toString('latin1', 0, nul < 0 ? 0 : nul).split(' ');
      const code = TYPE_CODE[type as ObjectType];
      if (nul < 0 || !code || Number(size) !== raw.length - nul - 1) throw unusable(`loose object ${oid} (${f}) is corrupt`);
      const chunk = w.add(code, raw.subarray(nul + 1));
      if (chunk) fs.writeSync(fd, chunk);
    }
    fs.writeSync(fd, w.finish());
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  return file;
}

/** `actor`: who imports (the CLI), audited with the repo's creation and the ref updates. */
export async function importRepository(
  store: Store, config: Pick<Config, 'fsck'>, sourcePath: string, target: ImportTarget, on: (e: ImportEvent) => void = () => {}, actor?: Actor,
): Promise<ImportSummary> {
  const t0 = Date.now();
  const src = readSource(sourcePath);
  // a bundle may list a ref twice (git writes a symbolic ref as its target once more)
  const byName = new Map<string, string>();
  for (const r of src.refs) {
    if (!r.name.startsWith('refs/heads/') && !r.name.startsWith('refs/tags/')) continue;
    const seen = byName.get(r.name);
    if (seen !== undefined && seen !== r.oid) throw unusable(`the source lists ${r.name} twice, as ${seen} and ${r.oid}`);
    byName.set(r.name, r.oid);
  }
  const refs = [...byName].map(([name, oid]) => ({ name, oid }));
  for (const r of refs) {
    const why = checkPushRefName(r.name);
    if (why) throw unusable(`the source's ref ${r.name} is not a valid ref name: ${why}`);
    if (!isOidHex(r.oid)) throw unusable(`the source's ref ${r.name} is not a sha1 id`);
  }
  if (refs.length === 0) throw unusable(`${src.what} has no branches or tags to import`);

  let repo = store.findRepo(target.org, target.namespace, target.slug);
  const created = !repo;
  if (!repo) {
    const headBranch = src.head && refs.some((r) => r.name === src.head) ? src.head.slice('refs/heads/'.length) : undefined;
    repo = createRepo(store, { org: target.org, namespace: target.namespace, slug: target.slug, visibility: target.visibility, defaultBranch: headBranch }, actor);
  }
  const repoId = repo.id;
  for (const p of src.prerequisites) {
    if (!store.isMember(repoId, oidFromHex(p))) throw unusable(`the bundle needs ${p}, which the repo does not have: import the bundle it continues first`);
  }

  const loosePack = src.loose.length > 0 ? packLoose(src.loose) : null;
  const packs = loosePack ? [...src.packs, { file: loosePack, at: 0 }] : src.packs;
  on({ kind: 'start', what: src.what, packs: packs.length, loose: src.loose.length, refs: refs.length });
  const fresh = new NewObjects();
  let objects = 0;
  let deltas = 0;
  let warnings = 0;
  try {
    for (const [i, p] of packs.entries()) {
      const fd = fs.openSync(p.file, 'r');
      try {
        const pack = new FileSource(fd).slice(p.at);
        const r = await ingestPack(store, repoId, pack, {
          fsck: config.fsck,
          progress: (progress) => on({ kind: 'pack', index: i, packs: packs.length, bytes: pack.size, progress }),
          alsoNew: (oid) => fresh.has(oid),
        });
        fresh.add(r.index, r.types, r.objectSizes);
        objects += r.objects;
        deltas += r.deltas;
        warnings += r.warningCount;
      } finally {
        fs.closeSync(fd);
      }
    }
  } finally {
    if (loosePack) fs.rmSync(loosePack, { force: true });
  }

  on({ kind: 'phase', name: 'connectivity' });
  const finder = finderWith(store, repoId, fresh);
  for (const r of refs) {
    const o = finder.get(oidFromHex(r.oid));
    if (!o) throw unusable(`the source's ref ${r.name} names ${r.oid}, which it does not hold`);
    if (r.name.startsWith('refs/heads/') && o.type !== 1) throw unusable(`the source's branch ${r.name} names a ${o.type === 2 ? 'tree' : o.type === 3 ? 'blob' : 'tag'}, not a commit`);
  }
  const { reached, commits } = await connectNewHistory(store, repoId, fresh, refs.map((r) => oidFromHex(r.oid)));

  on({ kind: 'phase', name: 'refs' });
  const updates: RefUpdate[] = [];
  for (const r of refs) {
    const now = store.getRef(repoId, r.name) ?? null;
    if (now !== r.oid) updates.push({ name: r.name, expect: now, next: r.oid });
  }
  if (updates.length > 0) {
    const results = await store.updateRefs(repoId, updates, reached, true, undefined, { actor });
    const lost = results.findIndex((x) => !x.ok);
    if (lost >= 0) throw new GitwellError('CONFLICT', `${updates[lost].name} changed while importing: nothing was set, import again`);
    const cache = commitCache(repoId);
    for (const c of commits) cache.set(c.oid, c);
  }
  if (created || updates.length > 0) on({ kind: 'changed', repoId, updates: updates.map((u) => ({ name: u.name, previous: u.expect ?? null, next: u.next })) });
  return {
    repo: [repo.org, repo.namespace, repo.slug].filter(Boolean).join('/'),
    created,
    refs: refs.length,
    updated: updates.length,
    packs: packs.length,
    objects,
    deltas,
    joined: reached.length,
    warnings,
    seconds: (Date.now() - t0) / 1000,
  };
}
