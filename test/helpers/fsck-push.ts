// Pushes that fsck judges, and git as the oracle: hand-made commits (any path, mode and bytes,
// written with `hash-object --literally`), pushed to gitwell and to a bare git repository with
// receive.fsckObjects=true; the fsck message ids each side names.
import path from 'node:path';
import { FSCK_MSG_IDS } from '../../src/core/object/fsck-ids.js';
import { git, gitBytes, gitOk, tempDir } from './git.js';
import { packFromObjects } from './fsck.js';
import { writeBlob, writeCommit, writeTree, type TreeEntry } from './objects.js';

export interface FileSpec {
  path: string;
  /** content of a new blob, or `oid` of an existing object */
  content?: string | Buffer;
  oid?: string;
  /** '100644' unless given; a zero-padded mode ('040000') may be given for a directory with `dirMode` */
  mode?: string;
}

/**
 * A commit on `parent` (or a root commit) whose tree is the parent's plus `files`. Directories
 * on a path are made as needed; `dirMode` spells the mode of every directory written (e.g.
 * '040000', zero-padded).
 */
export async function commitWith(repo: string, parent: string | null, files: FileSpec[], opts: { dirMode?: string; message?: string } = {}): Promise<string> {
  const dirMode = opts.dirMode ?? '40000';
  interface Dir {
    entries: Map<string, TreeEntry | Dir>;
  }
  const root: Dir = { entries: new Map() };
  if (parent) {
    for (const l of (await gitOk(['ls-tree', '-z', parent], { cwd: repo })).split('\0').filter(Boolean)) {
      const [meta, name] = [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)];
      const [mode, , oid] = meta.split(' ');
      root.entries.set(name, { mode: mode === '040000' ? '40000' : mode!, name, oid: oid! });
    }
  }
  for (const f of files) {
    const segs = f.path.split('/');
    let d = root;
    for (const s of segs.slice(0, -1)) {
      let next = d.entries.get(s);
      if (!next || !('entries' in next)) {
        next = { entries: new Map() };
        d.entries.set(s, next);
      }
      d = next;
    }
    const oid = f.oid ?? (await writeBlob(repo, f.content ?? ''));
    const name = segs[segs.length - 1]!;
    d.entries.set(name, { mode: f.mode ?? '100644', name, oid });
  }
  const write = async (d: Dir): Promise<string> => {
    const entries: TreeEntry[] = [];
    for (const [name, e] of d.entries) entries.push('entries' in e ? { mode: dirMode, name, oid: await write(e) } : e);
    return writeTree(repo, entries);
  };
  const tree = await write(root);
  return writeCommit(repo, tree, parent ? [parent] : [], opts.message ?? 'fsck case');
}

/** The fsck message ids named in a push's output, in order. */
export function fsckIdsIn(text: string): string[] {
  const ids: string[] = [];
  for (const m of text.matchAll(/\b([a-z][A-Za-z0-9]+):/g)) if ((FSCK_MSG_IDS as string[]).includes(m[1]!)) ids.push(m[1]!);
  return ids;
}

export interface PushOutcome {
  accepted: boolean;
  /** what the client printed */
  output: string;
  /** fsck message ids in it */
  ids: string[];
}

export async function pushTo(url: string, from: string, commit: string, ref = 'refs/heads/main'): Promise<PushOutcome> {
  const r = await git(['push', '--porcelain', url, `${commit}:${ref}`], { cwd: from });
  const output = r.stdout + r.stderr;
  return { accepted: r.code === 0, output, ids: fsckIdsIn(output) };
}

/** A fresh bare repository that checks pushes as git does with receive.fsckObjects=true (plus `config`). */
export async function gitOracle(config: Record<string, string> = {}): Promise<string> {
  const dir = path.join(tempDir('gw-oracle-'), 'oracle.git');
  await gitOk(['init', '-q', '--bare', dir]);
  await gitOk(['config', 'receive.fsckObjects', 'true'], { cwd: dir });
  for (const [k, v] of Object.entries(config)) await gitOk(['config', k, v], { cwd: dir });
  return dir;
}

/** A pack of exactly these objects of `repo`, whole and in this order (git's pack-objects picks its own order). */
export async function packInOrder(repo: string, oids: string[]): Promise<Buffer> {
  const objects: Array<{ type: string; data: Buffer }> = [];
  for (const oid of oids) {
    const type = await gitOk(['cat-file', '-t', oid], { cwd: repo });
    objects.push({ type, data: (await gitBytes(['cat-file', type, oid], { cwd: repo })).stdout });
  }
  return packFromObjects(objects);
}
