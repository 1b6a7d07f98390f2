/**
 * The typed loader of the WASM core (wasm/assembly, built by `npm run build:wasm`). This is the
 * only file that instantiates the module.
 *
 * Boundary: each call copies its input into WASM memory once (one `alloc` block, or the 64-byte
 * `io` area for an oid / a pack entry header), makes one call, and reads the results through
 * small getters or a typed view of the result block; no JSON, no per-byte calls. Memory grows
 * inside WASM (the core's allocator) at most once or twice per call; the views below are
 * refreshed after every call that may have grown it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const OBJ_COMMIT = 1, OBJ_TREE = 2, OBJ_BLOB = 3, OBJ_TAG = 4, OBJ_OFS_DELTA = 6, OBJ_REF_DELTA = 7;

export type WasmFormatCode = 'BAD_ENTRY_HEADER' | 'BAD_DELTA' | 'BAD_TREE' | 'BAD_COMMIT' | 'BAD_TAG';

/** Thrown for malformed input (bad header, bad delta, bad tree). `code` is a stable string. */
export class WasmFormatError extends Error {
  readonly code: string;
  constructor(code: WasmFormatCode | (string & {}), message: string) {
    super(message);
    this.name = 'WasmFormatError';
    this.code = code;
  }
}

// --- the module ---------------------------------------------------------------------------

/** The core's exports (wasm/assembly/index.ts). Pointers are u32: read them with `>>> 0`. */
interface CoreExports {
  memory: WebAssembly.Memory;
  io(): number;
  alloc(n: number): number;
  free(p: number): void;
  heapTop(): number;
  freeBlocks(): number;
  entryHeader(len: number): number;
  entryType(): number;
  entrySize(): number;
  entryOfs(): number;
  deltaHeader(len: number): number;
  deltaBase(): number;
  deltaResult(): number;
  deltaCheck(d: number, dlen: number, blen: number): number;
  deltaApply(d: number, dlen: number, base: number, blen: number, out: number): number;
  treeParse(p: number, len: number, out: number): number;
  commitParse(p: number, len: number, out: number): number;
  commitTimestamp(): number;
  walkerNew(seed: number, followParents: number): number;
  walkerFree(w: number): void;
  walkerMark(w: number): number;
  walkerPush(w: number, kind: number): number;
  walkerHas(w: number): number;
  walkerSize(w: number): number;
  walkerKind(w: number): number;
  walkerNext(w: number): number;
  walkerVisit(w: number, type: number, p: number, len: number): number;
  walkerConflict(w: number): number;
  myers(a: number, n: number, b: number, m: number, costLimit: number): number;
  myersResult(): number;
  myersWasLimited(): number;
  internLines(pa: number, la: number, pb: number, lb: number, seedLo: number, seedHi: number): number;
  internResult(): number;
  internCountA(): number;
  internCountB(): number;
  internDistinctCount(): number;
  xdiff(pa: number, la: number, pb: number, lb: number, alg: number): number;
  xdiffResult(): number;
  xmerge(p0: number, l0: number, p1: number, l1: number, p2: number, l2: number,
    alg: number, level: number, style: number, favor: number, markerSize: number, names: number): number;
  xmergeResult(): number;
  xmergeLength(): number;
}

function locate(): URL {
  const candidates = [
    new URL('../wasm/build/gitwell.wasm', import.meta.url), // src/wasm.ts
    new URL('../../wasm/build/gitwell.wasm', import.meta.url), // dist/src/wasm.js
  ];
  for (const url of candidates) if (existsSync(fileURLToPath(url))) return url;
  throw new Error(
    `gitwell: the WASM core is not built (looked for ${candidates.map((u) => fileURLToPath(u)).join(', ')}): run npm run build:wasm`,
  );
}

const core = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(locate())), {
  env: {
    abort() {
      throw new Error('gitwell wasm: abort');
    },
  },
}).exports as unknown as CoreExports;

const IO = core.io() >>> 0;
let u8 = new Uint8Array(core.memory.buffer);

/**
 * The current byte view of WASM memory. Growing the memory detaches the old buffer, which
 * leaves the old view with length 0: a cheap check, unlike the `memory.buffer` getter.
 */
function mem(): Uint8Array {
  if (u8.length === 0) u8 = new Uint8Array(core.memory.buffer);
  return u8;
}

function alloc(n: number): number {
  const p = n <= 0xfff0_0000 ? core.alloc(n) >>> 0 : 0;
  if (p === 0) throw new RangeError(`gitwell wasm: out of memory (${n} bytes)`);
  return p;
}

/** Copies `src` into a new block; returns its pointer. */
function copyIn(src: Uint8Array, extra = 0): number {
  const p = alloc(src.length + extra);
  mem().set(src, p);
  return p;
}

function copyOut(p: number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  out.set(mem().subarray(p, p + n));
  return out;
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

const OOM = -6;
function check(rc: number): number {
  if (rc >= 0) return rc;
  switch (rc) {
    case -1: throw new WasmFormatError('BAD_ENTRY_HEADER', 'malformed pack entry header');
    case -2: throw new WasmFormatError('BAD_DELTA', 'malformed delta');
    case -3: throw new WasmFormatError('BAD_TREE', 'malformed tree object');
    case -4: throw new WasmFormatError('BAD_COMMIT', 'malformed commit object');
    case -5: throw new WasmFormatError('BAD_TAG', 'malformed tag object');
    case OOM: throw new RangeError('gitwell wasm: out of memory');
    default: throw new Error(`gitwell wasm: unexpected status ${rc}`);
  }
}

/** Memory figures of the core, for tests and diagnostics. */
export function wasmMemoryStats(): { memoryBytes: number; heapTop: number; freeBlocks: number } {
  return { memoryBytes: core.memory.buffer.byteLength, heapTop: core.heapTop() >>> 0, freeBlocks: core.freeBlocks() };
}

// --- pack entries -------------------------------------------------------------------------

export interface EntryHeader {
  type: number;
  size: number;
  headerLength: number;
  baseOffset: number;
}

/** The longest possible header: 9 size bytes + a 20-byte ref (an ofs varint is shorter). */
const MAX_ENTRY_HEADER = 32;

/**
 * Parses the entry header at `offset` of `pack`. For REF_DELTA the base oid is
 * pack.subarray(offset + headerLength - 20, offset + headerLength). When `pack` is only a
 * window of the pack (a read from a spooled file), `packOffset` is where `offset` sits in the
 * whole pack: baseOffset is computed and checked against it.
 */
export function parseEntryHeader(pack: Uint8Array, offset: number, packOffset = offset): EntryHeader {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset >= pack.length) {
    throw new WasmFormatError('BAD_ENTRY_HEADER', `pack entry offset ${offset} out of range`);
  }
  const n = Math.min(MAX_ENTRY_HEADER, pack.length - offset);
  mem().set(pack.subarray(offset, offset + n), IO);
  const headerLength = check(core.entryHeader(n));
  const type = core.entryType();
  let baseOffset = -1;
  if (type === OBJ_OFS_DELTA) {
    // `packOffset`: where `offset` sits in the whole pack, when `pack` is only a window of it
    baseOffset = packOffset - core.entryOfs();
    if (baseOffset >= packOffset || baseOffset < 12) {
      throw new WasmFormatError('BAD_ENTRY_HEADER', `ofs-delta at ${packOffset} points outside the pack (${baseOffset})`);
    }
  }
  return { type, size: core.entrySize(), headerLength, baseOffset };
}

// --- deltas -------------------------------------------------------------------------------

/** Sizes declared at the start of a delta. */
export function deltaSizes(delta: Uint8Array): { baseSize: number; resultSize: number } {
  const n = Math.min(64, delta.length);
  mem().set(delta.subarray(0, n), IO);
  check(core.deltaHeader(n));
  return { baseSize: core.deltaBase(), resultSize: core.deltaResult() };
}

/** Where a delta's result goes: `out[at, at + resultSize)`, with whatever the caller put before `at`. */
export interface DeltaTarget {
  out: Uint8Array;
  at: number;
}

/**
 * Applies a git delta to `base`. The delta is validated in full (sizes, opcodes, copy bounds)
 * before the output is allocated, so a tiny delta declaring a huge result costs nothing; a
 * valid delta whose result cannot fit in WASM memory (~4 GiB) throws a RangeError.
 * Returns a new Buffer the caller owns, or with `target`, writes the result where
 * `target(resultSize)` says (a loose object: its header, then the content) and returns that.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array): Buffer;
export function applyDelta<T extends DeltaTarget>(base: Uint8Array, delta: Uint8Array, target: (resultSize: number) => T): T;
export function applyDelta(base: Uint8Array, delta: Uint8Array, target?: (resultSize: number) => DeltaTarget): Buffer | DeltaTarget {
  const { baseSize, resultSize } = deltaSizes(delta);
  if (baseSize !== base.length) {
    throw new WasmFormatError('BAD_DELTA', `delta base size ${baseSize} != base length ${base.length}`);
  }
  let d = 0;
  let b = 0;
  try {
    d = copyIn(delta);
    check(core.deltaCheck(d, delta.length, base.length));
    if (delta.length + base.length + resultSize > 0xfff0_0000) {
      throw new RangeError(`gitwell wasm: delta result of ${resultSize} bytes is too large`);
    }
    b = copyIn(base, resultSize);
    const out = b + base.length;
    check(core.deltaApply(d, delta.length, b, base.length, out));
    if (!target) return copyOut(out, resultSize);
    const t = target(resultSize);
    t.out.set(mem().subarray(out, out + resultSize), t.at);
    return t;
  } finally {
    if (b) core.free(b);
    if (d) core.free(d);
  }
}

// --- trees --------------------------------------------------------------------------------

/** A tree entry. `name` and `oid` are subarrays of the input (views, not copies). */
export interface TreeEntry {
  mode: number;
  name: Buffer;
  oid: Buffer;
}

/**
 * Parses a tree object body. `name` and `oid` of each entry are views into `data` (copy them
 * if `data`'s memory is about to be reused). Throws BAD_TREE on: empty mode, non-octal digit,
 * missing space, missing NUL, empty name, truncated oid, a mode beyond 32 bits.
 */
export function parseTree(data: Uint8Array): Array<TreeEntry & { zeroPadded: boolean }> {
  if (data.length === 0) return [];
  const len = data.length;
  const maxEntries = Math.floor(len / 24) + 1;
  const p = copyIn(data, maxEntries * 16 + 16);
  try {
    const out = (p + len + 15) & ~15;
    const n = check(core.treeParse(p, len, out));
    const rec = new Uint32Array(core.memory.buffer, out, n * 4);
    const buf = asBuffer(data);
    const entries = new Array<TreeEntry & { zeroPadded: boolean }>(n);
    for (let i = 0, r = 0; i < n; i++, r += 4) {
      const nameEnd = rec[r + 2];
      entries[i] = {
        mode: rec[r],
        name: buf.subarray(rec[r + 1], nameEnd),
        oid: buf.subarray(nameEnd + 1, nameEnd + 21),
        zeroPadded: rec[r + 3] !== 0,
      };
    }
    return entries;
  } finally {
    core.free(p);
  }
}

// --- commits ------------------------------------------------------------------------------

/**
 * Parses the `tree` line, the `parent` lines and the committer timestamp of a commit body.
 * `tree` and `parents` are fresh 20-byte binary oids.
 */
export function parseCommitLinks(data: Uint8Array): { tree: Buffer; parents: Buffer[]; commitTime: number } {
  const len = data.length;
  const p = copyIn(data, 24 + Math.floor(len / 48) * 20);
  try {
    const out = p + len;
    const nParents = check(core.commitParse(p, len, out));
    const m = mem();
    const tree = Buffer.from(m.subarray(out, out + 20));
    const parents = new Array<Buffer>(nParents);
    for (let i = 0; i < nParents; i++) {
      const o = out + 20 + 20 * i;
      parents[i] = Buffer.from(m.subarray(o, o + 20));
    }
    return { tree, parents, commitTime: core.commitTimestamp() };
  } finally {
    core.free(p);
  }
}

// --- the reachability walk ----------------------------------------------------------------

const walkerFinalizer = new FinalizationRegistry<number>((w) => core.walkerFree(w));

// 20 bytes: a plain loop beats TypedArray#set (which costs ~0.5 us a call on a wasm memory view)
function oidIn(oid: Uint8Array): void {
  if (oid.length !== 20) throw new TypeError(`an oid is 20 bytes, got ${oid.length}`);
  const m = mem();
  for (let i = 0; i < 20; i++) m[IO + i] = oid[i];
}

function oidOut(): Buffer {
  const m = mem();
  const b = Buffer.allocUnsafe(20);
  for (let i = 0; i < 20; i++) b[i] = m[IO + i];
  return b;
}

/**
 * The reachability walk. The seen-set and the work stack live in WASM memory, owned by this
 * walker (freed by dispose(), or by the GC as a fallback). The caller does the I/O: next()
 * gives an oid to load, visit() parses the loaded object and queues its unseen links.
 *
 * Kinds (hints, numbered like OBJ_*): 0 unknown, 1 commit, 2 tree, 3 blob. A tag's target gets
 * the kind of the tag's `type` line when it is commit/tree/blob, else 0.
 */
export class ObjectWalker {
  #w: number;
  #kind = 0;

  constructor(options?: { followParents?: boolean }) {
    const seed = (Math.random() * 0x1_0000_0000) >>> 0;
    this.#w = core.walkerNew(seed, options?.followParents === false ? 0 : 1) >>> 0;
    if (this.#w === 0) throw new RangeError('gitwell wasm: out of memory (walker)');
    walkerFinalizer.register(this, this.#w, this);
  }

  #ptr(): number {
    if (this.#w === 0) throw new Error('ObjectWalker used after dispose()');
    return this.#w;
  }

  /**
   * Marks an oid as already known: it will never be returned by next() (even if it was queued
   * before) nor descended into. Returns true if it was not marked before.
   */
  mark(oid: Uint8Array): boolean {
    const w = this.#ptr();
    oidIn(oid);
    return check(core.walkerMark(w)) === 1;
  }

  /** Queues an object to visit unless already seen/marked. `kind`: 0 unknown, 1 commit, 2 tree, 3 blob. */
  push(oid: Uint8Array, kind = 0): void {
    const w = this.#ptr();
    oidIn(oid);
    check(core.walkerPush(w, kind));
  }

  /** Pops the next oid to load (a fresh 20-byte Buffer), or null when the walk is done. */
  next(): Buffer | null {
    const w = this.#ptr();
    if (core.walkerNext(w) === 0) {
      this.#kind = 0;
      return null;
    }
    this.#kind = core.walkerKind(w);
    return oidOut();
  }

  /** The kind hint of the oid last returned by next(). */
  get nextKind(): number {
    return this.#kind;
  }

  /**
   * Parses the object just returned by next() and queues its unseen links. Throws BAD_TREE,
   * BAD_COMMIT or BAD_TAG (a tag without a valid `object` line) on malformed input, in which
   * case nothing is queued.
   */
  visit(type: number, data: Uint8Array): void {
    const w = this.#ptr();
    if (type !== OBJ_COMMIT && type !== OBJ_TREE && type !== OBJ_TAG) return;
    const p = copyIn(data);
    try {
      check(core.walkerVisit(w, type, p, data.length));
    } finally {
      core.free(p);
    }
  }

  /**
   * The first oid linked as two different kinds (a blob-mode and a tree-mode tree entry naming
   * the same object, say): one of the links is wrong, whatever the object is. Null if none.
   */
  get conflict(): { oid: Buffer; first: number; second: number } | null {
    const c = core.walkerConflict(this.#ptr()) >>> 0;
    return c === 0 ? null : { oid: oidOut(), first: c >> 8, second: c & 0xff };
  }

  /** True if oid has been seen or marked. */
  has(oid: Uint8Array): boolean {
    const w = this.#ptr();
    oidIn(oid);
    return core.walkerHas(w) !== 0;
  }

  /** Number of distinct oids seen or marked. */
  get size(): number {
    return core.walkerSize(this.#ptr()) >>> 0;
  }

  /** Frees the walker's WASM memory. Idempotent; the walker is unusable afterwards. */
  dispose(): void {
    if (this.#w === 0) return;
    walkerFinalizer.unregister(this);
    core.walkerFree(this.#w);
    this.#w = 0;
  }
}

// --- Myers diff ---------------------------------------------------------------------------

const NO_LIMIT = 0x7fff_ffff;

/**
 * Myers diff over two sequences of line ids. Returns hunks [aStart, aCount, bStart, bCount]
 * (0-based), packed 4 per hunk. `costLimit`: absent = xdiff's default (max(256, ~sqrt(N+M)));
 * Infinity = no limit (always minimal, may be quadratic); a finite value >= 1 = that limit.
 * `limited` is true when the limit cut a search short (the script is valid but may be
 * non-minimal); when false the script has the minimal number of inserted + deleted lines.
 */
export function myersDiff(a: Int32Array, b: Int32Array, costLimit?: number): { hunks: Int32Array; limited: boolean } {
  let limit = 0;
  if (costLimit !== undefined) {
    if (Number.isNaN(costLimit)) throw new TypeError('costLimit is NaN');
    limit = costLimit >= NO_LIMIT ? NO_LIMIT : Math.max(1, Math.floor(costLimit));
  }
  const n = a.length, m = b.length;
  const p = alloc((n + m) * 4);
  let h = 0;
  try {
    const mm = mem();
    new Int32Array(mm.buffer, p, n).set(a);
    new Int32Array(mm.buffer, p + n * 4, m).set(b);
    const count = check(core.myers(p, n, p + n * 4, m, limit));
    h = core.myersResult() >>> 0;
    const hunks = new Int32Array(count * 4);
    hunks.set(new Int32Array(core.memory.buffer, h, count * 4));
    return { hunks, limited: core.myersWasLimited() !== 0 };
  } finally {
    if (h) core.free(h);
    core.free(p);
  }
}

// --- line interning -----------------------------------------------------------------------

export interface InternedLines {
  /** line i of a is a[aStarts[i], aStarts[i + 1]); aStarts.length = line count + 1 */
  aStarts: Int32Array;
  bStarts: Int32Array;
  /** equal lines (byte for byte, LF included) of both sides have equal ids */
  aIds: Int32Array;
  bIds: Int32Array;
  /** ids are 0 .. distinct - 1, in order of first occurrence (a's lines, then b's) */
  distinct: number;
}

/**
 * Splits both buffers into lines (up to and including LF; the last may lack it) and interns
 * them in the WASM core: the same starts and the same ids as src/core/diff/lines.ts's
 * LineInterner on (a, b). Hash matches are confirmed byte for byte; the hash is seeded per call.
 */
export function internLines(a: Uint8Array, b: Uint8Array): InternedLines {
  const la = a.length, lb = b.length;
  const offB = (la + 8 + 15) & ~15;
  const p = alloc(offB + lb + 8);
  let out = 0;
  try {
    const mm = mem();
    mm.set(a, p);
    mm.fill(0, p + la, p + offB);
    mm.set(b, p + offB);
    mm.fill(0, p + offB + lb, p + offB + lb + 8);
    const seedLo = (Math.random() * 0x1_0000_0000) >>> 0;
    const seedHi = (Math.random() * 0x1_0000_0000) >>> 0;
    check(core.internLines(p, la, p + offB, lb, seedLo, seedHi));
    out = core.internResult() >>> 0;
    const na = core.internCountA(), nb = core.internCountB();
    const all = new Int32Array(core.memory.buffer, out, 2 * (na + nb) + 2).slice();
    let o = 0;
    const aStarts = all.subarray(o, (o += na + 1));
    const bStarts = all.subarray(o, (o += nb + 1));
    const aIds = all.subarray(o, (o += na));
    const bIds = all.subarray(o, (o += nb));
    return { aStarts, bStarts, aIds, bIds, distinct: core.internDistinctCount() };
  } finally {
    if (out) core.free(out);
    core.free(p);
  }
}

// --- git's xdiff: edit scripts and the three-way line merge --------------------------------

/** xdiff's algorithms, as the core numbers them. */
export type XdiffAlgorithm = 'myers' | 'histogram';
const ALG: Record<XdiffAlgorithm, number> = { myers: 0, histogram: 1 };

/**
 * git's edit script of `a` against `b` (xdl_do_diff, xdl_change_compact both ways,
 * xdl_build_script; no indent heuristic): hunks [aStart, aCount, bStart, bCount], 0-based,
 * packed 4 per hunk, ascending.
 */
export function xdiffScript(a: Uint8Array, b: Uint8Array, algorithm: XdiffAlgorithm): Int32Array {
  const offB = (a.length + 15) & ~15;
  const p = alloc(offB + b.length + 16);
  let out = 0;
  try {
    const mm = mem();
    mm.set(a, p);
    mm.set(b, p + offB);
    const n = check(core.xdiff(p, a.length, p + offB, b.length, ALG[algorithm]));
    out = core.xdiffResult() >>> 0;
    return new Int32Array(core.memory.buffer, out, n * 4).slice();
  } finally {
    if (out) core.free(out);
    core.free(p);
  }
}

export interface XmergeOptions {
  algorithm: XdiffAlgorithm;
  /** 0 minimal, 1 eager, 2 zealous (merge-ort), 3 zealous_alnum (git merge-file) */
  level: 0 | 1 | 2 | 3;
  /** 'merge' (default), 'diff3' (with the base section), 'zdiff3' */
  style?: 'merge' | 'diff3' | 'zdiff3';
  favor?: 'ours' | 'theirs' | 'union';
  /** conflict marker length, default 7 */
  markerSize?: number;
  /** labels after the markers (a string is written as UTF-8); null: none */
  ancestor?: string | Uint8Array | null;
  ours?: string | Uint8Array | null;
  theirs?: string | Uint8Array | null;
}

const STYLE = { merge: 0, diff3: 1, zdiff3: 2 } as const;
const FAVOR = { ours: 1, theirs: 2, union: 3 } as const;

/** git's xdl_merge: the merged bytes (with conflict markers) and how many conflicts. */
export function xdlMerge(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, o: XmergeOptions): { data: Buffer; conflicts: number } {
  const labels = [o.ancestor, o.ours, o.theirs].map((l) => (l == null ? null : typeof l === 'string' ? Buffer.from(l, 'utf8') : l));
  const parts: Array<Uint8Array | null> = [base, ours, theirs, ...labels];
  const offsets: number[] = [];
  let total = 32;
  for (const x of parts) {
    offsets.push(total);
    total += ((x?.length ?? 0) + 15) & ~15;
  }
  const p = alloc(total);
  let out = 0;
  try {
    const mm = mem();
    parts.forEach((x, i) => x && mm.set(x, p + offsets[i]));
    const names = new Int32Array(mm.buffer, p, 6);
    for (let i = 0; i < 3; i++) {
      const l = labels[i];
      names[i * 2] = p + offsets[3 + i];
      names[i * 2 + 1] = l === null ? -1 : l.length;
    }
    const conflicts = check(core.xmerge(
      p + offsets[0], base.length, p + offsets[1], ours.length, p + offsets[2], theirs.length,
      ALG[o.algorithm], o.level, STYLE[o.style ?? 'merge'], o.favor ? FAVOR[o.favor] : 0, o.markerSize ?? 0, p,
    ));
    out = core.xmergeResult() >>> 0;
    return { data: copyOut(out, core.xmergeLength()), conflicts };
  } finally {
    if (out) core.free(out);
    core.free(p);
  }
}
