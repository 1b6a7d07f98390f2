/**
 * Plain TypeScript reference implementations of the WASM core (src/wasm.ts), written for
 * clarity, not speed. test/wasm.test.ts runs the same cases against both and checks that they
 * agree on random and malformed inputs. Formats: see the comments atop wasm/assembly/*.ts.
 */
import type { EntryHeader, TreeEntry } from '../src/wasm.js';

/** The reference's malformed-input error: the same `code`s as WasmFormatError. */
export class RefFormatError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const bad = (code: string, msg = code) => new RefFormatError(code, msg);

export function refParseEntryHeader(pack: Uint8Array, offset: number, packOffset = offset): EntryHeader {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= pack.length) throw bad('BAD_ENTRY_HEADER');
  const end = pack.length;
  let p = offset;
  let c = pack[p++];
  const type = (c >> 4) & 7;
  if (type === 0 || type === 5) throw bad('BAD_ENTRY_HEADER');
  let size = c & 15;
  let shift = 4;
  while (c & 0x80) {
    if (p >= end || shift > 56) throw bad('BAD_ENTRY_HEADER');
    c = pack[p++];
    size += (c & 0x7f) * 2 ** shift;
    if (size > MAX_SAFE) throw bad('BAD_ENTRY_HEADER');
    shift += 7;
  }
  let baseOffset = -1;
  if (type === 6) {
    if (p >= end) throw bad('BAD_ENTRY_HEADER');
    c = pack[p++];
    let ofs = c & 0x7f;
    while (c & 0x80) {
      if (p >= end) throw bad('BAD_ENTRY_HEADER');
      ofs += 1;
      if (ofs >= 2 ** 46) throw bad('BAD_ENTRY_HEADER');
      c = pack[p++];
      ofs = ofs * 128 + (c & 0x7f);
    }
    baseOffset = packOffset - ofs;
    if (baseOffset >= packOffset || baseOffset < 12) throw bad('BAD_ENTRY_HEADER');
  } else if (type === 7) {
    if (end - p < 20) throw bad('BAD_ENTRY_HEADER');
    p += 20;
  }
  return { type, size, headerLength: p - offset, baseOffset };
}

function readVarint(d: Uint8Array, p: number): [number, number] {
  let v = 0;
  let shift = 0;
  let c = 0x80;
  while (c & 0x80) {
    if (p >= d.length || shift > 56) throw bad('BAD_DELTA');
    c = d[p++];
    v += (c & 0x7f) * 2 ** shift;
    if (v > MAX_SAFE) throw bad('BAD_DELTA');
    shift += 7;
  }
  return [v, p];
}

export function refDeltaSizes(delta: Uint8Array): { baseSize: number; resultSize: number } {
  const [baseSize, p] = readVarint(delta, 0);
  const [resultSize] = readVarint(delta, p);
  return { baseSize, resultSize };
}

/** Runs the ops; with out = null it only validates. */
function runDelta(base: Uint8Array, delta: Uint8Array, out: Buffer | null): void {
  let [baseSize, p] = readVarint(delta, 0);
  let resultSize: number;
  [resultSize, p] = readVarint(delta, p);
  if (baseSize !== base.length) throw bad('BAD_DELTA');
  let o = 0;
  while (p < delta.length) {
    const c = delta[p++];
    if (c & 0x80) {
      let off = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) {
        if (c & (1 << i)) {
          if (p >= delta.length) throw bad('BAD_DELTA');
          off += delta[p++] * 2 ** (8 * i);
        }
      }
      for (let i = 0; i < 3; i++) {
        if (c & (0x10 << i)) {
          if (p >= delta.length) throw bad('BAD_DELTA');
          size += delta[p++] << (8 * i);
        }
      }
      if (size === 0) size = 0x10000;
      if (off + size > base.length || o + size > resultSize) throw bad('BAD_DELTA');
      out?.set(base.subarray(off, off + size), o);
      o += size;
    } else if (c !== 0) {
      if (p + c > delta.length || o + c > resultSize) throw bad('BAD_DELTA');
      out?.set(delta.subarray(p, p + c), o);
      p += c;
      o += c;
    } else {
      throw bad('BAD_DELTA');
    }
  }
  if (o !== resultSize) throw bad('BAD_DELTA');
}

export function refApplyDelta(base: Uint8Array, delta: Uint8Array): Buffer {
  runDelta(base, delta, null);
  const out = Buffer.alloc(refDeltaSizes(delta).resultSize);
  runDelta(base, delta, out);
  return out;
}

export function refParseTree(data: Uint8Array): Array<TreeEntry & { zeroPadded: boolean }> {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out: Array<TreeEntry & { zeroPadded: boolean }> = [];
  let p = 0;
  while (p < buf.length) {
    const sp = buf.indexOf(0x20, p);
    if (sp < 0) throw bad('BAD_TREE', 'missing space');
    if (sp === p) throw bad('BAD_TREE', 'empty mode');
    let mode = 0;
    for (let i = p; i < sp; i++) {
      const c = buf[i];
      if (c < 0x30 || c > 0x37) throw bad('BAD_TREE', 'non-octal mode');
      if (mode > 0x1fffffff) throw bad('BAD_TREE', 'mode overflow');
      mode = mode * 8 + (c - 0x30);
    }
    const nul = buf.indexOf(0, sp + 1);
    if (nul < 0) throw bad('BAD_TREE', 'missing NUL');
    if (nul === sp + 1) throw bad('BAD_TREE', 'empty name');
    if (buf.length - nul - 1 < 20) throw bad('BAD_TREE', 'truncated oid');
    out.push({ mode, name: buf.subarray(sp + 1, nul), oid: buf.subarray(nul + 1, nul + 21), zeroPadded: buf[p] === 0x30 });
    p = nul + 21;
  }
  return out;
}

const HEX40 = /^[0-9a-fA-F]{40}$/;

export function refParseCommitLinks(data: Uint8Array): { tree: Buffer; parents: Buffer[]; commitTime: number } {
  const s = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  if (s.length < 46 || !s.startsWith('tree ') || s[45] !== '\n' || !HEX40.test(s.slice(5, 45))) throw bad('BAD_COMMIT');
  const tree = Buffer.from(s.slice(5, 45), 'hex');
  const parents: Buffer[] = [];
  let p = 46;
  while (s.startsWith('parent ', p)) {
    if (s.length - p < 48 || s[p + 47] !== '\n' || !HEX40.test(s.slice(p + 7, p + 47))) throw bad('BAD_COMMIT');
    parents.push(Buffer.from(s.slice(p + 7, p + 47), 'hex'));
    p += 48;
  }
  let commitTime = 0;
  while (p < s.length && s[p] !== '\n') {
    let eol = s.indexOf('\n', p);
    if (eol < 0) eol = s.length;
    const line = s.slice(p, eol);
    if (line.startsWith('committer ')) {
      const gt = line.lastIndexOf('>');
      if (gt >= 0) {
        const m = /^ *([0-9]*)/.exec(line.slice(gt + 1))!;
        for (const ch of m[1]) commitTime = commitTime * 10 + (ch.charCodeAt(0) - 48);
      }
      break;
    }
    p = eol + 1;
  }
  return { tree, parents, commitTime };
}

function refParseTag(data: Uint8Array): { target: Buffer; kind: number } {
  const s = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1');
  if (s.length < 48 || !s.startsWith('object ') || s[47] !== '\n' || !HEX40.test(s.slice(7, 47))) throw bad('BAD_TAG');
  let kind = 0;
  if (s.startsWith('type ', 48)) {
    let eol = s.indexOf('\n', 53);
    if (eol < 0) eol = s.length;
    kind = ({ commit: 1, tree: 2, blob: 3 } as Record<string, number>)[s.slice(53, eol)] ?? 0;
  }
  return { target: Buffer.from(s.slice(7, 47), 'hex'), kind };
}

/** The walker with a Map for the seen-set and an array for the stack; same order rules. */
export class RefObjectWalker {
  #state = new Map<string, 1 | 2>();
  #stack: Array<[Buffer, number]> = [];
  #followParents: boolean;
  nextKind = 0;

  constructor(options?: { followParents?: boolean }) {
    this.#followParents = options?.followParents ?? true;
  }
  mark(oid: Uint8Array): boolean {
    const k = Buffer.from(oid).toString('hex');
    const was = this.#state.get(k);
    this.#state.set(k, 2);
    return was !== 2;
  }
  push(oid: Uint8Array, kind = 0): void {
    const k = Buffer.from(oid).toString('hex');
    if (this.#state.has(k)) return;
    this.#state.set(k, 1);
    this.#stack.push([Buffer.from(oid), kind]);
  }
  next(): Buffer | null {
    for (let e = this.#stack.pop(); e; e = this.#stack.pop()) {
      if (this.#state.get(e[0].toString('hex')) === 2) continue;
      this.nextKind = e[1];
      return Buffer.from(e[0]);
    }
    this.nextKind = 0;
    return null;
  }
  visit(type: number, data: Uint8Array): void {
    if (type === 1) {
      const c = refParseCommitLinks(data);
      this.push(c.tree, 2);
      if (this.#followParents) for (let i = c.parents.length - 1; i >= 0; i--) this.push(c.parents[i], 1);
    } else if (type === 2) {
      for (const e of refParseTree(data)) {
        const fmt = e.mode & 0o170000;
        if (fmt === 0o160000) continue;
        this.push(e.oid, fmt === 0o040000 ? 2 : 3);
      }
    } else if (type === 4) {
      const t = refParseTag(data);
      this.push(t.target, t.kind);
    }
  }
  has(oid: Uint8Array): boolean {
    return this.#state.has(Buffer.from(oid).toString('hex'));
  }
  get size(): number {
    return this.#state.size;
  }
  dispose(): void {}
}

/**
 * Myers' greedy O(ND) forward algorithm (1986, section 3) with the V vectors kept per D for
 * backtracking: an independent check of the linear-space core. Returns minimal hunks.
 */
export function refMyersDiff(a: Int32Array, b: Int32Array): { hunks: Int32Array; limited: boolean } {
  const n = a.length, m = b.length, max = n + m, off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let dEnd = -1;
  outer: for (let d = 0; d <= max; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) { x++; y++; }
      v[off + k] = x;
      if (x >= n && y >= m) { dEnd = d; break outer; }
    }
  }
  // backtrack into change flags
  const ca = new Uint8Array(n), cb = new Uint8Array(m);
  let x = n, y = m;
  for (let d = dEnd; d > 0; d--) {
    const vp = trace[d];
    const k = x - y;
    const down = k === -d || (k !== d && vp[off + k - 1] < vp[off + k + 1]);
    const pk = down ? k + 1 : k - 1;
    const px = vp[off + pk], py = px - pk;
    while (x > px + (down ? 0 : 1) && y > py + (down ? 1 : 0)) { x--; y--; }
    if (down) cb[--y] = 1; else ca[--x] = 1;
    x = px; y = py;
  }
  return { hunks: hunksFromFlags(ca, cb), limited: false };
}

export function hunksFromFlags(ca: Uint8Array, cb: Uint8Array): Int32Array {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < ca.length || j < cb.length) {
    if ((i < ca.length && ca[i]) || (j < cb.length && cb[j])) {
      const i0 = i, j0 = j;
      while (i < ca.length && ca[i]) i++;
      while (j < cb.length && cb[j]) j++;
      out.push(i0, i - i0, j0, j - j0);
    } else { i++; j++; }
  }
  return Int32Array.from(out);
}
