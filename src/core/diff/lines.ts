/**
 * Lines as git's xdiff sees them: a line is its bytes up to and including LF; the last line
 * may lack the LF ("\ No newline at end of file"), and then it differs from the same text with
 * one. Lines are compared exactly (no whitespace or CR folding).
 *
 * Myers runs on interned ids: equal lines of both sides get the same Int32 id. The key of a
 * line is its latin1 string (one char per byte, so char offsets are byte offsets): the whole
 * buffer is decoded once and each key is a slice of it, which V8 hashes without a copy per line.
 */

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
 * interner per pair of files: ids are dense (0, 1, 2, ...) and the map dies with the pair.
 */
export class LineInterner {
  private readonly ids = new Map<string, number>();

  /** Number of distinct lines seen. */
  get size(): number {
    return this.ids.size;
  }

  intern(lines: Lines): Int32Array {
    const { data, starts, count } = lines;
    const out = new Int32Array(count);
    if (count === 0) return out;
    const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
    const ids = this.ids;
    let s = starts[0];
    for (let i = 0; i < count; i++) {
      const e = starts[i + 1];
      const key = text.slice(s, e);
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      out[i] = id;
      s = e;
    }
    return out;
  }
}

/** Splits and interns both sides of a pair. */
export function internPair(a: Uint8Array, b: Uint8Array): { a: Lines; b: Lines; aIds: Int32Array; bIds: Int32Array; distinct: number } {
  const la = splitLines(a);
  const lb = splitLines(b);
  const interner = new LineInterner();
  const aIds = interner.intern(la);
  const bIds = interner.intern(lb);
  return { a: la, b: lb, aIds, bIds, distinct: interner.size };
}
