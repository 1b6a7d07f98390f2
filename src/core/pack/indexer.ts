/**
 * Pack decoding (gitformat-pack), the receive side:
 *   "PACK" version(2|3) count, then `count` entries, then the SHA-1 of all preceding bytes.
 *   entry types: 1 commit, 2 tree, 3 blob, 4 tag, 6 OFS_DELTA (base at this offset minus a
 *   varint), 7 REF_DELTA (base named by a 20-byte oid, maybe outside the pack: a thin pack).
 *
 * Memory stays bounded: the pack is read through a window, resolved objects go straight to the
 * sink (the store), small delta payloads are kept from pass 1 up to a budget, and bases live in
 * a byte-bounded LRU; a base evicted from it is computed again from the pack (as git
 * index-pack does), so nothing handed to the sink is ever read back.
 *
 * Every object is handed on with its entry as it was in the pack (the compressed bytes, and
 * for a delta its base), so that serving can reuse the client's compression and deltas.
 */
import { constants } from 'node:buffer';
import { createHash } from 'node:crypto';
import { applyDelta, parseEntryHeader, WasmFormatError, OBJ_OFS_DELTA, OBJ_REF_DELTA } from '../../wasm.js';
import { ByteLru } from '../byte-lru.js';
import { GitwellError } from '../errors.js';
import { hashLoose, oidToHex, TYPE_NAME } from '../oid.js';
import { InflateError, Inflater } from './inflate.js';
import type { ObjectFinder } from '../object/finder.js';

/** Random access to the pack bytes (a spooled file, or a buffer). */
export interface PackSource {
  readonly size: number;
  /**
   * At least `min` bytes from `offset` (fewer only at the end), up to `want`. The view may be
   * of a reused window: it is valid until the next read.
   */
  read(offset: number, min: number, want?: number): Buffer;
}

/** An object's entry as the pack carried it: zlib stream of the object, or of a delta on `base`. */
export interface PackedEntry {
  /** the object's type (1-4), also for a delta entry */
  type: number;
  /** inflated size: the object's for a whole entry, the delta's for a delta */
  size: number;
  /** base object id of a delta entry, null for a whole object */
  base: Buffer | null;
  /** length of the delta chain above this entry (0 for a whole object) */
  depth: number;
  /** the zlib stream: a view of the pack's read window, valid only during the sink call */
  z: Buffer;
}

export interface IndexOptions {
  /** Bases for REF_DELTAs that are not in the pack (thin packs); must answer only objects the repo may use. */
  thinBases?: ObjectFinder;
  /** Delta depth of a thin base as stored (0 if unknown or whole). */
  thinDepth?(oid: Buffer): number;
  /**
   * Receives every object, in an order where a delta's base comes first: `loose` is the object
   * as git hashes it ("<type> <size>\0" + content), `data` the content (a view into it). A
   * blob's `data` and `loose` may be scratch memory, valid only during the call: copy what
   * you keep of a blob (its content is in its entry). Throw to abort; return a promise to
   * make the decoder wait (back-pressure).
   */
  sink(oid: Buffer, type: number, data: Buffer, entry: PackedEntry, loose: Buffer): void | Promise<void>;
  /** Called for each object before the sink; return an error text to reject the pack. */
  check?(type: number, data: Uint8Array, oid: Buffer): string | null;
  baseCacheBytes?: number;
  deltaKeepBytes?: number;
  /**
   * Called between entries of both passes; the indexer awaits a promise it returns. A
   * service passes a Slicer's tick, so that a big pack does not hold up the event loop.
   */
  pace?(): Promise<void> | undefined;
  /** Told how far each pass is, every few thousand entries and at its end (a progress bar). */
  progress?(p: IndexProgress): void;
}

export interface IndexProgress {
  /** `objects`: pass 1 over the entries; `deltas`: pass 2, resolving the deltas */
  phase: 'objects' | 'deltas';
  done: number;
  total: number;
}

/** Progress is told every this many entries. */
const PROGRESS_EVERY = 4096;

export interface IndexResult {
  objects: number;
  deltas: number;
  thin: number;
  bytes: number;
  /** every object's id, by entry index: `objects` ids of 20 bytes, back to back */
  oidTable: Buffer;
  /** every object's type (1-4) and content size, by entry index */
  types: Uint8Array;
  objectSizes: Float64Array;
}

export const packError = (message: string) => new GitwellError('UNPROCESSABLE', message);

/** deflate's best case is about 1032:1 (258-byte matches in 2 bits) */
const MAX_DEFLATE_RATIO = 1032;
/** the largest object a buffer can hold, less room for its loose header */
const MAX_OBJECT_BYTES = constants.MAX_LENGTH - 64;

/**
 * Inflates the entry's zlib stream at `offset` into `out[at, at + size)` (out has a spare byte
 * after it); returns the stream's length. Pass 2 knows the length (`streamLength`) and reads
 * just that. In pass 1, a stream longer than the first window (a valid but badly compressed
 * one) is retried with larger windows up to the end of the pack.
 */
function inflateAt(src: PackSource, inflater: Inflater, offset: number, size: number, out: Buffer, at: number, streamLength = 0): number {
  // a zlib stream is at most a little larger than its content (stored blocks: 5 bytes per 64 KiB)
  let want = streamLength || Math.max(size + Math.ceil(size / 16000) * 5 + 64, 64 * 1024);
  for (;;) {
    const win = streamLength ? src.read(offset, streamLength).subarray(0, streamLength) : src.read(offset, 1, want);
    try {
      return inflater.inflateInto(win, out, at, size);
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      if (!streamLength && e.fault === 'corrupt' && offset + win.length < src.size && win.length >= want) {
        want *= 4;
        continue;
      }
      throw packError(`pack entry at offset ${offset} ${e.message}${e.fault === 'corrupt' ? '' : ` (${size} bytes)`}`);
    }
  }
}

/**
 * One buffer reused for blobs nobody keeps (the sink gets them for the length of a call): most
 * of a pack's bytes then never become garbage for the collector. Huge ones get their own.
 */
class Scratch {
  private buf = Buffer.allocUnsafe(64 * 1024);
  take(n: number): Buffer {
    if (n > SCRATCH_MAX) return Buffer.allocUnsafe(n);
    if (n > this.buf.length) this.buf = Buffer.allocUnsafe(Math.min(SCRATCH_MAX, Math.max(n, this.buf.length * 2)));
    return this.buf.subarray(0, n);
  }
}
const SCRATCH_MAX = 8 * 1024 * 1024;

/** `head` written at the start of `b`; returns its length. */
function putHead(b: Buffer, head: string): number {
  if (head.length > 0) b.write(head, 0, 'latin1');
  return head.length;
}

function verifyTrailer(src: PackSource, end: number): void {
  const hash = createHash('sha1');
  for (let p = 0; p < end; ) {
    const n = Math.min(1024 * 1024, end - p);
    hash.update(src.read(p, n).subarray(0, n));
    p += n;
  }
  if (!hash.digest().equals(src.read(end, 20).subarray(0, 20))) throw packError('pack checksum mismatch: the pack is corrupt');
}

/** The entry at `offset` among entries 0..n-1, by their increasing offsets; -1 if none starts there. */
function entryAt(offsets: Float64Array, n: number, offset: number): number {
  let lo = 0;
  let hi = n - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const o = offsets[mid];
    if (o === offset) return mid;
    if (o < offset) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export async function indexPack(src: PackSource, opts: IndexOptions): Promise<IndexResult> {
  if (src.size < 32) throw packError('pack is truncated: shorter than header and checksum');
  const head = src.read(0, 12);
  if (head.toString('latin1', 0, 4) !== 'PACK') throw packError('not a pack: bad signature');
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) throw packError(`unsupported pack version ${version}`);
  const count = head.readUInt32BE(8);
  const end = src.size - 20;
  // every entry takes at least 3 bytes (a header byte and a 2-byte zlib stream at the least):
  // refuse an impossible count before sizing anything by it
  if (count > (end - 12) / 3) throw packError(`pack claims ${count} objects but holds ${end - 12} bytes of entries`);
  // a corrupt pack is refused before anything is written
  verifyTrailer(src, end);

  // Per entry, in typed arrays (no object per entry: a pack of a million objects costs tens
  // of MiB here, not hundreds). Pass 1 walks the entries: whole objects are resolved at once,
  // deltas are recorded with their base (OFS_DELTA: its entry index; REF_DELTA: its oid).
  const type = new Uint8Array(count);
  const offsets = new Float64Array(count);
  const sizes = new Float64Array(count);
  const zStart = new Float64Array(count);
  const zLen = new Float64Array(count);
  const ofsBase = new Int32Array(count).fill(-1);
  const depth = new Uint16Array(count);
  const oidTable = Buffer.allocUnsafe(count * 20);
  const oidOf = (i: number) => oidTable.subarray(i * 20, i * 20 + 20);
  const objectSizes = new Float64Array(count);
  const refBase = new Map<number, Buffer>();
  // delta payloads inflated in pass 1 and kept for pass 2, up to a budget
  const kept = new Map<number, Buffer>();
  let keptBytes = 0;
  const keepBudget = opts.deltaKeepBytes ?? 8 * 1024 * 1024;
  let deltas = 0;
  let off = 12;
  const inflater = new Inflater();
  // blobs nobody keeps, and deltas used once (applying one copies it into WASM memory first)
  const scratch = new Scratch();
  const deltaScratch = new Scratch();

  const zView = (i: number) => src.read(zStart[i], zLen[i]).subarray(0, zLen[i]);

  /** Hashes, checks and hands on one object; a promise when the sink wants us to wait. */
  const emit = (i: number, t: number, loose: Buffer, headLen: number, base: Buffer | null): void | Promise<void> => {
    hashLoose(loose).copy(oidTable, i * 20);
    const oid = oidOf(i);
    const data = loose.subarray(headLen);
    const why = opts.check?.(t, data, oid);
    if (why) throw packError(`object ${oidToHex(oid)} is invalid: ${why}`);
    objectSizes[i] = data.length;
    return opts.sink(oid, t, data, { type: t, size: sizes[i], base, depth: depth[i], z: zView(i) }, loose);
  };

  const pace = opts.pace ?? (() => undefined);
  const progress = opts.progress;
  for (let i = 0; i < count; i++) {
    const paused = pace();
    if (paused) await paused;
    if (progress && i % PROGRESS_EVERY === 0) progress({ phase: 'objects', done: i, total: count });
    if (off >= end) throw packError(`pack is truncated: ${count - i} of ${count} objects missing`);
    let h;
    try {
      const win = src.read(off, Math.min(64, end - off));
      h = parseEntryHeader(win.subarray(0, Math.min(64, end - off)), 0, off);
    } catch (e) {
      if (e instanceof WasmFormatError) throw packError(`bad entry header at offset ${off}: ${e.message}`);
      throw e;
    }
    offsets[i] = off;
    type[i] = h.type;
    sizes[i] = h.size;
    zStart[i] = off + h.headerLength;
    // the output is allocated at its declared size: refuse a size no stream here can hold
    if (h.size > (end - zStart[i]) * MAX_DEFLATE_RATIO + 1024) {
      throw packError(`pack entry at offset ${off} declares ${h.size} bytes, more than its ${end - zStart[i]} bytes of zlib stream can hold`);
    }
    if (h.size > MAX_OBJECT_BYTES) throw packError(`pack entry at offset ${off} declares ${h.size} bytes: objects are limited to ${MAX_OBJECT_BYTES} bytes`);
    const whole = h.type >= 1 && h.type <= 4;
    const isDelta = h.type === OBJ_OFS_DELTA || h.type === OBJ_REF_DELTA;
    if (!whole && !isDelta) throw packError(`bad object type ${h.type} at offset ${off}`);
    if (h.type === OBJ_OFS_DELTA) {
      ofsBase[i] = entryAt(offsets, i, h.baseOffset);
      if (ofsBase[i] < 0) throw packError(`delta at offset ${off} names a base offset that is not an entry`);
    } else if (h.type === OBJ_REF_DELTA) {
      refBase.set(i, Buffer.from(src.read(off + h.headerLength - 20, 20).subarray(0, 20)));
    }
    // a whole object inflates straight into its loose form, after "<type> <size>\0", with one
    // spare byte after the content (see Inflater). It is hashed, checked and handed on, never
    // kept (pass 2 inflates a base again): scratch memory will do. So will a delta not kept.
    const head = whole ? `${TYPE_NAME[h.type]} ${h.size}\0` : '';
    const keep = isDelta && keptBytes + h.size <= keepBudget;
    const buf = keep ? Buffer.allocUnsafe(h.size + 1) : (isDelta ? deltaScratch : scratch).take(head.length + h.size + 1);
    putHead(buf, head);
    const used = inflateAt(src, inflater, zStart[i], h.size, buf, head.length);
    zLen[i] = used;
    if (whole) {
      const wait = emit(i, h.type, buf.subarray(0, head.length + h.size), head.length, null);
      if (wait) await wait;
    } else {
      deltas++;
      if (keep) {
        kept.set(i, buf.subarray(0, h.size));
        keptBytes += h.size;
      }
    }
    off += h.headerLength + used;
    if (off > end) throw packError('pack is truncated inside an entry');
  }
  if (off !== end) throw packError(`pack has ${end - off} unexpected bytes after its last entry`);
  progress?.({ phase: 'objects', done: count, total: count });

  // pass 2: resolve deltas depth-first from every base. OFS_DELTA children are found by the
  // base's entry index (listed by base: kids[kidStart[b], kidStart[b + 1])), REF_DELTA
  // children by the base's oid (in the pack, or outside: thin)
  const kidStart = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) if (ofsBase[i] >= 0) kidStart[ofsBase[i] + 1]++;
  for (let i = 0; i < count; i++) kidStart[i + 1] += kidStart[i];
  const kids = new Uint32Array(kidStart[count]);
  {
    const fill = kidStart.slice(0, count);
    for (let i = 0; i < count; i++) if (ofsBase[i] >= 0) kids[fill[ofsBase[i]]++] = i;
  }
  const hasOfsKids = (i: number) => kidStart[i + 1] > kidStart[i];
  const refChildren = new Map<string, number[]>();
  for (const [i, oid] of refBase) {
    const key = oid.toString('latin1');
    const list = refChildren.get(key);
    if (list) list.push(i);
    else refChildren.set(key, [i]);
  }
  const hasChildren = (i: number) => hasOfsKids(i) || (refChildren.size > 0 && refChildren.has(oidOf(i).toString('latin1')));

  // Resolved bases by entry index, as git's index-pack keeps them: a base stays while some of
  // its children wait on the work stack (`pending`) and goes when the last one is resolved,
  // so the cache holds the frontier of the walk, not the pack. Past its byte bound the least
  // recently used base goes early and is computed again if a child still needs it. One too
  // large for it is kept alone, so that its children do not each compute it again.
  const cache = new ByteLru<number, Uint8Array>(opts.baseCacheBytes ?? 24 * 1024 * 1024, { keepOneLarge: true });
  const pending = new Uint32Array(count);
  const resolvedType = new Uint8Array(count);
  for (let i = 0; i < count; i++) if (type[i] < 5) resolvedType[i] = type[i];
  // for a resolved delta: the entry index of its base (-1: the base outside the pack, thin)
  const baseIndex = new Int32Array(count).fill(-1);
  let resolved = 0;

  /** The inflated bytes of entry i (a whole object's content, or a delta), in `into` if given. */
  const inflated = (i: number, into?: Scratch): Buffer => {
    const buf = into ? into.take(sizes[i] + 1) : Buffer.allocUnsafe(sizes[i] + 1);
    inflateAt(src, inflater, zStart[i], sizes[i], buf, 0, zLen[i]);
    return buf.subarray(0, sizes[i]);
  };

  /**
   * The content of entry i, resolved already: from the cache, else computed again from the
   * pack down to the nearest cached or whole object (`outside`: the thin base, if the chain
   * ends outside the pack). What is computed on the way is cached if a child still needs it.
   */
  const contentOf = (i: number, outside: Uint8Array | null): Uint8Array => {
    const path: number[] = [];
    let content: Uint8Array | undefined;
    for (let j = i; ; ) {
      content = cache.get(j);
      if (content) break;
      if (type[j] < 5) {
        content = inflated(j);
        if (pending[j] > 0) cache.set(j, content);
        break;
      }
      path.push(j);
      j = baseIndex[j];
      if (j === -1) {
        content = outside!;
        break;
      }
    }
    for (let k = path.length - 1; k >= 0; k--) {
      const e = path[k];
      content = applyDelta(content, inflated(e, deltaScratch));
      if (pending[e] > 0) cache.set(e, content);
    }
    return content;
  };

  /** Resolves every delta below one base: an entry of the pack, or (thin) an outside object. */
  const resolveFrom = async (root: number | null, rootOid: Buffer, rootType: number, rootData: Uint8Array | null, rootDepth: number) => {
    // the work stack: entry index, and the entry index of its base (-1: the outside base)
    const stackEntry: number[] = [];
    const stackBase: number[] = [];
    const pushKids = (i: number | null, oid: Buffer, asBase: number) => {
      const before = stackEntry.length;
      if (i !== null) for (let k = kidStart[i]; k < kidStart[i + 1]; k++) (stackEntry.push(kids[k]), stackBase.push(asBase));
      if (refChildren.size > 0) {
        const key = oid.toString('latin1');
        const b = refChildren.get(key);
        if (b) {
          for (const k of b) (stackEntry.push(k), stackBase.push(asBase));
          refChildren.delete(key);
        }
      }
      if (asBase >= 0) pending[asBase] += stackEntry.length - before;
    };
    pushKids(root, rootOid, root ?? -1);
    while (stackEntry.length > 0) {
      const paused = pace();
      if (paused) await paused;
      const i = stackEntry.pop()!;
      const b = stackBase.pop()!;
      if (resolvedType[i]) continue;
      const base = b === -1 ? rootData! : contentOf(b, rootData);
      const t = b === -1 ? rootType : resolvedType[b];
      // after the base: computing it may inflate other deltas into the same scratch
      let delta = kept.get(i);
      if (delta) kept.delete(i);
      else delta = inflated(i, deltaScratch);
      let loose: Buffer;
      let headLen = 0;
      // an object that is nobody's base is only hashed, checked and handed on: scratch memory
      // will do (a REF_DELTA child found by its oid, known only once hashed, is copied below)
      const keep = hasOfsKids(i);
      try {
        const { out } = applyDelta(base, delta, (n) => {
          const head = `${TYPE_NAME[t]} ${n}\0`;
          const out = keep ? Buffer.allocUnsafe(head.length + n) : scratch.take(head.length + n);
          headLen = putHead(out, head);
          return { out, at: headLen };
        });
        loose = out;
      } catch (e) {
        if (e instanceof WasmFormatError) throw packError(`delta at offset ${offsets[i]} is corrupt: ${e.message}`);
        throw e;
      }
      const data = loose.subarray(headLen);
      resolvedType[i] = t;
      baseIndex[i] = b;
      depth[i] = Math.min(0xffff, (b === -1 ? rootDepth : depth[b]) + 1);
      const wait = emit(i, t, loose, headLen, b === -1 ? rootOid : oidOf(b));
      if (wait) await wait;
      resolved++;
      if (progress && resolved % PROGRESS_EVERY === 0) progress({ phase: 'deltas', done: resolved, total: deltas });
      if (b >= 0 && --pending[b] === 0) cache.delete(b);
      if (hasChildren(i)) {
        cache.set(i, keep ? data : Buffer.from(data));
        pushKids(i, oidOf(i), i);
      }
    }
  };

  for (let i = 0; i < count; i++) {
    if (type[i] < 5 && hasChildren(i)) await resolveFrom(i, oidOf(i), type[i], null, 0);
  }
  // thin pack: bases the client assumed we have
  let thin = 0;
  for (const key of [...refChildren.keys()]) {
    if (!refChildren.has(key)) continue;
    const oid = Buffer.from(key, 'latin1');
    const base = opts.thinBases?.get(oid);
    if (!base) continue;
    thin++;
    await resolveFrom(null, oid, base.type, Buffer.from(base.data), opts.thinDepth?.(oid) ?? 0);
  }
  if (resolved !== deltas) {
    const missing = refChildren.keys().next().value;
    throw packError(`pack has ${deltas - resolved} unresolved deltas${missing !== undefined ? ` (missing base ${oidToHex(Buffer.from(missing, 'latin1'))})` : ''}`);
  }
  progress?.({ phase: 'deltas', done: resolved, total: deltas });
  return { objects: count, deltas, thin, bytes: src.size, oidTable, types: resolvedType, objectSizes };
}
