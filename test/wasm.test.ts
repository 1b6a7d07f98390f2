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
  const newest = Math.max(...readdirSync(srcDir).map((f) => statSync(join(srcDir, f)).mtimeMs));
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
  parseEntryHeader(pack: Uint8Array, offset: number): EntryHeader;
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
