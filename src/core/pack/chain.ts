/**
 * Objects kept only as the pack entry they came in: a zlib stream of the object, or of a delta
 * (gitformat-pack: "copy" and "insert" instructions against a base object) on a base that is
 * kept the same way or whole. Reading one walks the chain down to something whole, inflating
 * each delta on the way, then applies the deltas back up — what git does for an object in a
 * pack, with a byte-bounded cache of the objects it resolved (git's delta_base_cache).
 *
 * Chains are short by construction: ingest keeps an entry only up to a depth of 50 and stores
 * deeper objects whole. A chain that does not end, or an entry that does not inflate or apply,
 * means the store is damaged: that is an error, never a wrong object.
 */
import { applyDelta, WasmFormatError } from '../../wasm.js';
import { ByteLru } from '../byte-lru.js';
import type { PackedEntry } from './indexer.js';
import { oidToHex } from '../oid.js';
import { InflateError, Inflater } from './inflate.js';

/** A kept entry: `size` is the inflated size of `z` (the object's, or the delta's). */
export type ChainEntry = Pick<PackedEntry, 'type' | 'size' | 'base' | 'z'>;

export interface ChainSource {
  /** The object's content when it is stored whole (a view is fine: it is used before the next call). */
  whole(oid: Uint8Array): Uint8Array | undefined;
  /** The kept entry of an object that is not stored whole (a view, valid until the next call). */
  entry(oid: Uint8Array): ChainEntry | undefined;
}

/**
 * Chains are short (ingest keeps entries up to a depth of 50, though an entry kept from an
 * earlier push can make one a little longer) and cannot loop, as records are never replaced.
 * Past this length the ids on the way are checked, so a damaged store fails instead of hanging.
 */
const LONG_CHAIN = 1024;

/** A damaged store is a fault to log, not an answer to give: a plain Error (a 500 to a client). */
const damaged = (oid: Uint8Array, why: string) => new Error(`gitwell store: object ${oidToHex(oid)}: ${why}`);

export class ChainReader {
  private readonly inflater = new Inflater();
  private readonly cache: ByteLru<string, Buffer>;

  constructor(private readonly source: ChainSource, cacheBytes = 64 * 1024 * 1024) {
    this.cache = new ByteLru(cacheBytes, { maxEntry: cacheBytes / 8 });
  }

  private inflate(oid: Uint8Array, e: ChainEntry): Buffer {
    const out = Buffer.allocUnsafe(e.size + 1);
    try {
      this.inflater.inflateInto(e.z, out, 0, e.size);
    } catch (err) {
      if (err instanceof InflateError) throw damaged(oid, `its entry ${err.message}`);
      throw err;
    }
    return out.subarray(0, e.size);
  }

  /** The content of `oid`, an object kept as an entry (not whole): owned, and shared with the cache. */
  read(oid: Uint8Array): Buffer {
    const deltas: Array<{ key: string; oid: Buffer; delta: Buffer }> = [];
    let cur = Buffer.from(oid.buffer, oid.byteOffset, 20);
    let content: Uint8Array | undefined;
    let seen: Set<string> | undefined;
    for (;;) {
      const key = cur.toString('latin1');
      content = this.cache.get(key);
      if (content) break;
      if (deltas.length > 0) {
        const w = this.source.whole(cur);
        if (w) {
          content = w; // a view: the deltas below are applied before the next read
          break;
        }
      }
      const e = this.source.entry(cur);
      if (!e) throw damaged(cur, deltas.length ? `the base of ${oidToHex(deltas[deltas.length - 1].oid)} is missing` : 'it has no content');
      if (e.base === null) {
        const whole = this.inflate(cur, e);
        this.cache.set(key, whole);
        content = whole;
        break;
      }
      if (deltas.length >= LONG_CHAIN) {
        if (deltas.length === LONG_CHAIN) seen = new Set(deltas.map((d) => d.key));
        if (seen!.has(key)) throw damaged(oid, 'its delta chain loops');
        seen!.add(key);
      }
      deltas.push({ key, oid: cur, delta: this.inflate(cur, e) });
      cur = Buffer.from(e.base.subarray(0, 20));
    }
    for (let i = deltas.length - 1; i >= 0; i--) {
      const d = deltas[i];
      let next: Buffer;
      try {
        next = applyDelta(content, d.delta);
      } catch (err) {
        if (err instanceof WasmFormatError) throw damaged(d.oid, `its delta does not apply: ${err.message}`);
        throw err;
      }
      this.cache.set(d.key, next);
      content = next;
    }
    return content as Buffer;
  }
}
