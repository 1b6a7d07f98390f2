// The object store over real LMDB: the record format (storage/object-record.ts), blobs kept only
// as their pack entry and resolved on read through long delta chains
// (core/pack/chain.ts), ingest with a base cache too small to hold anything (every base computed
// again from the pack), two ingests of the same objects in different deltas at once, and a data
// dir of another store format refused. git is the oracle for every object's type and bytes.
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPack } from '../src/core/pack/indexer.js';
import { ingestPackFile } from '../src/services/ingest.js';
import { openStore, type Store } from '../storage/index.js';
import { encodeRecord, recordContent, recordDepth, recordEntry, recordInfo } from '../storage/object-record.js';
import { gitBytes, gitOk, lines, tempDir, removeTempDirs } from './helpers/git.js';
import { bufferSource, noise } from './helpers/objects.js';

const TYPE = { commit: 1, tree: 2, blob: 3, tag: 4 } as Record<string, number>;

describe('object records', () => {
  const oid = Buffer.alloc(20, 7);
  const base = Buffer.alloc(20, 9);
  const z = Buffer.from('zlib stream bytes');

  it('a tree with its delta entry keeps both: content and entry read back exactly', () => {
    const data = Buffer.from('100644 a\0' + 'x'.repeat(20));
    const v = encodeRecord({ oid, type: 2, data, packed: { type: 2, size: 11, base, depth: 7, z } });
    expect(recordInfo(v)).toEqual({ type: 2, size: data.length });
    expect(recordContent(v)!.equals(data)).toBe(true);
    const e = recordEntry(v)!;
    expect({ type: e.type, size: e.size, depth: e.depth }).toEqual({ type: 2, size: 11, depth: 7 });
    expect(e.base!.equals(base)).toBe(true);
    expect(e.z.equals(z)).toBe(true);
    expect(recordDepth(v)).toBe(7);
  });

  it('a blob from a pack keeps only its entry; from the API (no entry) it is whole', () => {
    const data = Buffer.from('hello blob\n');
    const packed = encodeRecord({ oid, type: 3, data, packed: { type: 3, size: 30, base: null, depth: 0, z } });
    expect(recordInfo(packed)).toEqual({ type: 3, size: data.length });
    expect(recordContent(packed)).toBeNull();
    expect(recordEntry(packed)!.base).toBeNull();
    expect(recordEntry(packed)!.z.equals(z)).toBe(true);
    expect(packed.length).toBe(15 + z.length);
    const api = encodeRecord({ oid, type: 3, data });
    expect(recordContent(api)!.equals(data)).toBe(true);
    expect(recordEntry(api)).toBeUndefined();
    expect(recordDepth(api)).toBe(0);
    // the empty blob is whole even from a pack: there is nothing to resolve
    const empty = encodeRecord({ oid, type: 3, data: Buffer.alloc(0), packed: { type: 3, size: 0, base: null, depth: 0, z } });
    expect(recordContent(empty)!.length).toBe(0);
  });

  it('sizes past 32 bits survive', () => {
    const v = encodeRecord({ oid, type: 3, data: Buffer.alloc(3), packed: { type: 3, size: 2 ** 40 + 5, base, depth: 50, z } });
    expect(recordEntry(v)!.size).toBe(2 ** 40 + 5);
  });
});

/** A repo whose files have long histories, repacked so that delta chains reach depth 50. */
async function deepRepo(dir: string): Promise<void> {
  await gitOk(['init', '-q', '-b', 'main', dir]);
  let text = '';
  const bin = noise(64 * 1024, 99);
  for (let i = 0; i < 90; i++) {
    text += `line ${i}: ${'word '.repeat(i % 7)}\n`;
    fs.writeFileSync(path.join(dir, 'grows.txt'), text);
    fs.writeFileSync(path.join(dir, `small-${i % 5}.txt`), `version ${i}\n`);
    bin.writeUInt32BE(i, (i * 997) % (bin.length - 4));
    fs.writeFileSync(path.join(dir, 'asset.bin'), bin);
    if (i === 3) fs.writeFileSync(path.join(dir, 'empty'), '');
    await gitOk(['add', '-A'], { cwd: dir });
    await gitOk(['commit', '-qm', `c${i}`], { cwd: dir });
  }
  await gitOk(['tag', '-a', 'v1', '-m', 'tag'], { cwd: dir });
  await gitOk(['repack', '-adfq', '--depth=50', '--window=250'], { cwd: dir });
}

function packPath(dir: string): string {
  const packs = path.join(dir, '.git', 'objects', 'pack');
  return path.join(packs, fs.readdirSync(packs).find((f) => f.endsWith('.pack'))!);
}

/** Every object of `dir` as git has it: oid → {type, bytes}. */
async function gitObjects(dir: string): Promise<Map<string, { type: number; data: Buffer }>> {
  const ids = lines(await gitOk(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: dir }));
  const out = (await gitBytes(['cat-file', '--batch'], { cwd: dir, input: ids.join('\n') + '\n' })).stdout;
  const m = new Map<string, { type: number; data: Buffer }>();
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    const [oid, type, size] = out.toString('latin1', at, nl).split(' ');
    const data = out.subarray(nl + 1, nl + 1 + Number(size));
    m.set(oid, { type: TYPE[type], data: Buffer.from(data) });
    at = nl + 1 + Number(size) + 1;
  }
  return m;
}

function expectSameObjects(store: Store, want: Map<string, { type: number; data: Buffer }>): void {
  for (const [oid, o] of want) {
    const id = Buffer.from(oid, 'hex');
    const got = store.viewObject(id);
    expect(got, oid).toBeDefined();
    expect(got!.type, oid).toBe(o.type);
    expect(Buffer.compare(got!.data, o.data), oid).toBe(0);
    expect(store.objectInfo(id), oid).toEqual({ type: o.type, size: o.data.length });
  }
}

describe('blobs kept as pack entries', () => {
  let src: string;
  let want: Map<string, { type: number; data: Buffer }>;
  beforeAll(async () => {
    src = tempDir('gw-deep-');
    await deepRepo(src);
    want = await gitObjects(src);
  }, 120_000);
  afterAll(() => removeTempDirs());

  it('every object reads back as git has it, through delta chains more than 20 deep', async () => {
    const store = openStore(tempDir('gw-store-'));
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'deep', visibility: 'private', defaultBranch: 'main' });
      const r = await ingestPackFile(store, repo.id, packPath(src));
      expect(r.objects).toBe(want.size);
      const depths = [...want.keys()].map((oid) => store.packedDepth(Buffer.from(oid, 'hex')));
      expect(Math.max(...depths)).toBeGreaterThan(20);
      expectSameObjects(store, want);
      // a second pass, now partly from the resolved-object cache, is just as exact
      expectSameObjects(store, want);
    } finally {
      store.close();
    }
  });

  it('an owned copy is the caller’s: writing into it changes nothing stored', async () => {
    const dir = tempDir('gw-store-');
    const store = openStore(dir);
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'deep', visibility: 'private', defaultBranch: 'main' });
      await ingestPackFile(store, repo.id, packPath(src));
      const blob = [...want].find(([, o]) => o.type === 3 && o.data.length > 100)!;
      const id = Buffer.from(blob[0], 'hex');
      const copy = store.getObject(id)!;
      copy.data.fill(0);
      expect(store.viewObject(id)!.data.equals(blob[1].data)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('ingest with a base cache too small for any base computes each again from the pack', async () => {
    const pack = fs.readFileSync(packPath(src));
    const seen = new Map<string, Buffer>();
    const r = await indexPack(bufferSource(pack), {
      baseCacheBytes: 64,
      deltaKeepBytes: 0,
      sink(oid, type, data) {
        seen.set(oid.toString('hex'), Buffer.from(data));
      },
    });
    expect(r.deltas).toBeGreaterThan(100);
    expect(seen.size).toBe(want.size);
    for (const [oid, o] of want) expect(seen.get(oid)?.equals(o.data), oid).toBe(true);
  });

  // regression: deciding whether a blob may go to scratch memory asked for its oid before
  // it was hashed, which threw on any pack with REF_DELTAs (an internal error on a thin push)
  it('a pack of REF_DELTAs (no offsets) ingests to the same objects, with a large cache and a tiny one', async () => {
    const revs = await gitOk(['rev-list', '--objects', '--all'], { cwd: src });
    const pack = (await gitBytes(['pack-objects', '--stdout', '-q'], { cwd: src, input: lines(revs).map((l) => l.slice(0, 40)).join('\n') + '\n' })).stdout;
    for (const baseCacheBytes of [64 * 1024 * 1024, 64]) {
      const seen = new Map<string, Buffer>();
      const r = await indexPack(bufferSource(pack), {
        baseCacheBytes,
        sink(oid, type, data) {
          seen.set(oid.toString('hex'), Buffer.from(data));
        },
      });
      expect(r.deltas).toBeGreaterThan(100);
      expect(seen.size).toBe(want.size);
      for (const [oid, o] of want) expect(seen.get(oid)?.equals(o.data), oid).toBe(true);
    }
  });

  it('two ingests of the same objects in different deltas, at once, leave every object readable', async () => {
    // a second pack of the same objects with other delta choices (short chains, other bases)
    const other = tempDir('gw-other-');
    await gitOk(['clone', '-q', '--bare', '--no-local', src, other]);
    await gitOk(['repack', '-adfq', '--depth=3', '--window=3'], { cwd: other });
    const otherPack = path.join(other, 'objects', 'pack', fs.readdirSync(path.join(other, 'objects', 'pack')).find((f) => f.endsWith('.pack'))!);
    const store = openStore(tempDir('gw-store-'));
    try {
      const a = store.createRepo({ org: 'o', namespace: null, slug: 'a', visibility: 'private', defaultBranch: 'main' });
      const b = store.createRepo({ org: 'o', namespace: null, slug: 'b', visibility: 'private', defaultBranch: 'main' });
      await Promise.all([ingestPackFile(store, a.id, packPath(src)), ingestPackFile(store, b.id, otherPack)]);
      expectSameObjects(store, want);
    } finally {
      store.close();
    }
  });
});

describe('the object writer', () => {
  it('writes a batch once committed, each object only if absent: a second record for an id never replaces the first', async () => {
    const dir = tempDir('gw-writer-');
    const store = openStore(dir);
    try {
      const w = store.objectWriter();
      const first = Buffer.from('first content\n');
      const oid = Buffer.alloc(20, 3);
      const others = Array.from({ length: 5000 }, (_, i) => ({ oid: Buffer.alloc(20, 0).fill(i % 256, 0, 1).fill((i >> 8) % 256, 1, 2).fill(9, 2), data: Buffer.from(`blob ${i}\n`) }));
      let bytes = w.add({ oid, type: 3, data: first });
      for (const o of others) bytes += w.add({ oid: o.oid, type: 3, data: o.data });
      expect(bytes).toBeGreaterThan(5000 * 7);
      await w.flush();
      expect(store.getObject(oid)!.data.equals(first)).toBe(true);
      for (const o of others.slice(0, 50)) expect(store.getObject(o.oid)!.data.equals(o.data)).toBe(true);
      // the same id again, as a blob of other bytes and as a tree: the first record stays
      w.add({ oid, type: 3, data: Buffer.from('second, longer content\n') });
      w.add({ oid, type: 2, data: Buffer.from('100644 a\0' + 'y'.repeat(20)) });
      await w.flush();
      expect(store.objectInfo(oid)).toEqual({ type: 3, size: first.length });
      expect(store.getObject(oid)!.data.equals(first)).toBe(true);
      // nothing held: a flush is a no-op
      await w.flush();
    } finally {
      store.close();
    }
  });
});

describe('large records', () => {
  afterAll(() => removeTempDirs());

  // regression: lmdb-js hands values of 16 MiB and more over as a plain Uint8Array over its
  // map (no readUInt16BE), and reading an incompressible pushed blob threw: a 500 on /raw
  it('an incompressible blob past 16 MiB, kept as its entry, reads back whole, with its type and size', async () => {
    const src = tempDir('gw-large-');
    await gitOk(['init', '-q', '-b', 'main', src]);
    fs.writeFileSync(path.join(src, 'random.bin'), noise(17 * 1024 * 1024, 4242));
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['commit', '-qm', 'large'], { cwd: src });
    await gitOk(['repack', '-adq'], { cwd: src });
    const want = await gitObjects(src);
    const store = openStore(tempDir('gw-store-'));
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'large', visibility: 'private', defaultBranch: 'main' });
      await ingestPackFile(store, repo.id, packPath(src));
      expectSameObjects(store, want);
      for (const [oid, o] of want) if (o.type === 3) expect(store.viewPacked(Buffer.from(oid, 'hex')), oid).toBeDefined();
    } finally {
      store.close();
    }
  });
});

describe('data dirs', () => {
  // regression: lmdb-js took a dot in the name for a file extension and opened <dir> as a
  // file (mktemp -d names have dots)
  it('opens a data dir whose name has a dot, as a directory holding the store', async () => {
    const dir = path.join(tempDir('gw-dotted-'), 'data.v2.store');
    const store = openStore(dir);
    try {
      const w = store.objectWriter();
      w.add({ oid: Buffer.alloc(20, 1), type: 3, data: Buffer.from('x\n') });
      await w.flush();
    } finally {
      store.close();
    }
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['data.mdb', 'lock.mdb']);
    const again = openStore(dir);
    expect(again.getObject(Buffer.alloc(20, 1))!.data.toString()).toBe('x\n');
    again.close();
  });
});

describe('store format', () => {
  it('a data dir written in another format is refused with a clear error, and loses nothing', () => {
    const dir = tempDir('gw-format-');
    // a record of format 1 (a loose object), written straight through lmdb as an old gitwell did
    const env = open({ path: dir, maxDbs: 16, compression: false });
    const objects = env.openDB({ name: 'objects', encoding: 'binary', keyEncoding: 'binary' });
    objects.putSync(Buffer.alloc(20, 1), Buffer.from('blob 3\0abc', 'latin1'));
    env.close();
    expect(() => openStore(dir)).toThrow(/format 1.*reads format 3/);
    expect(() => openStore(dir)).toThrow(/format 1/);
    const again = open({ path: dir, maxDbs: 16, compression: false });
    const kept = again.openDB({ name: 'objects', encoding: 'binary', keyEncoding: 'binary' }).get(Buffer.alloc(20, 1));
    again.close();
    expect(kept?.toString('latin1')).toBe('blob 3\0abc');
  });

  it('a data dir of format 2 (refs without versions) is refused too', () => {
    const dir = tempDir('gw-format-');
    const env = open({ path: dir, maxDbs: 16, compression: false });
    env.openDB({ name: 'meta', encoding: 'msgpack' }).putSync('format', 2);
    env.openDB({ name: 'refs', encoding: 'string' }).putSync('1:refs/heads/main', 'a'.repeat(40));
    env.close();
    expect(() => openStore(dir)).toThrow(/format 2.*reads format 3/);
  });

  it('a new data dir is marked, and opens again', async () => {
    const dir = tempDir('gw-format-');
    openStore(dir).close();
    const s = openStore(dir);
    s.close();
  });
});
