/**
 * The WASM core (src/wasm.ts) against its plain-TS reference (test/wasm-reference.ts):
 * one conformance suite run against both, agreement on seeded random and mutated inputs,
 * and real packs, commits and trees made by the git CLI.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import * as R from './wasm-reference.js';
import type { EntryHeader, TreeEntry } from '../src/wasm.js';

// Build the core when it is missing or older than its sources, then load it.
const root = fileURLToPath(new URL('..', import.meta.url));
{
  const out = join(root, 'wasm/build/gitwell.wasm');
  const srcDir = join(root, 'wasm/assembly');
  const sources = [...readdirSync(srcDir).map((f) => join(srcDir, f)), join(root, 'wasm/asconfig.json')];
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    execFileSync(join(root, 'node_modules/.bin/asc'), ['wasm/assembly/index.ts', '--config', 'wasm/asconfig.json', '--target', 'release'], { cwd: root, stdio: 'inherit' });
  }
}
const W = await import('../src/wasm.js');

// --- helpers ------------------------------------------------------------------------------

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randInt = (r: () => number, n: number) => Math.floor(r() * n);
function randBytes(r: () => number, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = randInt(r, 256);
  return b;
}

/** 'ok:' + JSON of the result, or the thrown error's code. Both implementations must match. */
function outcome(f: () => unknown): string {
  try {
    return 'ok:' + JSON.stringify(f(), (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v));
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (!code) throw e;
    return 'err:' + code;
  }
}

/** Buffer equality without vitest's slow element-wise diff. */
function expectSame(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  expect(Buffer.compare(a, b)).toBe(0);
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return undefined;
}

function encEntryHeader(type: number, size: number): number[] {
  const out = [(type << 4) | (size % 16)];
  size = Math.floor(size / 16);
  while (size > 0) {
    out[out.length - 1] |= 0x80;
    out.push(size % 128);
    size = Math.floor(size / 128);
  }
  return out;
}
function encOfs(ofs: number): number[] {
  const out = [ofs % 128];
  ofs = Math.floor(ofs / 128);
  while (ofs > 0) {
    ofs -= 1;
    out.unshift(0x80 | (ofs % 128));
    ofs = Math.floor(ofs / 128);
  }
  return out;
}
function encVarint(v: number): number[] {
  const out: number[] = [];
  do {
    out.push((v % 128) | (v >= 128 ? 0x80 : 0));
    v = Math.floor(v / 128);
  } while (v > 0);
  return out;
}

type Op = { copy: [number, number] } | { insert: Buffer };
/** Encodes a delta; `padded` writes zero argument bytes explicitly (valid, non-minimal). */
function encDelta(baseSize: number, resultSize: number, ops: Op[], padded = false): Buffer {
  const out = [...encVarint(baseSize), ...encVarint(resultSize)];
  for (const op of ops) {
    if ('insert' in op) {
      out.push(op.insert.length, ...op.insert);
      continue;
    }
    const [off, size] = op.copy;
    let c = 0x80;
    const args: number[] = [];
    for (let i = 0; i < 4; i++) {
      const byte = Math.floor(off / 2 ** (8 * i)) & 0xff;
      if (byte || padded) { c |= 1 << i; args.push(byte); }
    }
    const s = size === 0x10000 && !padded ? 0 : size;
    for (let i = 0; i < 3; i++) {
      const byte = (s >> (8 * i)) & 0xff;
      if (byte || (padded && s < 0x10000 && i === 0)) { c |= 0x10 << i; args.push(byte); }
    }
    out.push(c, ...args);
  }
  return Buffer.from(out);
}
function runOps(base: Buffer, ops: Op[]): Buffer {
  return Buffer.concat(ops.map((op) => ('insert' in op ? op.insert : base.subarray(op.copy[0], op.copy[0] + op.copy[1]))));
}
function randOps(r: () => number, base: Buffer, count: number): Op[] {
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    if (base.length === 0 || r() < 0.4) {
      ops.push({ insert: randBytes(r, 1 + randInt(r, 127)) });
    } else {
      const big = r() < 0.1 && base.length >= 0x10000;
      const size = big ? 0x10000 : 1 + randInt(r, Math.min(base.length, 3000));
      ops.push({ copy: [randInt(r, base.length - size + 1), size] });
    }
  }
  return ops;
}

function treeBytes(entries: Array<[string, string, Buffer]>): Buffer {
  return Buffer.concat(entries.map(([mode, name, oid]) => Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'latin1'), oid])));
}
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const oidOf = (i: number) => createHash('sha1').update(String(i)).digest();

// --- the conformance suite: the same cases against both implementations -------------------

interface Core {
  name: string;
  parseEntryHeader(pack: Uint8Array, offset: number, packOffset?: number): EntryHeader;
  deltaSizes(delta: Uint8Array): { baseSize: number; resultSize: number };
  applyDelta(base: Uint8Array, delta: Uint8Array): Buffer;
  parseTree(data: Uint8Array): Array<TreeEntry & { zeroPadded: boolean }>;
  parseCommitLinks(data: Uint8Array): { tree: Buffer; parents: Buffer[]; commitTime: number };
}
const wasmCore: Core = { name: 'wasm', ...W };
const refCore: Core = {
  name: 'reference',
  parseEntryHeader: R.refParseEntryHeader,
  deltaSizes: R.refDeltaSizes,
  applyDelta: R.refApplyDelta,
  parseTree: R.refParseTree,
  parseCommitLinks: R.refParseCommitLinks,
};

describe.each([wasmCore, refCore])('core conformance: $name', (core) => {
  describe('parseEntryHeader', () => {
    const pad = Buffer.alloc(40);
    it('parses small and multi-byte sizes', () => {
      expect(core.parseEntryHeader(Buffer.from([0x3a, 0x78, 0x9c]), 0)).toEqual({ type: 3, size: 10, headerLength: 1, baseOffset: -1 });
      expect(core.parseEntryHeader(Buffer.from([0x95, 0x0a, 0x78]), 0)).toEqual({ type: 1, size: 5 + (10 << 4), headerLength: 2, baseOffset: -1 });
      const h = Buffer.from([...encEntryHeader(2, 2 ** 40 + 12345), 0]);
      expect(core.parseEntryHeader(h, 0)).toEqual({ type: 2, size: 2 ** 40 + 12345, headerLength: h.length - 1, baseOffset: -1 });
      const max = Buffer.from([...encEntryHeader(4, Number.MAX_SAFE_INTEGER)]);
      expect(core.parseEntryHeader(max, 0).size).toBe(Number.MAX_SAFE_INTEGER);
    });
    it('parses OFS_DELTA and REF_DELTA bases', () => {
      const pack = Buffer.concat([pad, Buffer.from([0x65, ...encOfs(28)]), Buffer.alloc(8)]);
      expect(core.parseEntryHeader(pack, 40)).toEqual({ type: 6, size: 5, headerLength: 2, baseOffset: 12 });
      const far = Buffer.concat([Buffer.alloc(20000), Buffer.from([0xe5, 0x01, ...encOfs(19000)])]);
      expect(core.parseEntryHeader(far, 20000)).toEqual({ type: 6, size: 21, headerLength: 2 + encOfs(19000).length, baseOffset: 1000 });
      const oid = oidOf(1);
      const ref = Buffer.concat([pad, Buffer.from([0x7f]), oid, Buffer.from([0x78])]);
      const h = core.parseEntryHeader(ref, 40);
      expect(h).toEqual({ type: 7, size: 15, headerLength: 21, baseOffset: -1 });
      expect(ref.subarray(40 + h.headerLength - 20, 40 + h.headerLength)).toEqual(oid);
    });
    it('computes the base of an entry read through a window of the pack', () => {
      const win = Buffer.from([0x65, ...encOfs(5000), 0x78, 0x9c]);
      expect(core.parseEntryHeader(win, 0, 9000)).toEqual({ type: 6, size: 5, headerLength: 1 + encOfs(5000).length, baseOffset: 4000 });
      expect(codeOf(() => core.parseEntryHeader(win, 0, 5011))).toBe('BAD_ENTRY_HEADER'); // base 11
      expect(core.parseEntryHeader(Buffer.concat([Buffer.alloc(3), win]), 3, 9000).baseOffset).toBe(4000);
    });
    it('rejects bad types, truncation, overflow, and bases outside the pack', () => {
      const bad = (b: number[], off = 0, pre = 0) => codeOf(() => core.parseEntryHeader(Buffer.concat([Buffer.alloc(pre), Buffer.from(b)]), off + pre));
      expect(bad([0x0a])).toBe('BAD_ENTRY_HEADER'); // type 0
      expect(bad([0x5a])).toBe('BAD_ENTRY_HEADER'); // type 5
      expect(bad([0x9a])).toBe('BAD_ENTRY_HEADER'); // size continues past the end
      expect(bad([0x9a, 0x80, 0x80])).toBe('BAD_ENTRY_HEADER');
      expect(bad([0x9a, ...Array(9).fill(0x80), 0])).toBe('BAD_ENTRY_HEADER'); // too many size bytes
      expect(bad([0x9f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])).toBe('BAD_ENTRY_HEADER'); // > 2^53
      expect(bad([0x6a], 0, 40)).toBe('BAD_ENTRY_HEADER'); // ofs missing
      expect(bad([0x6a, 0x81], 0, 40)).toBe('BAD_ENTRY_HEADER'); // ofs truncated
      expect(bad([0x6a, 0x00], 0, 40)).toBe('BAD_ENTRY_HEADER'); // base == offset
      expect(bad([0x6a, 29], 0, 40)).toBe('BAD_ENTRY_HEADER'); // base 11 < 12
      expect(bad([0x6a, 41], 0, 40)).toBe('BAD_ENTRY_HEADER'); // base before 0
      expect(bad([0x6a, ...Array(9).fill(0xff), 0x7f], 0, 40)).toBe('BAD_ENTRY_HEADER'); // ofs overflow
      expect(bad([0x7a, ...Array(19).fill(1)], 0, 40)).toBe('BAD_ENTRY_HEADER'); // ref oid truncated
      expect(bad([0x3a], 1)).toBe('BAD_ENTRY_HEADER'); // offset past the end
      expect(bad([0x3a], -1)).toBe('BAD_ENTRY_HEADER');
      expect(bad([0x3a, 0x3a], 0.5)).toBe('BAD_ENTRY_HEADER');
      expect(codeOf(() => core.parseEntryHeader(new Uint8Array(0), 0))).toBe('BAD_ENTRY_HEADER');
    });
    it('round-trips seeded random headers', () => {
      const r = rng(1);
      const pack = new Uint8Array((1 << 20) + 64);
      for (let i = 0; i < 2000; i++) {
        const type = [1, 2, 3, 4, 6, 7][randInt(r, 6)];
        const size = r() < 0.5 ? randInt(r, 1 << 20) : Math.floor(r() * Number.MAX_SAFE_INTEGER);
        const offset = 13 + randInt(r, 1 << 20);
        const ofs = 1 + randInt(r, offset - 12);
        const bytes = [...encEntryHeader(type, size), ...(type === 6 ? encOfs(ofs) : []), ...(type === 7 ? [...oidOf(i)] : [])];
        pack.set(bytes, offset);
        expect(core.parseEntryHeader(pack, offset)).toEqual({
          type, size, headerLength: bytes.length, baseOffset: type === 6 ? offset - ofs : -1,
        });
      }
    });
  });

  describe('deltas', () => {
    const base = Buffer.from('the quick brown fox jumps over the lazy dog');
    it('applies copies and inserts', () => {
      const ops: Op[] = [{ copy: [4, 6] }, { insert: Buffer.from('red') }, { copy: [15, 28] }];
      const d = encDelta(base.length, 37, ops);
      expect(core.deltaSizes(d)).toEqual({ baseSize: base.length, resultSize: 37 });
      expect(core.applyDelta(base, d).toString()).toBe('quick red fox jumps over the lazy dog');
      expect(core.applyDelta(base, encDelta(base.length, 37, ops, true)).toString()).toBe('quick red fox jumps over the lazy dog');
    });
    it('treats copy size 0 as 0x10000 and reads 4-byte offsets', () => {
      const big = randBytes(rng(2), 0x10000 + 100);
      const d = encDelta(big.length, 0x10000 + 3, [{ copy: [50, 0x10000] }, { copy: [0, 3] }]);
      expect(d[encVarint(big.length).length + encVarint(0x10003).length]).toBe(0x81); // offset byte only: size 0
      expectSame(core.applyDelta(big, d), Buffer.concat([big.subarray(50, 50 + 0x10000), big.subarray(0, 3)]));
      const d4 = Buffer.from([...encVarint(big.length), 4, 0x8f | 0x10, 7, 0, 0, 0, 4]); // all 4 offset bytes
      expect(core.applyDelta(big, d4)).toEqual(big.subarray(7, 11));
    });
    it('handles empty results and an empty base', () => {
      expect(core.applyDelta(base, Buffer.from([base.length, 0]))).toEqual(Buffer.alloc(0));
      expect(core.applyDelta(Buffer.alloc(0), Buffer.from([0, 2, 2, 0x68, 0x69])).toString()).toBe('hi');
    });
    it('rejects malformed deltas', () => {
      const bad = (d: number[], b: Uint8Array = base) => codeOf(() => core.applyDelta(b, Buffer.from(d)));
      const L = base.length;
      expect(bad([])).toBe('BAD_DELTA');
      expect(bad([L])).toBe('BAD_DELTA'); // no result size
      expect(bad([0x80 | L])).toBe('BAD_DELTA'); // truncated varint
      expect(bad([L + 1, 1, 0x91, 0, 1])).toBe('BAD_DELTA'); // base size mismatch
      expect(bad([L, 1, 0x00])).toBe('BAD_DELTA'); // reserved opcode 0
      expect(bad([L, 2, 0x91, L - 1, 2])).toBe('BAD_DELTA'); // copy past the base
      expect(bad([L, 2, 0x98, 0xff, 1])).toBe('BAD_DELTA'); // offset byte 3 -> far out of the base
      expect(bad([L, 1, 0x91, 0, 2])).toBe('BAD_DELTA'); // copy past the result
      expect(bad([L, 3, 0x91, 0, 2])).toBe('BAD_DELTA'); // result too short
      expect(bad([L, 3, 3, 0x61])).toBe('BAD_DELTA'); // insert truncated
      expect(bad([L, 1, 2, 0x61, 0x62])).toBe('BAD_DELTA'); // insert past the result
      expect(bad([L, 2, 0x93, 0])).toBe('BAD_DELTA'); // copy arguments truncated
      expect(bad([L, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).toBe('BAD_DELTA'); // huge result size
      expect(bad([L, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x91, 0, 1])).toBe('BAD_DELTA'); // declares 4 GiB, makes 1 byte
      expect(codeOf(() => core.deltaSizes(Buffer.from([0x80])))).toBe('BAD_DELTA');
    });
  });

  describe('parseTree', () => {
    const o1 = oidOf(1), o2 = oidOf(2), o3 = oidOf(3);
    it('parses entries, modes and zero padding', () => {
      const t = treeBytes([['100644', 'a.txt', o1], ['040000', 'dir with space', o2], ['160000', 'sub', o3], ['120000', 'l\xe9', o1]]);
      const e = core.parseTree(t);
      expect(e.map((x) => [x.mode, x.name.toString('latin1'), hex(x.oid), x.zeroPadded])).toEqual([
        [0o100644, 'a.txt', hex(o1), false],
        [0o40000, 'dir with space', hex(o2), true],
        [0o160000, 'sub', hex(o3), false],
        [0o120000, 'l\xe9', hex(o1), false],
      ]);
      expect(core.parseTree(new Uint8Array(0))).toEqual([]);
    });
    it('returns views into the input', () => {
      const t = treeBytes([['100644', 'x', o1]]);
      const [e] = core.parseTree(t);
      expect(e.name.buffer).toBe(t.buffer);
      expect(e.oid.buffer).toBe(t.buffer);
      // a plain Uint8Array input works too
      const u = new Uint8Array(t);
      expect(core.parseTree(u)[0].oid.buffer).toBe(u.buffer);
    });
    it('rejects malformed trees', () => {
      const bad = (b: Buffer) => codeOf(() => core.parseTree(b));
      expect(bad(treeBytes([['', 'a', o1]]))).toBe('BAD_TREE'); // empty mode
      expect(bad(treeBytes([['100648', 'a', o1]]))).toBe('BAD_TREE'); // non-octal
      expect(bad(treeBytes([['1006a4', 'a', o1]]))).toBe('BAD_TREE');
      expect(bad(Buffer.from('100644'))).toBe('BAD_TREE'); // missing space
      expect(bad(Buffer.from('100644 abc'))).toBe('BAD_TREE'); // missing NUL
      expect(bad(treeBytes([['100644', '', o1]]))).toBe('BAD_TREE'); // empty name
      expect(bad(treeBytes([['100644', 'a', o1]]).subarray(0, 27))).toBe('BAD_TREE'); // truncated oid
      expect(bad(Buffer.concat([treeBytes([['100644', 'a', o1]]), Buffer.from('1')]))).toBe('BAD_TREE'); // trailing junk
      expect(bad(treeBytes([['7777777777777', 'a', o1]]))).toBe('BAD_TREE'); // mode overflows 32 bits
      expect(core.parseTree(treeBytes([['0000000000000000100644', 'a', o1]]))[0]).toMatchObject({ mode: 0o100644, zeroPadded: true });
    });
  });

  describe('parseCommitLinks', () => {
    const t = 'ab'.repeat(20), p1 = 'cd'.repeat(20), p2 = '0123456789'.repeat(4);
    const commit = (head: string) => Buffer.from(head);
    it('parses tree, parents and the committer time', () => {
      const c = commit(`tree ${t}\nparent ${p1}\nparent ${p2}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 1700000000 +0100\n\nmsg\ncommitter X <x> 5 +0000\n`);
      const r = core.parseCommitLinks(c);
      expect(hex(r.tree)).toBe(t);
      expect(r.parents.map(hex)).toEqual([p1, p2]);
      expect(r.commitTime).toBe(1700000000);
    });
    it('accepts a root commit, upper-case hex, and a missing committer', () => {
      const r = core.parseCommitLinks(commit(`tree ${t.toUpperCase()}\nauthor A <a> 1 +0000\n\ncommitter C <c> 99 +0000\n`));
      expect(hex(r.tree)).toBe(t);
      expect(r.parents).toEqual([]);
      expect(r.commitTime).toBe(0); // the message is not a header
      expect(core.parseCommitLinks(commit(`tree ${t}\n`)).commitTime).toBe(0);
      expect(core.parseCommitLinks(commit(`tree ${t}\ncommitter C <c> 2199999999999 +0000`)).commitTime).toBe(2199999999999);
      expect(core.parseCommitLinks(commit(`tree ${t}\ncommitter C <c> x +0000\n`)).commitTime).toBe(0);
      expect(core.parseCommitLinks(commit(`tree ${t}\ncommitter C <c>\n`)).commitTime).toBe(0);
      expect(core.parseCommitLinks(commit(`tree ${t}\ncommitter C <c <d>> 42 +0000\n`)).commitTime).toBe(42);
      expect(core.parseCommitLinks(commit(`tree ${t}\nparentx ${p1}\n`)).parents).toEqual([]);
    });
    it('rejects a bad tree line or a bad parent line', () => {
      const bad = (s: string) => codeOf(() => core.parseCommitLinks(commit(s)));
      expect(bad('')).toBe('BAD_COMMIT');
      expect(bad(`tree ${t}`)).toBe('BAD_COMMIT'); // no LF
      expect(bad(`tree ${t.slice(1)}\n\n`)).toBe('BAD_COMMIT');
      expect(bad(`tree ${t.slice(1)}g\n`)).toBe('BAD_COMMIT');
      expect(bad(`tre ${t}\n`)).toBe('BAD_COMMIT');
      expect(bad(`parent ${p1}\ntree ${t}\n`)).toBe('BAD_COMMIT');
      expect(bad(`tree ${t}\nparent ${p1.slice(2)}\n`)).toBe('BAD_COMMIT');
      expect(bad(`tree ${t}\nparent ${p1}`)).toBe('BAD_COMMIT');
      expect(bad(`tree ${t}\nparent ${p1}x\n`)).toBe('BAD_COMMIT');
      expect(bad(`tree ${t}\nparent ${p1}\nparent zz${p2.slice(2)}\n`)).toBe('BAD_COMMIT');
    });
  });
});

// --- agreement on seeded random and mutated inputs ----------------------------------------

describe('wasm and reference agree', () => {
  it('on random bytes as pack entry headers', () => {
    const r = rng(11);
    for (let i = 0; i < 3000; i++) {
      const b = randBytes(r, 1 + randInt(r, 40));
      // bias toward continuation bits and valid types
      if (r() < 0.5) for (let j = 0; j < b.length; j++) if (r() < 0.6) b[j] |= 0x80;
      const off = randInt(r, b.length + 1) - (r() < 0.02 ? 1 : 0);
      expect(outcome(() => W.parseEntryHeader(b, off))).toBe(outcome(() => R.refParseEntryHeader(b, off)));
    }
  });

  it('on random deltas, their padded encodings, and mutations of them', () => {
    const r = rng(12);
    for (let i = 0; i < 400; i++) {
      const base = randBytes(r, r() < 0.1 ? 0 : randInt(r, r() < 0.2 ? 0x20000 : 4000));
      const ops = randOps(r, base, randInt(r, 30));
      const result = runOps(base, ops);
      const d = encDelta(base.length, result.length, ops, r() < 0.3);
      expectSame(W.applyDelta(base, d), result);
      expectSame(R.refApplyDelta(base, d), result);
      for (let k = 0; k < 8; k++) {
        const m = Buffer.from(d);
        const what = randInt(r, 4);
        if (what === 0) m[randInt(r, m.length)] = randInt(r, 256);
        else if (what === 1) m[randInt(r, m.length)] ^= 1 << randInt(r, 8);
        else if (what === 2) m[randInt(r, m.length)] = 0;
        const mm = what === 3 ? m.subarray(0, randInt(r, m.length)) : m;
        const digest = (b: Buffer) => createHash('sha1').update(b).digest('hex') + b.length;
        expect(outcome(() => digest(W.applyDelta(base, mm)))).toBe(outcome(() => digest(R.refApplyDelta(base, mm))));
        expect(outcome(() => W.deltaSizes(mm))).toBe(outcome(() => R.refDeltaSizes(mm)));
      }
    }
  });

  it('on random trees and mutations of them', () => {
    const r = rng(13);
    const modes = ['100644', '100755', '40000', '040000', '120000', '160000', '644', '0'];
    for (let i = 0; i < 500; i++) {
      const entries: Array<[string, string, Buffer]> = [];
      for (let k = randInt(r, 12); k > 0; k--) {
        const name = Buffer.from(randBytes(r, 1 + randInt(r, 12)).map((c) => (c === 0 ? 1 : c))).toString('latin1');
        entries.push([modes[randInt(r, modes.length)], name, randBytes(r, 20)]);
      }
      const t = treeBytes(entries);
      expect(outcome(() => W.parseTree(t))).toBe(outcome(() => R.refParseTree(t)));
      for (let k = 0; k < 6 && t.length; k++) {
        const m = Buffer.from(t);
        const what = randInt(r, 4);
        if (what === 0) m[randInt(r, m.length)] = [0, 0x20, 0x30, 0x38][randInt(r, 4)];
        else if (what === 1) m[randInt(r, m.length)] = randInt(r, 256);
        const mm = what >= 2 ? m.subarray(0, randInt(r, m.length)) : m;
        expect(outcome(() => W.parseTree(mm))).toBe(outcome(() => R.refParseTree(mm)));
      }
    }
  });

  it('on random commit headers and mutations of them', () => {
    const r = rng(14);
    for (let i = 0; i < 500; i++) {
      const lines = [`tree ${randBytes(r, 20).toString('hex')}`];
      for (let k = randInt(r, 4); k > 0; k--) lines.push(`parent ${randBytes(r, 20).toString('hex')}`);
      lines.push(`author A U Thor <a@example.com> ${randInt(r, 2 ** 31)} +0000`);
      if (r() < 0.8) lines.push(`committer C O Mitter <c@example.com> ${randInt(r, 2 ** 31)} -0700`);
      const c = Buffer.from(lines.join('\n') + '\n\nmessage\n');
      expect(outcome(() => W.parseCommitLinks(c))).toBe(outcome(() => R.refParseCommitLinks(c)));
      for (let k = 0; k < 6; k++) {
        const m = Buffer.from(c);
        const what = randInt(r, 3);
        if (what === 0) m[randInt(r, Math.min(m.length, 200))] = randInt(r, 256);
        else if (what === 1) m[randInt(r, Math.min(m.length, 200))] = [0x0a, 0x20, 0x3e, 0x67][randInt(r, 4)];
        const mm = what === 2 ? m.subarray(0, randInt(r, m.length)) : m;
        expect(outcome(() => W.parseCommitLinks(mm))).toBe(outcome(() => R.refParseCommitLinks(mm)));
      }
    }
  });
});

// --- real packs made by git ---------------------------------------------------------------

function gitEnvironment(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  return {
    ...env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'A U Thor', GIT_AUTHOR_EMAIL: 'author@example.com', GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'C O Mitter', GIT_COMMITTER_EMAIL: 'committer@example.com', GIT_COMMITTER_DATE: '1700000000 +0000',
  };
}

interface PackObject { offset: number; type: number; data: Buffer; oid: string; viaDelta: number; entrySize: number }
const TYPE_NAMES = ['', 'commit', 'tree', 'blob', 'tag'];

/** Parses a whole pack with the WASM core and resolves every delta with W.applyDelta. */
function readPack(pack: Buffer, external?: Map<string, { type: number; data: Buffer }>): PackObject[] {
  expect(pack.subarray(0, 4).toString()).toBe('PACK');
  expect(pack.readUInt32BE(4)).toBe(2);
  const count = pack.readUInt32BE(8);
  const raw: Array<{ offset: number; h: EntryHeader; body: Buffer }> = [];
  let off = 12;
  for (let i = 0; i < count; i++) {
    const h = W.parseEntryHeader(pack, off);
    const { buffer, engine } = inflateSync(pack.subarray(off + h.headerLength), { info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    expect(buffer.length).toBe(h.size);
    raw.push({ offset: off, h, body: buffer });
    off += h.headerLength + engine.bytesWritten;
  }
  expect(off + 20).toBe(pack.length);
  expect(createHash('sha1').update(pack.subarray(0, off)).digest().equals(pack.subarray(off))).toBe(true);

  const byOffset = new Map<number, PackObject>();
  const byOid = new Map<string, PackObject>();
  const objectId = (type: number, data: Buffer) => createHash('sha1').update(`${TYPE_NAMES[type]} ${data.length}\0`).update(data).digest('hex');
  const resolve = (e: (typeof raw)[number]): PackObject | undefined => {
    const done = byOffset.get(e.offset);
    if (done) return done;
    let type = e.h.type;
    let data = e.body;
    let viaDelta = 0;
    if (type === W.OBJ_OFS_DELTA || type === W.OBJ_REF_DELTA) {
      let base: { type: number; data: Buffer } | undefined;
      if (type === W.OBJ_OFS_DELTA) {
        base = resolve(raw.find((x) => x.offset === e.h.baseOffset)!);
      } else {
        const baseOid = pack.subarray(e.offset + e.h.headerLength - 20, e.offset + e.h.headerLength).toString('hex');
        base = byOid.get(baseOid) ?? external?.get(baseOid);
      }
      if (!base) return undefined; // a REF_DELTA whose base comes later: next round
      expect(W.deltaSizes(e.body).baseSize).toBe(base.data.length);
      data = W.applyDelta(base.data, e.body);
      expect(Buffer.compare(data, R.refApplyDelta(base.data, e.body))).toBe(0);
      type = base.type;
      viaDelta = e.h.type;
    }
    const o = { offset: e.offset, type, data, oid: objectId(type, data), viaDelta, entrySize: e.h.size };
    byOffset.set(e.offset, o);
    byOid.set(o.oid, o);
    return o;
  };
  for (let round = 0; byOffset.size < raw.length; round++) {
    expect(round).toBeLessThan(100);
    for (const e of raw) resolve(e);
  }
  return raw.map((e) => byOffset.get(e.offset)!);
}

describe('real git repositories', () => {
  let dir = '';
  let env: NodeJS.ProcessEnv;
  const git = (args: string[], input?: string | Buffer) =>
    execFileSync('git', args, { cwd: dir, env, input, maxBuffer: 1 << 28 });
  let objects = new Map<string, { type: number; data: Buffer }>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gitwell-wasm-'));
    env = gitEnvironment(dir);
    git(['init', '-q', '-b', 'main', '.']);
    const r = rng(31);
    const lines = Array.from({ length: 400 }, (_, i) => `line ${i} ${randBytes(r, 12).toString('hex')}`);
    let bin = randBytes(r, 300_000);
    for (let c = 0; c < 12; c++) {
      for (let k = 0; k < 5; k++) lines[randInt(r, lines.length)] = `edited ${c}.${k} ${randBytes(r, 8).toString('hex')}`;
      if (c % 3 === 0) lines.splice(randInt(r, lines.length), 0, `inserted ${c}`);
      bin = Buffer.from(bin);
      for (let k = 0; k < 20; k++) bin[randInt(r, bin.length)] = randInt(r, 256);
      if (c === 6) bin = Buffer.concat([bin.subarray(70_000), randBytes(r, 1000), bin.subarray(0, 70_000)]);
      writeFileSync(join(dir, 'text.txt'), lines.join('\n') + '\n');
      writeFileSync(join(dir, 'copy.txt'), lines.slice(c).join('\n') + '\n');
      writeFileSync(join(dir, 'big.bin'), bin);
      if (c === 2) {
        execFileSync('mkdir', ['-p', join(dir, 'sub/dir')]);
        writeFileSync(join(dir, 'sub/dir/x.sh'), '#!/bin/sh\necho x\n', { mode: 0o755 });
        execFileSync('ln', ['-s', 'text.txt', join(dir, 'link')]);
      }
      git(['add', '-A']);
      if (c === 4) git(['update-index', '--add', '--cacheinfo', `160000,${'5'.repeat(40)},modules/gitlink`]);
      git(['commit', '-q', '-m', `commit ${c}`]);
      if (c === 5) git(['tag', '-a', 'v1', '-m', 'annotated']);
      if (c === 8) git(['checkout', '-q', '-b', 'side', 'HEAD~2']);
      if (c === 10) git(['merge', '-q', '-s', 'ours', '-m', 'merge', 'main']);
    }
    git(['tag', '-a', 'treetag', '-m', 'a tree', 'HEAD^{tree}']);
    git(['tag', '-a', 'blobtag', '-m', 'a blob', 'HEAD:text.txt']);
    git(['-c', 'advice.nestedTag=false', 'tag', '-a', 'tagtag', '-m', 'a tag', 'v1']);
    git(['repack', '-adfq', '--window=50', '--depth=20']);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('resolves every OFS_DELTA of `git repack` to the object git verify-pack lists', () => {
    const packDir = join(dir, '.git/objects/pack');
    const name = readdirSync(packDir).find((f) => f.endsWith('.pack'))!;
    const pack = readFileSync(join(packDir, name));
    const got = readPack(pack);
    const listed = new Map<number, { oid: string; type: string; size: number }>();
    for (const line of git(['verify-pack', '-v', join(packDir, name.replace(/\.pack$/, '.idx'))]).toString().split('\n')) {
      const m = /^([0-9a-f]{40}) (\w+)\s+(\d+) (\d+) (\d+)/.exec(line);
      if (m) listed.set(Number(m[5]), { oid: m[1], type: m[2], size: Number(m[3]) });
    }
    expect(got.length).toBe(listed.size);
    for (const o of got) {
      // verify-pack's size is the entry's (a delta's own size for a deltified object)
      expect(listed.get(o.offset)).toEqual({ oid: o.oid, type: TYPE_NAMES[o.type], size: o.entrySize });
      objects.set(o.oid, { type: o.type, data: o.data });
    }
    const deltas = got.filter((o) => o.viaDelta === W.OBJ_OFS_DELTA).length;
    console.log(`git repack: ${got.length} objects, ${deltas} OFS_DELTA entries resolved`);
    expect(deltas).toBeGreaterThan(10);
    expect(got.filter((o) => o.viaDelta === W.OBJ_REF_DELTA).length).toBe(0);
  });

  it('resolves the REF_DELTAs of `git pack-objects` without --delta-base-offset', () => {
    const list = git(['rev-list', '--objects', '--all']);
    const pack = git(['pack-objects', '--stdout', '-q', '--no-reuse-delta', '--window=50'], list);
    const got = readPack(pack);
    const deltas = got.filter((o) => o.viaDelta === W.OBJ_REF_DELTA).length;
    expect(deltas).toBeGreaterThan(10);
    expect(got.filter((o) => o.viaDelta === W.OBJ_OFS_DELTA).length).toBe(0);
    const batch = git(['cat-file', '--batch-check'], got.map((o) => o.oid).join('\n') + '\n').toString().trim().split('\n');
    expect(batch).toEqual(got.map((o) => `${o.oid} ${TYPE_NAMES[o.type]} ${o.data.length}`));
  });

  it('parses every commit and tree like git does', () => {
    expect(objects.size).toBeGreaterThan(0);
    const log = git(['log', '--all', '--format=%H %T %ct %P']).toString().trim().split('\n');
    for (const line of log) {
      const [oid, tree, ct, ...parents] = line.split(' ');
      const c = W.parseCommitLinks(objects.get(oid)!.data);
      expect({ tree: hex(c.tree), parents: c.parents.map(hex), ct: c.commitTime }).toEqual({ tree, parents, ct: Number(ct) });
    }
    let trees = 0;
    for (const [oid, o] of objects) {
      if (o.type !== W.OBJ_TREE) continue;
      trees++;
      const ls = git(['ls-tree', '-z', oid]).toString().split('\0').filter(Boolean);
      const mine = W.parseTree(o.data).map((e) => `${e.mode.toString(8).padStart(6, '0')} ${TYPE_NAMES[(e.mode & 0o170000) === 0o40000 ? 2 : e.mode === 0o160000 ? 1 : 3]} ${hex(e.oid)}\t${e.name.toString()}`);
      expect(mine).toEqual(ls);
      expect(outcome(() => W.parseTree(o.data))).toBe(outcome(() => R.refParseTree(o.data)));
    }
    expect(trees).toBeGreaterThan(10);
  });

  it('walks exactly the objects `git rev-list --objects` lists, in the reference order', () => {
    const tips = git(['for-each-ref', '--format=%(objectname)']).toString().trim().split('\n');
    const w = new W.ObjectWalker();
    const ref = new R.RefObjectWalker();
    for (const t of tips) { w.push(Buffer.from(t, 'hex')); ref.push(Buffer.from(t, 'hex')); }
    const seen: string[] = [];
    try {
      for (let oid = w.next(); oid; oid = w.next()) {
        const r = ref.next()!;
        expect(hex(oid)).toBe(hex(r));
        expect(w.nextKind).toBe(ref.nextKind);
        const o = objects.get(hex(oid));
        expect(o, `object ${hex(oid)}`).toBeDefined();
        if (w.nextKind !== 0) expect(w.nextKind).toBe(o!.type);
        seen.push(hex(oid));
        w.visit(o!.type, o!.data);
        ref.visit(o!.type, o!.data);
      }
      expect(ref.next()).toBeNull();
      const expected = git(['rev-list', '--objects', '--all']).toString().trim().split('\n').map((l) => l.slice(0, 40));
      expect([...seen].sort()).toEqual([...new Set(expected)].sort());
      expect(w.has(Buffer.from('5'.repeat(40), 'hex'))).toBe(false); // the gitlink is never queued
      expect(w.size).toBe(seen.length);
    } finally {
      w.dispose();
    }
  });

  it('marks the closure of an old commit and walks only what is new', () => {
    const old = git(['rev-parse', 'main~6']).toString().trim();
    const closure = (rev: string) => new Set(git(['rev-list', '--objects', rev]).toString().trim().split('\n').map((l) => l.slice(0, 40)));
    const have = closure(old);
    const w = new W.ObjectWalker();
    try {
      for (const oid of have) expect(w.mark(Buffer.from(oid, 'hex'))).toBe(true);
      expect(w.mark(Buffer.from(old, 'hex'))).toBe(false);
      w.push(Buffer.from(git(['rev-parse', 'main']).toString().trim(), 'hex'), 1);
      const got = new Set<string>();
      for (let oid = w.next(); oid; oid = w.next()) {
        got.add(hex(oid));
        const o = objects.get(hex(oid))!;
        w.visit(o.type, o.data);
      }
      const want = [...closure('main')].filter((x) => !have.has(x));
      expect([...got].sort()).toEqual(want.sort());
    } finally {
      w.dispose();
    }
  });
});

// --- the walker on synthetic graphs ---------------------------------------------------------

interface Obj { type: number; data: Buffer }
/** A random object graph: blobs, nested trees (with gitlinks), commits with 0-3 parents, tags. */
function randomGraph(r: () => number, commits: number): { store: Map<string, Obj>; tips: Buffer[] } {
  const store = new Map<string, Obj>();
  const add = (type: number, data: Buffer): Buffer => {
    const oid = createHash('sha1').update(`${TYPE_NAMES[type]} ${data.length}\0`).update(data).digest();
    store.set(hex(oid), { type, data });
    return oid;
  };
  const blobs = Array.from({ length: 30 }, (_, i) => add(3, Buffer.from(`blob ${i}`)));
  const trees: Buffer[] = [];
  for (let i = 0; i < 40; i++) {
    const entries: Array<[string, string, Buffer]> = [];
    for (let k = randInt(r, 6); k > 0; k--) {
      const pick = r();
      if (pick < 0.5) entries.push([['100644', '100755', '120000'][randInt(r, 3)], `f${k}`, blobs[randInt(r, blobs.length)]]);
      else if (pick < 0.8 && trees.length) entries.push(['40000', `d${k}`, trees[randInt(r, trees.length)]]);
      else if (pick < 0.9) entries.push(['160000', `m${k}`, randBytes(r, 20)]); // gitlink: never followed
      else entries.push(['100644', `x${k}`, randBytes(r, 20)]); // dangling blob: queued, missing from the store
    }
    trees.push(add(2, treeBytes(entries)));
  }
  const cs: Buffer[] = [];
  for (let i = 0; i < commits; i++) {
    const parents = cs.length ? Array.from({ length: randInt(r, 4) }, () => cs[randInt(r, cs.length)]) : [];
    const body = `tree ${hex(trees[randInt(r, trees.length)])}\n${parents.map((p) => `parent ${hex(p)}\n`).join('')}author A <a> ${i} +0000\ncommitter C <c> ${i} +0000\n\nc${i}\n`;
    cs.push(add(1, Buffer.from(body)));
  }
  const tags = [cs[cs.length - 1], trees[3], blobs[2]].map((t, i) => {
    const type = i === 0 ? 'commit' : i === 1 ? 'tree' : 'blob';
    return add(4, Buffer.from(`object ${hex(t)}\ntype ${type}\ntag t${i}\ntagger T <t> 0 +0000\n\nmsg\n`));
  });
  const tagOfTag = add(4, Buffer.from(`object ${hex(tags[0])}\ntype tag\ntag tt\n\n`));
  return { store, tips: [cs[cs.length - 1], cs[randInt(r, cs.length)], ...tags, tagOfTag] };
}

describe('ObjectWalker', () => {
  it('agrees with the reference walker step by step on random graphs, marks and malformed objects', () => {
    const r = rng(41);
    for (let round = 0; round < 30; round++) {
      const { store, tips } = randomGraph(r, 5 + randInt(r, 60));
      const all = [...store.keys()].map((k) => Buffer.from(k, 'hex'));
      const followParents = r() < 0.7;
      const w = new W.ObjectWalker({ followParents });
      const ref = new R.RefObjectWalker({ followParents });
      try {
        for (const t of tips) if (r() < 0.7) { w.push(t, 0); ref.push(t, 0); }
        for (let k = randInt(r, 10); k > 0; k--) {
          const m = all[randInt(r, all.length)];
          expect(w.mark(m)).toBe(ref.mark(m));
        }
        for (let steps = 0; ; steps++) {
          if (r() < 0.05) { // mark something mid-walk, possibly already queued
            const m = all[randInt(r, all.length)];
            expect(w.mark(m)).toBe(ref.mark(m));
          }
          const oid = w.next();
          const rOid = ref.next();
          expect(oid && hex(oid)).toBe(rOid && hex(rOid));
          expect(w.nextKind).toBe(ref.nextKind);
          if (!oid) break;
          const o = store.get(hex(oid));
          if (!o) continue; // dangling
          if (r() < 0.05 && o.type !== 3) { // a malformed object: both throw, neither queues anything
            const broken = o.data.subarray(0, o.data.length - 1 - randInt(r, 5));
            const code = codeOf(() => w.visit(o.type, broken));
            if (code) expect(code).toBe(codeOf(() => ref.visit(o.type, broken)));
            else ref.visit(o.type, broken);
          } else {
            w.visit(o.type, o.data);
            ref.visit(o.type, o.data);
          }
          expect(w.size).toBe(ref.size);
        }
        for (const oid of all) expect(w.has(oid)).toBe(ref.has(oid));
      } finally {
        w.dispose();
      }
    }
  });

  it('skips an oid that was marked after it was queued', () => {
    const w = new W.ObjectWalker();
    const [a, b, c] = [oidOf(1), oidOf(2), oidOf(3)];
    w.push(a, 1);
    w.push(b, 2);
    w.push(a, 3); // already seen: ignored
    expect(w.size).toBe(2);
    expect(w.mark(b)).toBe(true); // seen but not marked: newly marked
    expect(w.mark(b)).toBe(false);
    expect(w.mark(c)).toBe(true);
    w.push(c, 3);
    expect(w.size).toBe(3);
    expect(hex(w.next()!)).toBe(hex(a));
    expect(w.nextKind).toBe(1);
    expect(w.next()).toBeNull();
    expect(w.nextKind).toBe(0);
    expect(w.has(a) && w.has(b) && w.has(c)).toBe(true);
    expect(w.has(oidOf(4))).toBe(false);
    w.dispose();
    w.dispose(); // idempotent
    expect(() => w.next()).toThrow(/dispose/);
    expect(() => new W.ObjectWalker().push(Buffer.alloc(19))).toThrow(TypeError);
  });

  it('queues tree entries by mode and tag targets by type; rejects malformed objects untouched', () => {
    const w = new W.ObjectWalker({ followParents: false });
    const t = treeBytes([['100644', 'a', oidOf(1)], ['40000', 'd', oidOf(2)], ['160000', 'm', oidOf(3)], ['120000', 'l', oidOf(4)], ['100755', 'x', oidOf(5)]]);
    w.visit(W.OBJ_TREE, t);
    const got: Array<[string, number]> = [];
    for (let o = w.next(); o; o = w.next()) got.push([hex(o), w.nextKind]);
    expect(got).toEqual([[hex(oidOf(5)), 3], [hex(oidOf(4)), 3], [hex(oidOf(2)), 2], [hex(oidOf(1)), 3]]);
    expect(w.has(oidOf(3))).toBe(false);
    const c = Buffer.from(`tree ${hex(oidOf(6))}\nparent ${hex(oidOf(7))}\n\n`);
    w.visit(W.OBJ_COMMIT, c); // followParents false: the tree only
    expect([hex(w.next()!), w.nextKind, w.next()]).toEqual([hex(oidOf(6)), 2, null]);
    w.visit(W.OBJ_TAG, Buffer.from(`object ${hex(oidOf(8))}\ntype blob\n`));
    expect([hex(w.next()!), w.nextKind]).toEqual([hex(oidOf(8)), 3]);
    const size = w.size;
    expect(codeOf(() => w.visit(W.OBJ_TREE, Buffer.concat([treeBytes([['100644', 'n', oidOf(9)]]), Buffer.from('1006')])))).toBe('BAD_TREE');
    expect(codeOf(() => w.visit(W.OBJ_COMMIT, Buffer.from(`tree ${hex(oidOf(9))}\nparent 12\n`)))).toBe('BAD_COMMIT');
    expect(codeOf(() => w.visit(W.OBJ_TAG, Buffer.from(`object ${hex(oidOf(9)).slice(2)}\n`)))).toBe('BAD_TAG');
    expect(w.size).toBe(size);
    expect(w.has(oidOf(9))).toBe(false);
    w.visit(W.OBJ_BLOB, Buffer.from('anything'));
    expect(w.next()).toBeNull();
    w.dispose();
  });

  it('does not grow memory over 10,000 create/dispose cycles, nor with interleaved walkers', () => {
    const r = rng(42);
    const oids = Array.from({ length: 200 }, (_, i) => oidOf(i));
    const cycle = () => {
      const w = new W.ObjectWalker();
      for (let k = 0; k < 5; k++) w.push(oids[randInt(r, oids.length)]);
      w.dispose();
    };
    for (let i = 0; i < 100; i++) cycle(); // warm-up
    const before = W.wasmMemoryStats();
    for (let i = 0; i < 10_000; i++) cycle();
    expect(W.wasmMemoryStats()).toEqual(before);

    // many live walkers whose tables grow interleaved, disposed in random order
    const ws = Array.from({ length: 40 }, () => new W.ObjectWalker());
    for (let i = 0; i < 20_000; i++) ws[randInt(r, ws.length)].push(randBytes(r, 20));
    const totals = ws.reduce((n, w) => n + w.size, 0);
    expect(totals).toBe(20_000);
    while (ws.length) ws.splice(randInt(r, ws.length), 1)[0].dispose();
    const after = W.wasmMemoryStats();
    expect(after.heapTop).toBe(before.heapTop);
    expect(after.freeBlocks).toBe(before.freeBlocks);
    for (let i = 0; i < 1000; i++) cycle();
    expect(W.wasmMemoryStats().memoryBytes).toBe(after.memoryBytes);
  });

  it('survives random bytes fed to visit(), and memory growth between calls', () => {
    const r = rng(44);
    const w = new W.ObjectWalker();
    const ref = new R.RefObjectWalker();
    for (let i = 0; i < 3000; i++) {
      const type = [W.OBJ_COMMIT, W.OBJ_TREE, W.OBJ_TAG][randInt(r, 3)];
      const prefix = type === W.OBJ_COMMIT ? `tree ${hex(oidOf(i))}\n` : type === W.OBJ_TAG ? `object ${hex(oidOf(i))}\n` : '';
      const data = Buffer.concat([Buffer.from(r() < 0.5 ? prefix : ''), randBytes(r, randInt(r, 80))]);
      const code = codeOf(() => w.visit(type, data));
      expect(code).toBe(codeOf(() => ref.visit(type, data)));
      if (code) expect(['BAD_TREE', 'BAD_COMMIT', 'BAD_TAG']).toContain(code);
    }
    expect(w.size).toBe(ref.size);
    const before = W.wasmMemoryStats().memoryBytes;
    const big = Int32Array.from({ length: 3_000_000 }, (_, i) => i);
    W.myersDiff(big, big.subarray(1)); // grows memory while the walker is alive
    expect(W.wasmMemoryStats().memoryBytes).toBeGreaterThan(before);
    for (let o = w.next(); o; o = w.next()) expect(hex(o)).toBe(hex(ref.next()!));
    expect(ref.next()).toBeNull();
    w.dispose();
  });

  it('keeps its seen-set O(1): 300k oids', () => {
    const r = rng(43);
    const oids = Array.from({ length: 300_000 }, () => randBytes(r, 20));
    const w = new W.ObjectWalker();
    const t0 = performance.now();
    for (const o of oids) w.push(o, 3);
    let n = 0;
    for (let o = w.next(); o; o = w.next()) n++;
    const ms = performance.now() - t0;
    console.log(`ObjectWalker: 300k push + next in ${ms.toFixed(0)} ms`);
    expect(n).toBe(oids.length);
    expect(w.size).toBe(oids.length);
    for (let i = 0; i < oids.length; i += 97) expect(w.has(oids[i])).toBe(true);
    w.dispose();
  });
});

// --- Myers ----------------------------------------------------------------------------------

/** Checks that hunks turn a into b, are ordered, non-empty and separated; returns the edit cost. */
function checkScript(a: Int32Array, b: Int32Array, hunks: Int32Array): number {
  expect(hunks.length % 4).toBe(0);
  let i = 0, j = 0, cost = 0;
  for (let h = 0; h < hunks.length; h += 4) {
    const [as, ac, bs, bc] = hunks.subarray(h, h + 4);
    expect(ac + bc).toBeGreaterThan(0);
    expect(as - i).toBe(bs - j); // the common run before the hunk has the same length on both sides
    expect(h === 0 || as > i).toBe(true); // hunks are separated by at least one common element
    for (; i < as; i++, j++) if (a[i] !== b[j]) throw new Error(`not common at a[${i}] b[${j}]`);
    i += ac;
    j += bc;
    cost += ac + bc;
  }
  expect(a.length - i).toBe(b.length - j);
  for (; i < a.length; i++, j++) if (a[i] !== b[j]) throw new Error(`not common at a[${i}] b[${j}]`);
  return cost;
}

function mutate(r: () => number, a: Int32Array, edits: number, alphabet: number): Int32Array {
  const b = Array.from(a);
  for (let k = 0; k < edits; k++) {
    const what = randInt(r, 3);
    const at = randInt(r, b.length + 1);
    if (what === 0) b.splice(at, 0, ...Array.from({ length: 1 + randInt(r, 4) }, () => randInt(r, alphabet)));
    else if (what === 1) b.splice(at, 1 + randInt(r, 4));
    else b[at] = randInt(r, alphabet);
  }
  return Int32Array.from(b.filter((x) => x !== undefined));
}

const myersImpls = [
  { name: 'wasm', diff: (a: Int32Array, b: Int32Array) => W.myersDiff(a, b, Infinity) },
  { name: 'reference', diff: R.refMyersDiff },
];

describe.each(myersImpls)('Myers conformance: $name', ({ diff }) => {
  const I = (...x: number[]) => Int32Array.from(x);
  it('finds minimal scripts for fixed cases', () => {
    expect(Array.from(diff(I(), I()).hunks)).toEqual([]);
    expect(Array.from(diff(I(1, 2, 3), I(1, 2, 3)).hunks)).toEqual([]);
    expect(Array.from(diff(I(), I(1, 2)).hunks)).toEqual([0, 0, 0, 2]);
    expect(Array.from(diff(I(1, 2), I()).hunks)).toEqual([0, 2, 0, 0]);
    expect(Array.from(diff(I(1, 2, 3), I(1, 3)).hunks)).toEqual([1, 1, 1, 0]);
    expect(Array.from(diff(I(1, 3), I(1, 2, 3)).hunks)).toEqual([1, 0, 1, 1]);
    expect(Array.from(diff(I(1, 2, 3), I(1, 4, 3)).hunks)).toEqual([1, 1, 1, 1]);
    const a = I(1, 2, 3, 4, 5, 6, 7), b = I(2, 3, 9, 5, 6, 8, 7, 1); // LCS 2 3 5 6 7
    expect(checkScript(a, b, diff(a, b).hunks)).toBe(5);
    const x = I(0, 1, 2, 0, 1, 1, 0), y = I(2, 1, 0, 1, 0, 2); // Myers' paper: ABCABBA / CBABAC, D = 5
    expect(checkScript(x, y, diff(x, y).hunks)).toBe(5);
  });
});

describe('myersDiff', () => {
  it('agrees with the reference on the minimal cost of seeded random edits', () => {
    const r = rng(51);
    for (let i = 0; i < 600; i++) {
      const alphabet = 2 + randInt(r, 30);
      const a = Int32Array.from({ length: randInt(r, 150) }, () => randInt(r, alphabet) - (i % 7 === 0 ? 1 << 30 : 0));
      const b = r() < 0.2 ? Int32Array.from({ length: randInt(r, 150) }, () => randInt(r, alphabet)) : mutate(r, a, randInt(r, 12), alphabet);
      const want = checkScript(a, b, R.refMyersDiff(a, b).hunks);
      for (const limit of [undefined, Infinity]) {
        const got = W.myersDiff(a, b, limit);
        expect(got.limited).toBe(false);
        expect(checkScript(a, b, got.hunks)).toBe(want);
      }
    }
  });

  it('returns a valid, possibly longer script when the cost limit cuts in', () => {
    const r = rng(52);
    let limitedRuns = 0;
    for (let i = 0; i < 200; i++) {
      const a = Int32Array.from({ length: 100 + randInt(r, 300) }, () => randInt(r, 8));
      const b = mutate(r, a, 20 + randInt(r, 80), 8);
      const min = checkScript(a, b, W.myersDiff(a, b, Infinity).hunks);
      const got = W.myersDiff(a, b, 1 + randInt(r, 6));
      const cost = checkScript(a, b, got.hunks);
      expect(cost).toBeGreaterThanOrEqual(min);
      if (got.limited) limitedRuns++;
      else expect(cost).toBe(min);
    }
    expect(limitedRuns).toBeGreaterThan(100);
  });

  it('stays fast on huge inputs (timings printed, not asserted)', () => {
    const r = rng(53);
    const N = 200_000;
    const time = (label: string, a: Int32Array, b: Int32Array) => {
      const t0 = performance.now();
      const res = W.myersDiff(a, b);
      const ms = performance.now() - t0;
      const cost = checkScript(a, b, res.hunks);
      console.log(`myersDiff ${label}: ${a.length} vs ${b.length} -> cost ${cost}, ${res.hunks.length / 4} hunks, limited=${res.limited}, ${ms.toFixed(0)} ms`);
      return res;
    };
    const distinctA = Int32Array.from({ length: N }, (_, i) => i);
    const distinctB = Int32Array.from({ length: N }, (_, i) => N + i);
    expect(Array.from(time('totally different', distinctA, distinctB).hunks)).toEqual([0, N, 0, N]);
    // the adversarial cases: every line matches something, the D-path search hits the limit
    // at every split (O((N + M) * limit), like xdiff; git diff takes seconds at 200k here)
    const n = 50_000;
    const shuffled = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = randInt(r, i + 1); [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]]; }
    expect(time('a permutation', distinctA.subarray(0, n), shuffled).limited).toBe(true);
    const small = Int32Array.from({ length: n }, () => randInt(r, 4));
    time('random over 4 ids', small, Int32Array.from({ length: n }, () => randInt(r, 4)));
    const file = Int32Array.from({ length: N }, () => randInt(r, 50_000));
    const edited = mutate(r, file, 500, 50_000);
    expect(time('a file with 500 edits', file, edited).limited).toBe(false);
  });
});

// --- big inputs and memory ----------------------------------------------------------------

describe('memory', () => {
  it('applies a delta to a 50 MB base at memcpy speed and frees its scratch', () => {
    const r = rng(21);
    const base = Buffer.allocUnsafe(50 << 20);
    for (let i = 0; i < base.length; i += 4096) base.writeUInt32LE(i, i);
    const ops: Op[] = [];
    for (let off = 0; off < base.length; off += 0x10000) {
      if (randInt(r, 50) === 0) ops.push({ insert: randBytes(r, 100) });
      ops.push({ copy: [off, Math.min(0x10000, base.length - off)] });
    }
    const result = runOps(base, ops);
    const d = encDelta(base.length, result.length, ops);
    W.applyDelta(base, d); // warm up: memory grows once here
    const before = W.wasmMemoryStats();
    const t0 = performance.now();
    const out = W.applyDelta(base, d);
    const ms = performance.now() - t0;
    console.log(`applyDelta: 50 MiB base, ${ops.length} ops -> ${(result.length / 2 ** 20).toFixed(1)} MiB in ${ms.toFixed(1)} ms`);
    expect(out.equals(result)).toBe(true);
    expect(W.wasmMemoryStats()).toEqual(before);
  });

  it('throws BAD_DELTA, not out-of-memory, for a tiny delta declaring a huge result', () => {
    const d = Buffer.from([3, ...encVarint(2 ** 40), 0x91, 0, 1]);
    const before = W.wasmMemoryStats().memoryBytes;
    expect(codeOf(() => W.applyDelta(Buffer.from('abc'), d))).toBe('BAD_DELTA');
    expect(W.wasmMemoryStats().memoryBytes).toBe(before);
  });

  it('throws WasmFormatError instances with stable codes', () => {
    try {
      W.parseTree(Buffer.from('100644 x'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(W.WasmFormatError);
      expect((e as InstanceType<typeof W.WasmFormatError>).code).toBe('BAD_TREE');
    }
  });
});
