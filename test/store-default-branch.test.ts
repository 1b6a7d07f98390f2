// The default branch taken from a repo's first branches: the rule (src/core/default-branch.ts)
// and the store applying it in the transaction of the ref updates (storage/lmdb.ts updateRefs,
// under the repo's stamp). Racing writers: the first to land decides, a later one never moves
// it, and a repo record changed or deleted meanwhile is not written back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { firstBranchesDefault } from '../src/core/default-branch.js';
import { openStore, type Store } from '../storage/index.js';

describe('firstBranchesDefault', () => {
  it.each([
    ['main', ['master'], 'master'],
    ['main', ['feature', 'master', 'main'], null],
    ['trunk', ['feature', 'master', 'main'], 'main'],
    ['trunk', ['alpha', 'master'], 'master'],
    ['main', ['dev', 'feature'], 'dev'],
    ['main', ['zeta', 'alpha'], 'zeta'],
    ['trunk', ['x', 'trunk'], null],
    ['main', [], null],
  ] as const)('configured %s, created %j: %s', (configured, created, want) => {
    expect(firstBranchesDefault(configured, created)).toBe(want);
  });
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): { store: Store; dir: string; repo: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-default-'));
  dirs.push(dir);
  const store = openStore(dir);
  const repo = store.createRepo({ org: 'o', namespace: null, slug: 'r', visibility: 'private', defaultBranch: 'main' }).id;
  return { store, dir, repo };
}

const hex = (n: number) => n.toString(16).padStart(40, '0');
const create = (name: string, n: number) => ({ name: `refs/heads/${name}`, expect: null, next: hex(n) });

describe('updateRefs and the default branch', () => {
  it('the first branches set it, on disk with the refs; later ones leave it', async () => {
    const { store, dir, repo } = fresh();
    await store.updateRefs(repo, [create('master', 1)], [], true);
    expect(store.getRepo(repo)!.defaultBranch).toBe('master');
    await store.updateRefs(repo, [create('main', 2)], [], true);
    expect(store.getRepo(repo)!.defaultBranch).toBe('master');
    store.close();
    const again = openStore(dir);
    try {
      expect(again.getRepo(repo)!.defaultBranch).toBe('master');
      expect(again.findRepo('o', null, 'r')!.defaultBranch).toBe('master');
    } finally {
      again.close();
    }
  });

  it('counts only branches the write creates: a tag, or a branch update refused as stale, does not', async () => {
    const { store, repo } = fresh();
    try {
      await store.updateRefs(repo, [{ name: 'refs/tags/v1', expect: null, next: hex(9) }], [], true);
      expect(store.getRepo(repo)!.defaultBranch).toBe('main');
      const r = await store.updateRefs(repo, [{ name: 'refs/heads/main', expect: hex(7), next: hex(1) }, create('dev', 2), create('feature', 3)], [], false);
      expect(r.map((x) => x.ok)).toEqual([false, true, true]);
      expect(store.getRepo(repo)!.defaultBranch).toBe('dev');
    } finally {
      store.close();
    }
  });

  it('the configured default among those created stays, and the record is not rewritten', async () => {
    const { store, repo } = fresh();
    try {
      const before = store.getRepo(repo)!;
      await store.updateRefs(repo, [create('feature', 1), create('main', 2)], [], true);
      expect(store.getRepo(repo)).toEqual(before);
    } finally {
      store.close();
    }
  });

  it('two first writers queued together: the first to land decides, the other is not first any more', async () => {
    for (let round = 0; round < 5; round++) {
      const { store, repo } = fresh();
      try {
        // both read an empty repo; x's writes are queued first, so x lands first
        const [x, y] = await Promise.all([store.updateRefs(repo, [create('x', 1)], [], true), store.updateRefs(repo, [create('y', 2)], [], true)]);
        expect(x[0].ok && y[0].ok).toBe(true);
        expect(store.getRepo(repo)!.defaultBranch).toBe('x');
      } finally {
        store.close();
      }
    }
  });

  it('of 20 racing first writers the default is a branch that exists', async () => {
    const { store, repo } = fresh();
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.updateRefs(repo, [create(`b${i}`, i + 1)], [], true)));
      const d = store.getRepo(repo)!.defaultBranch;
      expect(store.getRef(repo, `refs/heads/${d}`)).toBeDefined();
      expect(d).toBe('b0');
    } finally {
      store.close();
    }
  });

  it('a record changed while a first write is in flight keeps the change, and gets the default too', async () => {
    for (let round = 0; round < 5; round++) {
      const { store, repo } = fresh();
      try {
        const pending = store.updateRefs(repo, [create('master', 1)], [], true);
        store.updateRepo(repo, { visibility: 'public', description: 'changed' });
        await pending;
        expect(store.getRepo(repo)).toMatchObject({ visibility: 'public', description: 'changed', defaultBranch: 'master' });
      } finally {
        store.close();
      }
    }
  });

  it('a repo deleted while a first write is in flight stays deleted', async () => {
    const { store, repo } = fresh();
    try {
      const pending = store.updateRefs(repo, [create('master', 1)], [], true);
      store.deleteRepo(repo);
      // the write lost the race to the deletion (its stamp moved), and says so
      await expect(pending).rejects.toThrow('repo deleted');
      expect(store.listRefs(repo)).toEqual([]);
      expect(store.getRepo(repo)).toBeUndefined();
      expect(store.findRepo('o', null, 'r')).toBeUndefined();
    } finally {
      store.close();
    }
  });
});
