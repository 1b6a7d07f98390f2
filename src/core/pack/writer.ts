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
  const b = Buffer.allocUnsafe(10);
  return b.subarray(0, putEntryHeader(b, 0, type, size));
}

/**
 * The OFS_DELTA distance: big-endian 7-bit groups, MSB set on all but the last, and each
 * group but the last stored minus one (so every distance has exactly one encoding).
 */
export function ofsVarint(distance: number): Buffer {
  const b = Buffer.allocUnsafe(10);
  return b.subarray(0, putOfsVarint(b, 0, distance));
}

export function packHeader(count: number): Buffer {
  const h = Buffer.alloc(12);
  h.write('PACK', 0, 'latin1');
  h.writeUInt32BE(2, 4);
  h.writeUInt32BE(count, 8);
  return h;
}

/** Writes an entry header (type and size) into `b` at `at`; returns where it ends. */
function putEntryHeader(b: Buffer, at: number, type: number, size: number): number {
  let c = (type << 4) | (size & 0x0f);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    b[at++] = c | 0x80;
    c = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  b[at++] = c;
  return at;
}

/** Writes the OFS_DELTA distance (see ofsVarint) into `b` at `at`; returns where it ends. */
function putOfsVarint(b: Buffer, at: number, distance: number): number {
  let n = Math.floor(distance / 128);
  let len = 1;
  for (let m = n; m > 0; m = Math.floor((m - 1) / 128)) len++;
  b[at + len - 1] = distance & 0x7f;
  for (let k = len - 2; k >= 0; k--) {
    n -= 1;
    b[at + k] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 128);
  }
  return at + len;
}

/** Room for the largest entry head: a 10-byte size header, then a 20-byte oid or an offset. */
const MAX_HEAD = 32;

/**
 * Accumulates pack bytes in a chunk of about `chunkSize` and hands each full chunk out, hashing
 * it once. Entries are copied in as they come (their sources are views that do not outlive the
 * call); an entry larger than a chunk goes out as a chunk of its own.
 */
export class PackWriter {
  private readonly hash: Hash = createHash('sha1');
  private chunk: Buffer;
  private at = 0;
  /** bytes of the pack so far, handed out or pending */
  written = 0;

  constructor(count: number, private readonly level = 1, private readonly chunkSize = 256 * 1024) {
    this.chunk = Buffer.allocUnsafe(chunkSize);
    this.chunk.set(packHeader(count));
    this.at = 12;
    this.written = 12;
  }

  /** Makes room for `n` more bytes in the chunk, handing the full one out first if it must. */
  private room(n: number, out: Buffer[]): void {
    if (this.at + n <= this.chunk.length) return;
    if (this.at > 0) out.push(this.take());
    if (n > this.chunk.length) this.chunk = Buffer.allocUnsafe(n);
  }

  private result(out: Buffer[]): Buffer | null {
    if (this.at >= this.chunkSize) out.push(this.take());
    return out.length === 0 ? null : out.length === 1 ? out[0] : Buffer.concat(out);
  }

  /** Adds one object, deflated here; returns the bytes ready to go, if any. */
  add(type: number, data: Uint8Array): Buffer | null {
    return this.addEntry(type, data.length, null, zlib.deflateSync(data, { level: this.level }));
  }

  /**
   * Adds an entry whose zlib stream is already made: a whole object, or a delta on `base`.
   * `baseOffset` (where the base's entry starts in this pack, if it is already written) makes
   * it an OFS_DELTA, else it is a REF_DELTA naming the base. Returns the bytes ready to go.
   */
  addEntry(type: number, size: number, base: Uint8Array | null, z: Uint8Array, baseOffset = -1): Buffer | null {
    const out: Buffer[] = [];
    this.room(MAX_HEAD + z.length, out);
    const b = this.chunk;
    const start = this.at;
    let at = start;
    if (base && baseOffset >= 0) {
      at = putEntryHeader(b, at, 6, size);
      at = putOfsVarint(b, at, this.written - baseOffset); // from this entry's first byte
    } else if (base) {
      at = putEntryHeader(b, at, 7, size);
      b.set(base.subarray(0, 20), at);
      at += 20;
    } else {
      at = putEntryHeader(b, at, type, size);
    }
    b.set(z, at);
    at += z.length;
    this.written += at - start;
    this.at = at;
    return this.result(out);
  }

  /** What is pending, hashed, as a buffer of its own. */
  private take(): Buffer {
    const done = this.chunk.subarray(0, this.at);
    this.hash.update(done);
    this.chunk = Buffer.allocUnsafe(this.chunkSize);
    this.at = 0;
    return done;
  }

  /** The last bytes: whatever is pending plus the trailing checksum. */
  finish(): Buffer {
    const last = this.take();
    const digest = this.hash.digest();
    this.written += digest.length;
    return Buffer.concat([last, digest]);
  }
}
