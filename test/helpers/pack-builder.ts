// Packs built byte by byte, for pushes no git would make (gitformat-pack):
//
//   pack   = "PACK" version(4, =2) count(4) *entry trailer(20, sha1 of all before it)
//   entry  = type-and-size varint [base] zlib(payload)
//            type 1 commit, 2 tree, 3 blob, 4 tag, 6 ofs-delta (base: distance back, git's
//            biased varint), 7 ref-delta (base: 20-byte oid)
//   delta  = src-size varint, dst-size varint, *(copy | insert)
//            copy   = 1xxxxxxx, then the offset bytes and size bytes its bits name
//            insert = 0nnnnnnn (n > 0), then n literal bytes
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

export interface RawEntry {
  type: number;
  /** the size the header declares (defaults to the payload's) */
  size?: number;
  /** ofs-delta: how many bytes back its base starts; ref-delta: the base oid */
  base?: number | Buffer;
  /** the bytes inside the zlib stream */
  payload: Buffer;
  /** the entry's bytes after its header, when they should not be zlib of the payload */
  raw?: Buffer;
}

export const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();

export function oidOf(type: 'commit' | 'tree' | 'blob' | 'tag', data: Buffer): Buffer {
  return sha1(Buffer.concat([Buffer.from(`${type} ${data.length}\0`), data]));
}

function entryHeader(type: number, size: number): Buffer {
  const out: number[] = [];
  let c = ((type & 7) << 4) | (size % 16);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push(c | 0x80);
    c = rest % 128;
    rest = Math.floor(rest / 128);
  }
  out.push(c);
  return Buffer.from(out);
}

function ofsDistance(n: number): Buffer {
  const bytes = [n & 127];
  while ((n = Math.floor(n / 128))) {
    n--;
    bytes.unshift(128 | (n & 127));
  }
  return Buffer.from(bytes);
}

export function sizeVarint(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A copy op: `offset` and `size` from the base. */
export function copyOp(offset: number, size: number): Buffer {
  const bytes: number[] = [];
  let op = 0x80;
  for (let i = 0; i < 4; i++) {
    const b = Math.floor(offset / 2 ** (8 * i)) & 0xff;
    if (b) {
      op |= 1 << i;
      bytes.push(b);
    }
  }
  for (let i = 0; i < 3; i++) {
    const b = (size >> (8 * i)) & 0xff;
    if (b) {
      op |= 0x10 << i;
      bytes.push(b);
    }
  }
  return Buffer.from([op, ...bytes]);
}

/** The whole pack; `count` defaults to the number of entries, `trailer` to the right one. */
export function buildPack(entries: RawEntry[], opts: { count?: number; badTrailer?: boolean } = {}): Buffer {
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(opts.count ?? entries.length, 8);
  const parts: Buffer[] = [head];
  let at = 12;
  const starts: number[] = [];
  for (const e of entries) {
    starts.push(at);
    const body = e.raw ?? zlib.deflateSync(e.payload);
    let base = Buffer.alloc(0);
    if (e.type === 6) base = ofsDistance(typeof e.base === 'number' ? e.base : at - 12);
    if (e.type === 7) base = Buffer.isBuffer(e.base) ? e.base : Buffer.alloc(20);
    const part = Buffer.concat([entryHeader(e.type, e.size ?? e.payload.length), base, body]);
    parts.push(part);
    at += part.length;
  }
  const all = Buffer.concat(parts);
  const trailer = opts.badTrailer ? Buffer.alloc(20, 0xab) : sha1(all);
  return Buffer.concat([all, trailer]);
}
