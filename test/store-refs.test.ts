// Ref updates in the LMDB store (storage/lmdb.ts updateRefs): compare-and-swap on the writer
// thread under version conditions. Racing updates from one expected value: exactly one wins,
// the others are told the winner. Atomic groups land together or not at all, with their
// membership; non-atomic groups move what they can. What resolves is on disk: a store opened
// again on the same data sees it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): { store: Store; dir: string; repo: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-refs-'));
  dirs.push(dir);
  const store = openStore(dir);
  const repo = store.createRepo({ org: 'o', namespace: null, slug: 'r', visibility: 'private', defaultBranch: 'main' }).id;
  return { store, dir, repo };
}

const hex = (n: number) => n.toString(16).padStart(40, '0');
const oid = (n: number) => Buffer.from(hex(n), 'hex');

describe('updateRefs', () => {
  it('of 50 racing updates from one value exactly one wins; the others learn the winner', async () => {
    const { store, repo } = fresh();
    try {
      await store.updateRefs(repo, [{ name: 'refs/heads/main', expect: null, next: hex(1) }], [], true);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.updateRefs(repo, [{ name: 'refs/heads/main', expect: hex(1), next: hex(100 + i) }], [oid(100 + i)], true)),
      );
      const winners = results.flat().filter((r) => r.ok);
      expect(winners).toHaveLength(1);
      const now = store.getRef(repo, 'refs/heads/main')!;
      for (const r of results.flat()) if (!r.ok) expect(r.current).toBe(now);
      // only the winner's objects joined the repo
      const members = Array.from({ length: 50 }, (_, i) => store.isMember(repo, oid(100 + i)));
      expect(members.filter(Boolean)).toHaveLength(1);
      expect(hex(100 + members.indexOf(true))).toBe(now);
    } finally {
      store.close();
    }
  });

  it('an atomic group that loses one race lands nothing: no ref, no membership', async () => {
    const { store, repo } = fresh();
    try {
      await store.updateRefs(repo, [{ name: 'refs/heads/a', expect: null, next: hex(1) }], [], true);
      // queued in the same turn: a single update of `a`, and an atomic pair that also moves `a`
      const [single, pair] = await Promise.all([
        store.updateRefs(repo, [{ name: 'refs/heads/a', expect: hex(1), next: hex(2) }], [oid(2)], true),
        store.updateRefs(repo, [{ name: 'refs/heads/a', expect: hex(1), next: hex(3) }, { name: 'refs/heads/b', expect: null, next: hex(4) }], [oid(3), oid(4)], true),
      ]);
      const singleWon = single[0].ok;
      const pairWon = pair.every((r) => r.ok);
      expect(singleWon !== pairWon).toBe(true);
      if (singleWon) {
        expect(pair.every((r) => !r.ok)).toBe(true);
        expect(store.getRef(repo, 'refs/heads/b')).toBeUndefined();
        expect(store.isMember(repo, oid(4))).toBe(false);
        expect(store.getRef(repo, 'refs/heads/a')).toBe(hex(2));
      } else {
        expect(store.getRef(repo, 'refs/heads/a')).toBe(hex(3));
        expect(store.getRef(repo, 'refs/heads/b')).toBe(hex(4));
        expect(store.isMember(repo, oid(2))).toBe(false);
      }
    } finally {
      store.close();
    }
  });

  it('a non-atomic group moves what it can and reports the stale one; deletes are compare-and-swap too', async () => {
    const { store, repo } = fresh();
    try {
      await store.updateRefs(repo, [{ name: 'refs/heads/x', expect: null, next: hex(1) }, { name: 'refs/tags/t', expect: null, next: hex(9) }], [], true);
      const r = await store.updateRefs(
        repo,
        [
          { name: 'refs/heads/x', expect: hex(7), next: hex(2) }, // stale
          { name: 'refs/heads/y', expect: null, next: hex(3) },
          { name: 'refs/tags/t', expect: hex(9), next: null }, // delete
          { name: 'refs/heads/z', next: hex(5) }, // any current value
        ],
        [oid(3)],
        false,
      );
      expect(r.map((x) => x.ok)).toEqual([false, true, true, true]);
      expect(r[0]).toMatchObject({ current: hex(1), reason: 'stale old value' });
      expect(store.listRefs(repo).map((e) => `${e.name} ${e.oid}`)).toEqual([`refs/heads/x ${hex(1)}`, `refs/heads/y ${hex(3)}`, `refs/heads/z ${hex(5)}`]);
      expect(store.isMember(repo, oid(3))).toBe(true);
      const del = await store.updateRefs(repo, [{ name: 'refs/heads/y', expect: hex(4), next: null }], [], true);
      expect(del[0].ok).toBe(false);
      expect(store.getRef(repo, 'refs/heads/y')).toBe(hex(3));
    } finally {
      store.close();
    }
  });

  // regression: lmdb-js carries out a no-overwrite put even when its condition fails, and the
  // objects of a commit that lost its race were stored anyway
  it('objects given with an update are stored only if it lands', async () => {
    const { store, repo } = fresh();
    try {
      await store.updateRefs(repo, [{ name: 'refs/heads/main', expect: null, next: hex(1) }], [], true);
      const blob = (n: number) => ({ oid: oid(n), type: 3, data: Buffer.from(`content ${n}`) });
      const [a, b] = await Promise.all([
        store.updateRefs(repo, [{ name: 'refs/heads/main', expect: hex(1), next: hex(2) }], [oid(500)], true, [blob(500)]),
        store.updateRefs(repo, [{ name: 'refs/heads/main', expect: hex(1), next: hex(3) }], [oid(501)], true, [blob(501)]),
      ]);
      expect([a[0].ok, b[0].ok].filter(Boolean)).toHaveLength(1);
      expect(store.hasObject(oid(500))).toBe(a[0].ok);
      expect(store.hasObject(oid(501))).toBe(b[0].ok);
      const won = a[0].ok ? 500 : 501;
      expect(store.viewObject(oid(won))!.data.toString()).toBe(`content ${won}`);
    } finally {
      store.close();
    }
  });

  it('what has resolved is on disk: a store opened again sees every ref and member', async () => {
    const { store, dir, repo } = fresh();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.updateRefs(repo, [{ name: `refs/heads/b${i}`, expect: null, next: hex(i + 1) }], [oid(i + 1)], true)));
    store.close();
    const again = openStore(dir);
    try {
      expect(again.listRefs(repo)).toHaveLength(20);
      for (let i = 0; i < 20; i++) {
        expect(again.getRef(repo, `refs/heads/b${i}`)).toBe(hex(i + 1));
        expect(again.isMember(repo, oid(i + 1))).toBe(true);
      }
    } finally {
      again.close();
    }
  });
});
