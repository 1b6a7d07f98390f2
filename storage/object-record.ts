/**
 * The stored form of one object: one LMDB value under its 20-byte oid, holding what the object
 * is, its content when kept whole, and the pack entry it came in when it came in a pack.
 *
 *   byte 0        type (1 commit, 2 tree, 3 blob, 4 tag)
 *                 | 0x08 content kept whole   | 0x10 has a pack entry   | 0x20 the entry is a delta
 *   bytes 1-6     content size (u48 BE)
 *   entry only:   depth of its delta chain (u16 BE), inflated size of the entry (u48 BE),
 *                 base oid (20 bytes, delta only)
 *   whole only:   the content
 *   entry only:   the entry's zlib stream, to the end of the value
 *
 * Commits, trees and tags are kept whole (walks read them over and over) and keep their entry
 * too, so clones re-send the client's own compression and deltas. A blob that came in a pack
 * keeps only its entry: blobs are most of a repo's bytes and its pack holds them many times
 * smaller; reading one resolves its entry (core/pack/chain.ts). Blobs from the REST API, and
 * objects whose chains ran too deep to keep, are kept whole with no entry.
 */
import type { NewObject, ObjectInfo, PackedObject } from './store.js';

const WHOLE = 0x08;
const ENTRY = 0x10;
const DELTA = 0x20;

/** The first byte of every record of this format is below this; format 1 began with ASCII. */
export const RECORD_FLAG_LIMIT = 0x40;

function keepsWhole(o: NewObject): boolean {
  return o.type !== 3 || o.packed === undefined || o.data.length === 0;
}

/** Where a record's bytes go: a fresh buffer unless told otherwise. */
export type RecordAlloc = (bytes: number) => Buffer;

export function encodeRecord(o: NewObject, alloc: RecordAlloc = Buffer.allocUnsafe): Buffer {
  const p = o.packed;
  const whole = keepsWhole(o);
  const head = 7 + (p ? 8 + (p.base ? 20 : 0) : 0);
  const v = alloc(head + (whole ? o.data.length : 0) + (p ? p.z.length : 0));
  v[0] = o.type | (whole ? WHOLE : 0) | (p ? ENTRY : 0) | (p?.base ? DELTA : 0);
  v.writeUIntBE(o.data.length, 1, 6);
  let at = 7;
  if (p) {
    v.writeUInt16BE(Math.min(p.depth, 0xffff), 7);
    v.writeUIntBE(p.size, 9, 6);
    at = 15;
    if (p.base) {
      v.set(p.base.subarray(0, 20), 15);
      at = 35;
    }
  }
  if (whole) {
    v.set(o.data, at);
    at += o.data.length;
  }
  if (p) v.set(p.z, at);
  return v;
}

export function recordInfo(v: Buffer): ObjectInfo {
  return { type: v[0] & 7, size: v.readUIntBE(1, 6) };
}

const headLength = (flags: number) => 7 + (flags & ENTRY ? 8 + (flags & DELTA ? 20 : 0) : 0);

/** The content, as a view of the value, when it is kept whole; else null. */
export function recordContent(v: Buffer): Buffer | null {
  const flags = v[0];
  if (!(flags & WHOLE)) return null;
  const at = headLength(flags);
  return v.subarray(at, at + v.readUIntBE(1, 6));
}

/** The pack entry, as views of the value, if the object has one. */
export function recordEntry(v: Buffer): PackedObject | undefined {
  const flags = v[0];
  if (!(flags & ENTRY)) return undefined;
  const at = headLength(flags) + (flags & WHOLE ? v.readUIntBE(1, 6) : 0);
  return {
    type: flags & 7,
    depth: v.readUInt16BE(7),
    size: v.readUIntBE(9, 6),
    base: flags & DELTA ? v.subarray(15, 35) : null,
    z: v.subarray(at),
  };
}

/** The depth of the object's entry (0 for a whole entry or none). */
export function recordDepth(v: Buffer): number {
  return v[0] & ENTRY ? v.readUInt16BE(7) : 0;
}

/**
 * Records queued for LMDB's writer thread are carved out of 256 KiB slabs: a push's hundreds
 * of thousands of small records then cost a few large allocations, which go back to the
 * system whole once the writer is done with every record in them, instead of a heap
 * fragmented by small ones. Large records get their own buffer.
 */
export class RecordSlabs {
  private slab = Buffer.allocUnsafeSlow(0);
  private used = 0;

  readonly alloc: RecordAlloc = (bytes) => {
    if (bytes > RecordSlabs.SLAB / 8) return Buffer.allocUnsafeSlow(bytes);
    if (this.used + bytes > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(RecordSlabs.SLAB);
      this.used = 0;
    }
    const v = this.slab.subarray(this.used, this.used + bytes);
    // keep the next record 8-byte aligned
    this.used += (bytes + 7) & ~7;
    return v;
  };

  static readonly SLAB = 256 * 1024;
}
