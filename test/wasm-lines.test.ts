/**
 * The WASM line interner (src/wasm.ts internLines, behind internPair) against the JS one
 * (internPairJs / LineInterner, the reference): the same line boundaries, the same
 * trailing-newline flag and the very same ids (both number lines in order of first
 * occurrence), on edge cases and seeded random inputs — CR bytes kept as git keeps them
 * ("x\r\n" is not "x\n"), no trailing newline, empty sides, lines of every length around the
 * 8-byte words the core hashes, and a Map of line strings as the ground truth.
 */
import { describe, expect, it } from 'vitest';
import { internPair, internPairJs, splitLines } from '../src/core/diff/lines.js';
import { rng } from '../bench/lib/rng.js';

const pick = (r: () => number, n: number) => Math.floor(r() * n);

function agree(a: Uint8Array, b: Uint8Array, label = ''): void {
  const w = internPair(a, b);
  const j = internPairJs(a, b);
  for (const [x, y, data] of [[w.a, j.a, a], [w.b, j.b, b]] as const) {
    expect(Array.from(x.starts), label).toEqual(Array.from(y.starts));
    expect(Array.from(x.starts), label).toEqual(Array.from(splitLines(data).starts));
    expect(x.count, label).toBe(y.count);
    expect(x.noNewlineAtEnd, label).toBe(y.noNewlineAtEnd);
    expect(x.data, label).toBe(data);
  }
  expect(Array.from(w.aIds), label).toEqual(Array.from(j.aIds));
  expect(Array.from(w.bIds), label).toEqual(Array.from(j.bIds));
  expect(w.distinct, label).toBe(j.distinct);
  // ground truth: a Map of line strings
  const ref = new Map<string, number>();
  const check = (data: Uint8Array, starts: Int32Array, ids: Int32Array) => {
    const s = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < ids.length; i++) {
      const key = s.toString('latin1', starts[i], starts[i + 1]);
      if (!ref.has(key)) ref.set(key, ids[i]);
      expect(ids[i], `${label} line ${i}`).toBe(ref.get(key));
    }
  };
  check(a, w.a.starts, w.aIds);
  check(b, w.b.starts, w.bIds);
  expect(w.distinct, label).toBe(ref.size);
}

describe('WASM line interning vs the JS reference', () => {
  it('edge cases: empty sides, no trailing newline, CRLF, blank lines, word boundaries', () => {
    const B = (s: string) => Buffer.from(s, 'latin1');
    const cases: Array<[string, string]> = [
      ['', ''],
      ['', 'x\n'],
      ['x\n', ''],
      ['x', 'x\n'],
      ['x\ny\nx', 'y\nx\n'],
      ['\n\n\n', '\n'],
      ['a\r\nb\r\n', 'a\nb\r\nb\r'],
      ['a\r\n\r\n\r', '\r\n\r\r\n'],
      ['abcdefg\nabcdefgh\nabcdefghi\n', 'abcdefgh\nabcdefg\nabcdefghi'],
      ['0123456789abcdef\n0123456789abcdef', '0123456789abcdef\n0123456789abcde\n'],
      ['\u00e9\n\u00e9\n\0\n\0', '\0\n\u00e9'],
    ];
    for (const [x, y] of cases) agree(B(x), B(y), JSON.stringify([x, y]));
    const p = internPair(B('x\ny\nx'), B('y\nx\n'));
    expect(Array.from(p.aIds)).toEqual([0, 1, 2]);
    expect(Array.from(p.bIds)).toEqual([1, 0]);
    const crlf = internPair(B('a\r\n'), B('a\n'));
    expect(crlf.aIds[0]).not.toBe(crlf.bIds[0]);
  });

  it('subarrays at odd offsets of a larger buffer (the bytes around are not read as lines)', () => {
    const big = Buffer.from('\n\nzz\nab\ncd\nab\n\n\nqq', 'latin1');
    agree(big.subarray(3, 11), big.subarray(5, 17), 'sub');
    agree(new Uint8Array(big.buffer, big.byteOffset + 1, 7), big.subarray(2, 9), 'sub2');
  });

  it('seeded random pairs: lines of every length, repeats, CR, NUL, with and without a final LF', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(seed);
      const alphabet = seed % 3 === 0 ? 'a\r' : 'ab\r\t \u00e9\0x';
      const vocab = Array.from({ length: 1 + pick(r, 40) }, () =>
        Array.from({ length: pick(r, seed % 4 === 0 ? 40 : 18) }, () => alphabet[pick(r, alphabet.length)]).join(''),
      );
      const mk = () => {
        const n = pick(r, seed % 10 === 0 ? 4000 : 300);
        const ls = Array.from({ length: n }, () => (r() < 0.6 ? vocab[pick(r, vocab.length)] : Array.from({ length: pick(r, 24) }, () => alphabet[pick(r, alphabet.length)]).join('')));
        return Buffer.from(ls.join('\n') + (r() < 0.5 ? '\n' : ''), 'latin1');
      };
      const a = mk();
      const b = r() < 0.2 ? Buffer.from(a) : mk();
      agree(a, b, `seed ${seed}`);
    }
  });

  it('a large pair (table and memory growth) and repeated calls free their memory', async () => {
    const { wasmMemoryStats } = await import('../src/wasm.js');
    const r = rng(99);
    const lines = Array.from({ length: 60_000 }, (_, i) => (r() < 0.2 ? '}' : `line ${i} ${pick(r, 1000)}`));
    const a = Buffer.from(lines.join('\n'));
    const b = Buffer.from(lines.slice(0, 30_000).reverse().join('\n') + '\n');
    agree(a, b, 'large');
    const top = wasmMemoryStats().heapTop;
    for (let i = 0; i < 20; i++) internPair(a, b);
    expect(wasmMemoryStats().heapTop).toBe(top);
  });
});
