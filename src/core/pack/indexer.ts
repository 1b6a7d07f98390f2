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
  /** At least `min` bytes from `offset` (fewer only at the end), up to `want`. */
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
  /** the zlib stream: a view of the pack's read window (windows are never reused, so it stays valid) */
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
}

export interface IndexResult {
  objects: number;
  deltas: number;
  thin: number;
  bytes: number;
  /** every object's id, type (1-4) and content size, by entry index */
  oids: Buffer[];
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
 * after it); returns the stream's length. A stream longer than the first window (a valid but
 * badly compressed one) is retried with larger windows up to the end of the pack.
 */
function inflateAt(src: PackSource, inflater: Inflater, offset: number, size: number, out: Buffer, at: number): number {
  // a zlib stream is at most a little larger than its content (stored blocks: 5 bytes per 64 KiB)
  let want = Math.max(size + Math.ceil(size / 16000) * 5 + 64, 64 * 1024);
  for (;;) {
    const win = src.read(offset, 1, want);
    try {
      return inflater.inflateInto(win, out, at, size);
    } catch (e) {
      if (!(e instanceof InflateError)) throw e;
      if (e.fault === 'corrupt' && offset + win.length < src.size && win.length >= want) {
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
    const n = Math.min(8 * 1024 * 1024, end - p);
    hash.update(src.read(p, n).subarray(0, n));
    p += n;
  }
  if (!hash.digest().equals(src.read(end, 20).subarray(0, 20))) throw packError('pack checksum mismatch: the pack is corrupt');
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

  // pass 1: walk the entries; whole objects are resolved at once, deltas are recorded
  const type = new Uint8Array(count);
  const offsets = new Float64Array(count);
  const sizes = new Float64Array(count);
  const zStart = new Float64Array(count);
  const zLen = new Float64Array(count);
  const baseOffset = new Float64Array(count);
  const depth = new Uint16Array(count);
  const oids: Buffer[] = new Array(count);
  const objectSizes = new Float64Array(count);
  const refBase = new Map<number, Buffer>();
  const kept = new Map<number, Buffer>();
  let keptBytes = 0;
  const keepBudget = opts.deltaKeepBytes ?? 32 * 1024 * 1024;
  const indexOfOffset = new Map<number, number>();
  let deltas = 0;
  let off = 12;
  const inflater = new Inflater();
  const scratch = new Scratch();

  const zView = (i: number) => src.read(zStart[i], zLen[i]).subarray(0, zLen[i]);

  /** Hashes, checks and hands on one object; a promise when the sink wants us to wait. */
  const emit = (i: number, t: number, loose: Buffer, headLen: number, base: Buffer | null): void | Promise<void> => {
    const oid = hashLoose(loose);
    const data = loose.subarray(headLen);
    const why = opts.check?.(t, data, oid);
    if (why) throw packError(`object ${oidToHex(oid)} is invalid: ${why}`);
    oids[i] = oid;
    objectSizes[i] = data.length;
    return opts.sink(oid, t, data, { type: t, size: sizes[i], base, depth: depth[i], z: zView(i) }, loose);
  };

  for (let i = 0; i < count; i++) {
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
    indexOfOffset.set(off, i);
    type[i] = h.type;
    sizes[i] = h.size;
    zStart[i] = off + h.headerLength;
    // the output is allocated at its declared size: refuse a size no stream here can hold
    if (h.size > (end - zStart[i]) * MAX_DEFLATE_RATIO + 1024) {
      throw packError(`pack entry at offset ${off} declares ${h.size} bytes, more than its ${end - zStart[i]} bytes of zlib stream can hold`);
    }
    if (h.size > MAX_OBJECT_BYTES) throw packError(`pack entry at offset ${off} declares ${h.size} bytes: objects are limited to ${MAX_OBJECT_BYTES} bytes`);
    const whole = h.type >= 1 && h.type <= 4;
    // a whole object inflates straight into its loose form, after "<type> <size>\0"
    const head = whole ? `${TYPE_NAME[h.type]} ${h.size}\0` : '';
    // one spare byte after the content (see Inflater). A whole blob is hashed and handed on,
    // never kept here (pass 2 inflates a blob base again): scratch memory will do
    const buf = h.type === 3 ? scratch.take(head.length + h.size + 1) : Buffer.allocUnsafe(head.length + h.size + 1);
    putHead(buf, head);
    const used = inflateAt(src, inflater, zStart[i], h.size, buf, head.length);
    const data = buf.subarray(head.length, head.length + h.size);
    zLen[i] = used;
    if (h.type === OBJ_OFS_DELTA) {
      baseOffset[i] = h.baseOffset;
      if (!indexOfOffset.has(baseOffset[i])) throw packError(`delta at offset ${off} names a base offset that is not an entry`);
      deltas++;
    } else if (h.type === OBJ_REF_DELTA) {
      refBase.set(i, Buffer.from(src.read(off + h.headerLength - 20, 20).subarray(0, 20)));
      deltas++;
    } else if (whole) {
      const wait = emit(i, h.type, buf.subarray(0, head.length + h.size), head.length, null);
      if (wait) await wait;
    } else {
      throw packError(`bad object type ${h.type} at offset ${off}`);
    }
    if ((h.type === OBJ_OFS_DELTA || h.type === OBJ_REF_DELTA) && keptBytes + data.length <= keepBudget) {
      kept.set(i, data);
      keptBytes += data.length;
    }
    off += h.headerLength + used;
    if (off > end) throw packError('pack is truncated inside an entry');
  }
  if (off !== end) throw packError(`pack has ${end - off} unexpected bytes after its last entry`);

  // pass 2: resolve deltas depth-first from every base. OFS_DELTA children are found by the
  // base's entry index, REF_DELTA children by the base's oid (in the pack, or outside: thin)
  const children = new Map<number, number[]>();
  const refChildren = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    if (type[i] !== OBJ_OFS_DELTA) continue;
    const b = indexOfOffset.get(baseOffset[i])!;
    const list = children.get(b);
    if (list) list.push(i);
    else children.set(b, [i]);
  }
  for (const [i, oid] of refBase) {
    const key = oid.toString('latin1');
    const list = refChildren.get(key);
    if (list) list.push(i);
    else refChildren.set(key, [i]);
  }
  const hasChildren = (i: number) => children.has(i) || (refChildren.size > 0 && refChildren.has(oids[i].toString('latin1')));

  // resolved bases by entry index; one too large for it is still kept, alone, so that its
  // children do not each compute it again
  const cache = new ByteLru<number, Uint8Array>(opts.baseCacheBytes ?? 48 * 1024 * 1024, { keepOneLarge: true });
  const resolvedType = new Uint8Array(count);
  for (let i = 0; i < count; i++) if (type[i] < 5) resolvedType[i] = type[i];
  // for a resolved delta: the entry index of its base (-1: the base outside the pack, thin)
  const baseIndex = new Int32Array(count).fill(-1);
  let resolved = 0;

  /** The inflated bytes of entry i (a whole object's content, or a delta). */
  const inflated = (i: number): Buffer => {
    const buf = Buffer.allocUnsafe(sizes[i] + 1);
    inflateAt(src, inflater, zStart[i], sizes[i], buf, 0);
    return buf.subarray(0, sizes[i]);
  };

  /**
   * The content of entry i, resolved already: from the cache, else computed again from the
   * pack down to the nearest cached or whole object (`outside`: the thin base, if the chain
   * ends outside the pack).
   */
  const contentOf = (i: number, outside: Uint8Array | null): Uint8Array => {
    const path: number[] = [];
    let content: Uint8Array | undefined;
    for (let j = i; ; ) {
      content = cache.get(j);
      if (content) break;
      if (type[j] < 5) {
        content = inflated(j);
        cache.set(j, content);
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
      content = applyDelta(content, inflated(e));
      cache.set(e, content);
    }
    return content;
  };

  /** Resolves every delta below one base: an entry of the pack, or (thin) an outside object. */
  const resolveFrom = async (root: number | null, rootOid: Buffer, rootType: number, rootData: Uint8Array | null, rootDepth: number) => {
    // the work stack: entry index, and the entry index of its base (-1: the outside base)
    const stackEntry: number[] = [];
    const stackBase: number[] = [];
    const pushKids = (i: number | null, oid: Buffer, asBase: number) => {
      const a = i === null ? undefined : children.get(i);
      if (a) for (const k of a) (stackEntry.push(k), stackBase.push(asBase));
      if (refChildren.size === 0) return;
      const key = oid.toString('latin1');
      const b = refChildren.get(key);
      if (b) {
        for (const k of b) (stackEntry.push(k), stackBase.push(asBase));
        refChildren.delete(key);
      }
    };
    pushKids(root, rootOid, root ?? -1);
    while (stackEntry.length > 0) {
      const i = stackEntry.pop()!;
      const b = stackBase.pop()!;
      if (resolvedType[i]) continue;
      const base = b === -1 ? rootData! : contentOf(b, rootData);
      const t = b === -1 ? rootType : resolvedType[b];
      let delta = kept.get(i);
      if (delta) kept.delete(i);
      else delta = inflated(i);
      let loose: Buffer;
      let headLen = 0;
      // a blob that is nobody's base is only hashed and handed on: scratch memory will do (its
      // oid, which REF_DELTA children name, is not known yet: with any of those, keep it)
      const keep = t !== 3 || children.has(i) || refChildren.size > 0;
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
      const wait = emit(i, t, loose, headLen, b === -1 ? rootOid : oids[b]);
      if (wait) await wait;
      resolved++;
      if (hasChildren(i)) {
        cache.set(i, data);
        pushKids(i, oids[i], i);
      }
    }
  };

  for (let i = 0; i < count; i++) {
    if (type[i] < 5 && hasChildren(i)) await resolveFrom(i, oids[i], type[i], null, 0);
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
  return { objects: count, deltas, thin, bytes: src.size, oids, types: resolvedType, objectSizes };
}
