// ChainReader (src/core/pack/chain.ts) over a source made here: the real store cannot hold a
// looping chain (records are never replaced), so this is the one place a damaged store is
// built by hand. A chain resolves base-first and is cached; a loop, a missing base and an
// entry that does not inflate each fail with an error instead of a wrong object or a hang.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ChainReader, type ChainEntry } from '../src/core/pack/chain.js';

const id = (n: number) => Buffer.alloc(20, n);

/** A git delta that replaces the whole base with `text` (one insert instruction per 127 bytes). */
function insertDelta(baseSize: number, text: string): Buffer {
  const out: number[] = [];
  const varint = (n: number) => {
    do {
      let b = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) b |= 0x80;
      out.push(b);
    } while (n > 0);
  };
  varint(baseSize);
  varint(text.length);
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += 127) {
    const part = bytes.subarray(i, i + 127);
    out.push(part.length, ...part);
  }
  return Buffer.from(out);
}

function entry(base: Buffer | null, inflated: Buffer): ChainEntry {
  return { type: 3, size: inflated.length, base, z: zlib.deflateSync(inflated) };
}

describe('ChainReader', () => {
  it('resolves a chain down to a whole entry, then applies the deltas back up, and caches what it resolved', () => {
    const entries = new Map<string, ChainEntry>([
      [id(1).toString('hex'), entry(null, Buffer.from('version one'))],
      [id(2).toString('hex'), entry(id(1), insertDelta(11, 'version two!'))],
      [id(3).toString('hex'), entry(id(2), insertDelta(12, 'version three'))],
    ]);
    let reads = 0;
    const r = new ChainReader({
      whole: () => undefined,
      entry: (oid) => (reads++, entries.get(Buffer.from(oid).toString('hex'))),
    });
    expect(r.read(id(3)).toString()).toBe('version three');
    expect(reads).toBe(3);
    expect(r.read(id(2)).toString()).toBe('version two!');
    expect(reads).toBe(3); // from the cache
  });

  it('stops at a base kept whole', () => {
    const r = new ChainReader({
      whole: (oid) => (oid[0] === 1 ? Buffer.from('whole base') : undefined),
      entry: (oid) => (oid[0] === 2 ? entry(id(1), insertDelta(10, 'on top')) : undefined),
    });
    expect(r.read(id(2)).toString()).toBe('on top');
  });

  it('a chain that loops fails instead of hanging', () => {
    const r = new ChainReader({
      whole: () => undefined,
      entry: (oid) => entry(oid[0] === 1 ? id(2) : id(1), insertDelta(1, 'x')),
    });
    expect(() => r.read(id(1))).toThrow(/loops/);
  });

  it('a missing base or a damaged entry is an error, not a wrong object', () => {
    const missing = new ChainReader({ whole: () => undefined, entry: (oid) => (oid[0] === 1 ? entry(id(9), insertDelta(1, 'x')) : undefined) });
    expect(() => missing.read(id(1))).toThrow(/base of .* is missing/);
    const damaged = new ChainReader({ whole: () => undefined, entry: () => ({ type: 3, size: 10, base: null, z: Buffer.from('not zlib') }) });
    expect(() => damaged.read(id(1))).toThrow(/gitwell store: object 0101.*corrupt/);
    const wrongSize = new ChainReader({ whole: () => undefined, entry: () => ({ ...entry(null, Buffer.from('abc')), size: 5 }) });
    expect(() => wrongSize.read(id(1))).toThrow(/declared size/);
  });
});
