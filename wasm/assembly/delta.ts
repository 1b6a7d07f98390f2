// Git delta (gitformat-pack, "Deltified representation"):
//
//   delta   = base-size result-size op*
//   size    = little-endian base-128 varint (7 bits a byte, MSB = more bytes follow)
//   op      = copy | insert
//   copy    = 1sssoooo [o0] [o1] [o2] [o3] [s0] [s1] [s2]
//               bit i of oooo (i = 0..3) present => offset byte i follows (little-endian)
//               bit i of sss  (i = 0..2) present => size byte i follows
//               size 0 means 0x10000; copies base[offset, offset + size) to the output
//   insert  = 0nnnnnnn (n = 1..127) followed by n literal bytes
//   0x00    = reserved: an error
//
// The whole output must be exactly result-size bytes and the base exactly base-size bytes.

import { MAX_SAFE } from './pack';

export let deltaBaseSize: u64 = 0;
export let deltaResultSize: u64 = 0;

/** Reads one size varint at q (< end). Returns the new position, 0 on error; value in varValue. */
let varValue: u64 = 0;
function readVarint(q: usize, end: usize): usize {
  let v: u64 = 0;
  let shift: u32 = 0;
  let c: u32 = 0x80;
  while (c & 0x80) {
    if (q >= end || shift > 56) return 0;
    c = <u32>load<u8>(q++);
    v += <u64>(c & 0x7f) << shift;
    if (v > MAX_SAFE) return 0;
    shift += 7;
  }
  varValue = v;
  return q;
}

/** Parses both sizes at the start of [p, p+len). Returns the header length or -1. */
export function parseDeltaHeader(p: usize, len: usize): i32 {
  const end = p + len;
  let q = readVarint(p, end);
  if (q == 0) return -1;
  deltaBaseSize = varValue;
  q = readVarint(q, end);
  if (q == 0) return -1;
  deltaResultSize = varValue;
  return <i32>(q - p);
}

/**
 * Runs the delta [d, d+dlen) against a base of blen bytes (at base) for its declared result
 * size. With copy = false it only validates: base and out are not touched, so the result size
 * may exceed memory. With copy = true it writes the result at out. Returns 0 or -1.
 */
export function runDelta(d: usize, dlen: usize, base: usize, blen: usize, out: usize, copy: bool): i32 {
  const hl = parseDeltaHeader(d, dlen);
  if (hl < 0) return -1;
  if (deltaBaseSize != <u64>blen) return -1;
  const olen = deltaResultSize;
  const end = d + dlen;
  let q = d + <usize>hl;
  let done: u64 = 0;
  while (q < end) {
    const c = <u32>load<u8>(q++);
    if (c & 0x80) {
      // number of argument bytes = popcount of the 7 low bits
      if (<usize>popcnt<u32>(c & 0x7f) > end - q) return -1;
      let off: u32 = 0;
      let size: u32 = 0;
      if (c & 0x01) off = <u32>load<u8>(q++);
      if (c & 0x02) off |= <u32>load<u8>(q++) << 8;
      if (c & 0x04) off |= <u32>load<u8>(q++) << 16;
      if (c & 0x08) off |= <u32>load<u8>(q++) << 24;
      if (c & 0x10) size = <u32>load<u8>(q++);
      if (c & 0x20) size |= <u32>load<u8>(q++) << 8;
      if (c & 0x40) size |= <u32>load<u8>(q++) << 16;
      if (size == 0) size = 0x10000;
      if (<u64>off + <u64>size > <u64>blen) return -1;
      if (<u64>size > olen - done) return -1;
      if (copy) memory.copy(out + <usize>done, base + <usize>off, <usize>size);
      done += <u64>size;
    } else if (c != 0) {
      if (<usize>c > end - q || <u64>c > olen - done) return -1;
      if (copy) memory.copy(out + <usize>done, q, <usize>c);
      q += <usize>c;
      done += <u64>c;
    } else {
      return -1;
    }
  }
  return done == olen ? 0 : -1;
}
