// The LMDB store on a disk that is really full (a small tmpfs, test/helpers/tmpfs.ts): writes
// fail as INSUFFICIENT_STORAGE and change nothing, no write promise rejects unhandled (lmdb-js
// rejects every write of a failed transaction, its own batch write among them), reads go on,
// and with room again writes work. And the mapping of errors (storage/write-failure.ts).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../storage/index.js';
import { asyncWriteError, syncWriteError } from '../storage/write-failure.js';
import { mountTmpfs, type Tmpfs } from './helpers/tmpfs.js';

const MiB = 1024 * 1024;
const probe = mountTmpfs(1);
const cannot = typeof probe === 'string' ? probe : null;
if (typeof probe !== 'string') probe.unmount();
if (cannot) console.warn(`store-disk-full: skipped: ${cannot}`);

const blob = (n: number, bytes: number) => ({ oid: crypto.createHash('sha1').update(`blob ${n}`).digest(), type: 3, data: crypto.randomBytes(bytes) });

describe('what a failed write says', () => {
  const roomy = os.tmpdir();
  it('ENOSPC, EDQUOT and MDB_MAP_FULL, by number or by name, are INSUFFICIENT_STORAGE', () => {
    for (const [code, cause] of [
      [28, 'ENOSPC'],
      [122, 'EDQUOT'],
      [-30792, 'MDB_MAP_FULL'],
      ['ENOSPC', 'ENOSPC'],
    ] as const) {
      expect(syncWriteError(Object.assign(new Error('x'), { code }), roomy), String(code)).toMatchObject({ code: 'INSUFFICIENT_STORAGE', details: { cause } });
    }
  });

  it('EIO is a full disk only on a disk with next to nothing left; other errors stay as they are', () => {
    const eio = Object.assign(new Error('Input/output error'), { code: 5 });
    expect(syncWriteError(eio, roomy)).toBe(eio);
    const bug = new TypeError('not a storage error');
    expect(syncWriteError(bug, roomy)).toBe(bug);
  });

  it("an async commit's cause is read from lmdb-js's commitError", async () => {
    const cause = Promise.reject(Object.assign(new Error('No space left on device'), { code: 28 }));
    cause.catch(() => {});
    const e = Object.assign(new Error('Commit failed (see commitError for details)'), { commitError: cause });
    expect(await asyncWriteError(e, roomy)).toMatchObject({ code: 'INSUFFICIENT_STORAGE', details: { cause: 'ENOSPC' } });
  });
});

describe.skipIf(cannot !== null)('the LMDB store on a full disk (an 8 MiB tmpfs)', () => {
  let disk: Tmpfs | undefined;
  afterEach(() => {
    disk?.unmount();
    disk = undefined;
  });

  it('writes fail as INSUFFICIENT_STORAGE and change nothing; reads go on; with room again writes work', async () => {
    const unhandled: unknown[] = [];
    const hear = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', hear);
    disk = mountTmpfs(8) as Tmpfs;
    const store = openStore(path.join(disk.dir, 'data'));
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'r', visibility: 'private', defaultBranch: 'main' }).id;
      const first = blob(1, 1000);
      await store.updateRefs(repo, [{ name: 'refs/heads/main', expect: null, next: 'a'.repeat(40) }], [first.oid], true, [first]);
      const ballast = disk.fill(0);

      const big = blob(2, 2 * MiB);
      await expect(store.putObjectsAsync([big])).rejects.toMatchObject({ code: 'INSUFFICIENT_STORAGE' });
      const bigger = blob(3, 3 * MiB);
      await expect(store.updateRefs(repo, [{ name: 'refs/heads/main', expect: 'a'.repeat(40), next: 'b'.repeat(40) }], [bigger.oid], true, [bigger])).rejects.toMatchObject({
        code: 'INSUFFICIENT_STORAGE',
      });
      // nothing moved, nothing joined; what was there reads as before
      expect(store.getRef(repo, 'refs/heads/main')).toBe('a'.repeat(40));
      expect(store.hasObject(bigger.oid)).toBe(false);
      expect(store.isMember(repo, bigger.oid)).toBe(false);
      expect(store.getObject(first.oid)!.data.equals(first.data)).toBe(true);
      // lmdb-js settles its failed batch's promises after its callback: give them their turns
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);

      fs.rmSync(ballast);
      const r = await store.updateRefs(repo, [{ name: 'refs/heads/main', expect: 'a'.repeat(40), next: 'b'.repeat(40) }], [bigger.oid], true, [bigger]);
      expect(r[0].ok).toBe(true);
      expect(store.getObject(bigger.oid)!.data.equals(bigger.data)).toBe(true);
      expect(store.isMember(repo, bigger.oid)).toBe(true);
    } finally {
      store.close();
      process.off('unhandledRejection', hear);
    }
  });
});
