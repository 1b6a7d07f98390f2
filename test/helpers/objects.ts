// Hand-made objects and packs, for pushes the stock client would never produce: trees with
// `.git` or `..` entries, commits whose objects are left out of the pack.
//
//   tree  = *( mode SP name NUL 20-byte-oid ), entries sorted by name, a tree's name compared
//           as if it ended in "/"
import { expect } from 'vitest';
import type { PackSource } from '../../src/core/pack/indexer.js';
import { gitBytes, gitOk } from './git.js';

export interface TreeEntry {
  mode: string; // '100644', '100755', '120000', '40000', '160000'
  name: string;
  oid: string;
}

/** The raw bytes of a tree, in git's order; names are not checked (that is the point). */
export function treeBytes(entries: TreeEntry[]): Buffer {
  const key = (e: TreeEntry) => Buffer.from(e.name + (/^0*40000$/.test(e.mode) ? '/' : ''), 'utf8');
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  return Buffer.concat(
    sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')])),
  );
}

/** Writes a tree as-is (`hash-object --literally`, so git's own checks do not interfere). */
export function writeTree(repo: string, entries: TreeEntry[]): Promise<string> {
  return gitOk(['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { cwd: repo, input: treeBytes(entries) });
}

export function writeBlob(repo: string, data: string | Buffer): Promise<string> {
  return gitOk(['hash-object', '-w', '--stdin'], { cwd: repo, input: data });
}

export function writeCommit(repo: string, tree: string, parents: string[], message: string): Promise<string> {
  return gitOk(['commit-tree', tree, ...parents.flatMap((p) => ['-p', p]), '-m', message], { cwd: repo });
}

/** The entries of an existing tree. */
export async function readTree(repo: string, treeish: string): Promise<TreeEntry[]> {
  const out = await gitOk(['ls-tree', '-z', treeish], { cwd: repo });
  return out
    .split('\0')
    .filter(Boolean)
    .map((l) => {
      const [meta, name] = [l.slice(0, l.indexOf('\t')), l.slice(l.indexOf('\t') + 1)];
      const [mode, , oid] = meta.split(' ');
      return { mode: mode === '040000' ? '40000' : mode!, name: name!, oid: oid! };
    });
}

/** A pack of exactly these objects (no --revs: nothing is added, nothing is left out). */
export async function packOf(repo: string, oids: string[]): Promise<Buffer> {
  const r = await gitBytes(['pack-objects', '--stdout', '-q'], { cwd: repo, input: oids.join('\n') + '\n' });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** A pack of what `include` reaches and `exclude` does not (what a push would send, not thin). */
export async function packRevs(repo: string, include: string[], exclude: string[]): Promise<Buffer> {
  const input = [...include, ...exclude.map((e) => '^' + e)].join('\n') + '\n';
  const r = await gitBytes(['pack-objects', '--stdout', '-q', '--revs'], { cwd: repo, input });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

/** Deterministic pseudo-random bytes (xorshift32), for blobs that do not compress. */
export function noise(n: number, seed = 12345): Buffer {
  let s = seed >>> 0 || 1;
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b[i] = s & 0xff;
  }
  return b;
}

/** A pack in memory, read the way the spooled file is: no more than asked for, as the indexer's windows are. */
export const bufferSource = (b: Buffer, reads: Array<[number, number]> = []): PackSource => ({
  size: b.length,
  read: (offset, min, want = min) => {
    reads.push([offset, Math.max(min, want)]);
    return b.subarray(offset, offset + Math.max(min, want));
  },
});
