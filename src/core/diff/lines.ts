/**
 * Lines as git's xdiff sees them: a line is its bytes up to and including LF; the last line
 * may lack the LF ("\ No newline at end of file"), and then it differs from the same text with
 * one. Lines are compared exactly (no whitespace or CR folding).
 *
 * Myers runs on interned ids: equal lines of both sides get the same Int32 id.
 */
import { internLines } from '../../wasm.js';

export interface Lines {
  /** the bytes the lines index into */
  data: Uint8Array;
  /** line i is data[starts[i], starts[i + 1]); starts.length = count + 1 */
  starts: Int32Array;
  count: number;
  /** the data is not empty and its last byte is not LF */
  noNewlineAtEnd: boolean;
}

const LF = 10;

/** Byte offsets of the lines of `data`. */
export function splitLines(data: Uint8Array): Lines {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const len = buf.length;
  let starts = new Int32Array(Math.max(16, (len >>> 5) + 2));
  let count = 0;
  let pos = 0;
  while (pos < len) {
    if (count + 2 > starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[count++] = pos;
    const nl = buf.indexOf(LF, pos);
    pos = nl < 0 ? len : nl + 1;
  }
  starts[count] = len;
  return {
    data,
    starts: starts.subarray(0, count + 1),
    count,
    noNewlineAtEnd: len > 0 && buf[len - 1] !== LF,
  };
}

/** True if the line is the last one and has no LF. */
export function lacksNewline(lines: Lines, i: number): boolean {
  return lines.noNewlineAtEnd && i === lines.count - 1;
}

/**
 * Gives equal lines equal ids across every buffer interned with the same interner. One
 * interner per pair (or triple) of files: ids are dense (0, 1, 2, ...) and die with it.
 *
 * An open-addressing table in typed arrays: a line is hashed whole (seeded per interner, so
 * crafted collisions cannot be prepared in advance), and a
 * slot whose hash matches is confirmed byte for byte against the first line that took the id.
 * Several times faster than a Map of line strings, which pays for a string and its hash per line.
 */
export class LineInterner {
  /** pairs [hash, id + 1]; id + 1 = 0 marks an empty slot */
  private table: Int32Array;
  private mask: number;
  /** per id: which buffer, and where, holds the line that took it */
  private repBuf: Int32Array;
  private repStart: Int32Array;
  private repEnd: Int32Array;
  private readonly bufs: Uint8Array[] = [];
  private readonly views: DataView[] = [];
  private readonly seed = (Math.random() * 0x1_0000_0000) | 0;
  private count = 0;

  constructor(expectedLines = 256) {
    let cap = 16;
    while (cap < expectedLines * 2) cap *= 2;
    this.table = new Int32Array(cap * 2);
    this.mask = cap - 1;
    this.repBuf = new Int32Array(Math.max(16, expectedLines));
    this.repStart = new Int32Array(this.repBuf.length);
    this.repEnd = new Int32Array(this.repBuf.length);
  }

  /** Number of distinct lines seen. */
  get size(): number {
    return this.count;
  }

  /**
   * Splits `data` into lines and interns them, in one pass: 4 bytes at a time, a word without
   * LF (the zero-byte test on word ^ 0x0a0a0a0a) is hashed whole; the word holding the LF and
   * the tail of the buffer go byte by byte. Equal lines hash equal wherever they sit.
   */
  add(data: Uint8Array): { lines: Lines; ids: Int32Array } {
    const len = data.length;
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    let starts = new Int32Array(Math.max(16, (len >>> 5) + 2));
    let hashes = new Int32Array(starts.length);
    let count = 0;
    const seed = this.seed;
    for (let s = 0; s < len; ) {
      if (count + 2 > starts.length) {
        const n = starts.length * 2;
        const ns = new Int32Array(n);
        ns.set(starts);
        starts = ns;
        const nh = new Int32Array(n);
        nh.set(hashes);
        hashes = nh;
      }
      let h = seed;
      let k = s;
      for (; k + 4 <= len; k += 4) {
        const w = dv.getInt32(k, true);
        const x = w ^ 0x0a0a0a0a;
        if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
        h = Math.imul(h ^ w, 0x85ebca6b);
        h ^= h >>> 15;
      }
      while (k < len) {
        const c = data[k++];
        h = Math.imul(h ^ c, 0x01000193);
        if (c === LF) break;
      }
      h = Math.imul(h ^ (k - s), 0x9e3779b1);
      h ^= h >>> 16;
      h = Math.imul(h, 0x7feb352d);
      h ^= h >>> 15;
      starts[count] = s;
      hashes[count++] = h;
      s = k;
    }
    starts[count] = len;
    const lines: Lines = { data, starts: starts.subarray(0, count + 1), count, noNewlineAtEnd: len > 0 && data[len - 1] !== LF };
    const ids = new Int32Array(count);
    if (count === 0) return { lines, ids };
    const buf = this.bufs.length;
    this.bufs.push(data);
    this.views.push(dv);
    if ((this.count + count) * 2 > this.mask + 1) this.grow((this.count + count) * 2);
    for (let i = 0; i < count; i++) ids[i] = this.lookup(hashes[i], buf, starts[i], starts[i + 1]);
    return { lines, ids };
  }

  private lookup(h: number, buf: number, s: number, e: number): number {
    const { table, mask } = this;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = table[slot * 2 + 1] - 1;
      if (id < 0) {
        const nid = this.count++;
        if (nid >= this.repBuf.length) this.growReps();
        table[slot * 2] = h;
        table[slot * 2 + 1] = nid + 1;
        this.repBuf[nid] = buf;
        this.repStart[nid] = s;
        this.repEnd[nid] = e;
        return nid;
      }
      if (table[slot * 2] === h && this.sameLine(id, buf, s, e)) return id;
    }
  }

  private sameLine(id: number, buf: number, s: number, e: number): boolean {
    const len = e - s;
    const rs = this.repStart[id];
    if (this.repEnd[id] - rs !== len) return false;
    const rb = this.repBuf[id];
    const x = this.views[rb];
    const y = this.views[buf];
    let j = 0;
    for (; j + 4 <= len; j += 4) if (x.getInt32(rs + j, true) !== y.getInt32(s + j, true)) return false;
    const xd = this.bufs[rb];
    const yd = this.bufs[buf];
    for (; j < len; j++) if (xd[rs + j] !== yd[s + j]) return false;
    return true;
  }

  private grow(min: number): void {
    let cap = this.mask + 1;
    while (cap < min) cap *= 2;
    const old = this.table;
    const table = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] === 0) continue;
      let slot = old[i] & mask;
      while (table[slot * 2 + 1] !== 0) slot = (slot + 1) & mask;
      table[slot * 2] = old[i];
      table[slot * 2 + 1] = old[i + 1];
    }
    this.table = table;
    this.mask = mask;
  }

  private growReps(): void {
    const n = this.repBuf.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.repBuf = widen(this.repBuf);
    this.repStart = widen(this.repStart);
    this.repEnd = widen(this.repEnd);
  }
}

export interface InternedPair {
  a: Lines;
  b: Lines;
  aIds: Int32Array;
  bIds: Int32Array;
  /** ids are 0 .. distinct - 1 */
  distinct: number;
}

/**
 * Splits and interns both sides of a pair, in the WASM core (src/wasm.ts internLines): the
 * same starts and ids as internPairJs, without a JS pass over the bytes.
 */
export function internPair(a: Uint8Array, b: Uint8Array): InternedPair {
  const r = internLines(a, b);
  const lines = (data: Uint8Array, starts: Int32Array): Lines => {
    const len = data.length;
    return { data, starts, count: starts.length - 1, noNewlineAtEnd: len > 0 && data[len - 1] !== LF };
  };
  return { a: lines(a, r.aStarts), b: lines(b, r.bStarts), aIds: r.aIds, bIds: r.bIds, distinct: r.distinct };
}

/** internPair in JS (LineInterner): the reference the WASM interner is tested against. */
export function internPairJs(a: Uint8Array, b: Uint8Array): InternedPair {
  const interner = new LineInterner((a.length + b.length) >>> 5);
  const x = interner.add(a);
  const y = interner.add(b);
  return { a: x.lines, b: y.lines, aIds: x.ids, bIds: y.ids, distinct: interner.size };
}
