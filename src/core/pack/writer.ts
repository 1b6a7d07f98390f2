/**
 * Pack writing (gitformat-pack):
 *   "PACK" version(4 bytes, 2) count(4 bytes) entry* sha1-of-everything-before(20)
 *   entry = type-and-size header, zlib stream of the content
 *   header: byte 1 = MSB | type(3 bits) | size(4 low bits); then MSB | 7 bits of size, little-endian
 * Entries are either whole objects (deflated here, or a zlib stream kept from the pack that
 * brought them) or REF_DELTAs reused from such a pack: header type 7, the base's 20-byte id,
 * then the zlib stream of the delta (or OFS_DELTAs, type 6, when the base is already written).
 */
import { createHash, type Hash } from 'node:crypto';
import zlib from 'node:zlib';

export function entryHeader(type: number, size: number): Buffer {
  const bytes: number[] = [];
  let b = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(b | 0x80);
    b = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  bytes.push(b);
  return Buffer.from(bytes);
}

/**
 * The OFS_DELTA distance: big-endian 7-bit groups, MSB set on all but the last, and each
 * group but the last stored minus one (so every distance has exactly one encoding).
 */
export function ofsVarint(distance: number): Buffer {
  const bytes = [distance & 0x7f];
  let n = Math.floor(distance / 128);
  while (n > 0) {
    n -= 1;
    bytes.unshift(0x80 | (n & 0x7f));
    n = Math.floor(n / 128);
  }
  return Buffer.from(bytes);
}

export function packHeader(count: number): Buffer {
  const h = Buffer.alloc(12);
  h.write('PACK', 0, 'latin1');
  h.writeUInt32BE(2, 4);
  h.writeUInt32BE(count, 8);
  return h;
}

/**
 * Accumulates pack bytes and hands them out in chunks of about `chunkSize`, hashing as it goes.
 * `deflated` lets a caller pass an already compressed zlib stream (a cached one) for the entry.
 */
export class PackWriter {
  private readonly hash: Hash = createHash('sha1');
  private parts: Buffer[] = [];
  private pending = 0;
  written = 0;

  constructor(count: number, private readonly level = 1, private readonly chunkSize = 256 * 1024) {
    this.push(packHeader(count));
  }

  private push(b: Buffer): void {
    this.hash.update(b);
    this.parts.push(b);
    this.pending += b.length;
    this.written += b.length;
  }

  /** Adds one object; returns a chunk when enough bytes are pending. */
  add(type: number, data: Uint8Array, deflated?: Buffer): Buffer | null {
    this.push(entryHeader(type, data.length));
    this.push(deflated ?? zlib.deflateSync(data, { level: this.level }));
    return this.pending >= this.chunkSize ? this.take() : null;
  }

  /**
   * Adds an entry whose zlib stream is already made: a whole object, or a delta on `base`.
   * `baseOffset` (where the base's entry starts in this pack, if it is already written) makes
   * it an OFS_DELTA, else it is a REF_DELTA naming the base.
   */
  addEntry(type: number, size: number, base: Uint8Array | null, z: Uint8Array, baseOffset = -1): Buffer | null {
    if (base && baseOffset >= 0) {
      const distance = this.written - baseOffset; // from this entry's first byte
      this.push(entryHeader(6, size));
      this.push(ofsVarint(distance));
    } else if (base) {
      this.push(entryHeader(7, size));
      this.push(Buffer.from(base.subarray(0, 20)));
    } else {
      this.push(entryHeader(type, size));
    }
    this.push(Buffer.from(z));
    return this.pending >= this.chunkSize ? this.take() : null;
  }

  take(): Buffer {
    const out = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.pending);
    this.parts = [];
    this.pending = 0;
    return out;
  }

  /** The last bytes: whatever is pending plus the trailing checksum. */
  finish(): Buffer {
    const digest = this.hash.digest();
    this.parts.push(digest);
    this.pending += digest.length;
    this.written += digest.length;
    return this.take();
  }
}
