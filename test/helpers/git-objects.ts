// An ObjectFinder over a real git repository, for tests of the pure core: commits, trees and
// tags are read at once with `git cat-file --batch`; blobs (most of a real repository's bytes)
// one by one when asked, with `git cat-file blob`, and kept.
import { execFileSync, spawnSync } from 'node:child_process';
import type { ObjectFinder } from '../../src/core/object/finder.js';
import { gitEnv } from './git.js';

const TYPES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

export interface RepoFinder extends ObjectFinder {
  /** blobs read so far */
  blobReads: number;
}

export function repoObjects(repo: string, opts: { allBlobs?: boolean } = {}): RepoFinder {
  const env = gitEnv();
  const check = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch-check', '--unordered'], { cwd: repo, env, maxBuffer: 1 << 28 }).toString();
  const wanted = check
    .split('\n')
    .filter((l) => l.length > 0 && (opts.allBlobs || !l.includes(' blob ')))
    .map((l) => l.slice(0, 40));
  const objects = new Map<string, { type: number; data: Buffer }>();
  if (wanted.length > 0) {
    const out = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, env, input: wanted.join('\n') + '\n', maxBuffer: 1 << 30 });
    for (let p = 0; p < out.length; ) {
      const nl = out.indexOf(10, p);
      const [oid, type, size] = out.toString('latin1', p, nl).split(' ');
      const start = nl + 1;
      const n = Number(size);
      objects.set(Buffer.from(oid, 'hex').toString('latin1'), { type: TYPES[type], data: out.subarray(start, start + n) });
      p = start + n + 1;
    }
  }
  const finder: RepoFinder = {
    blobReads: 0,
    get(oid) {
      const key = Buffer.from(oid).toString('latin1');
      let o = objects.get(key);
      if (!o && !opts.allBlobs) {
        const r = spawnSync('git', ['cat-file', 'blob', Buffer.from(oid).toString('hex')], { cwd: repo, env, maxBuffer: 1 << 30 });
        if (r.status !== 0) return undefined;
        finder.blobReads++;
        o = { type: 3, data: r.stdout };
        objects.set(key, o);
      }
      return o;
    },
    info(oid) {
      const o = finder.get(oid);
      return o && { type: o.type, size: o.data.length };
    },
  };
  return finder;
}
