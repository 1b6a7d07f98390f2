// Line splitting + interning of a pair of buffers, as src/core/diff/lines.ts (LineInterner /
// internPair) does it in JS: a line is its bytes up to and including LF (the last may lack
// it); equal lines of both sides get equal ids, dense and in order of first occurrence (a's
// lines, then b's), so the ids are exactly those of the JS interner.
//
// Both buffers sit in WASM memory, each followed by at least 8 readable bytes (8-byte loads
// may look past the end; what they see there is masked off). Two passes:
//
//   1. count the LFs 8 bytes at a time (an exact zero-byte test on word ^ 0x0a0a..., popcnt),
//      which sizes the result block and the hash table exactly;
//   2. per line: hash the full words before the LF, find the LF with ctz, hash the masked
//      last word and the length; probe an open-addressing table of [hash, id + 1] pairs; a
//      slot whose hash matches is confirmed byte for byte against the line that took the id
//      (never a false equality).
//
// Result block (caller frees), i32s: startsA[na + 1], startsB[nb + 1], idsA[na], idsB[nb];
// starts are offsets into their own buffer.

import { alloc, free } from './alloc';

export let internA: i32 = 0;
export let internB: i32 = 0;
export let internDistinct: i32 = 0;
export let internOut: usize = 0;

const LO7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
const HI: u64 = 0x8080_8080_8080_8080;
const LFS: u64 = 0x0a0a_0a0a_0a0a_0a0a;
const K1: u64 = 0x9e37_79b9_7f4a_7c15;
const K2: u64 = 0xff51_afd7_ed55_8ccd;
const K3: u64 = 0xc4ce_b9fe_1a85_ec53;

/** High bit set in every byte of w that is LF, exact (no borrow false positives). */
// @ts-ignore: decorator
@inline function lfMask(w: u64): u64 {
  const x = w ^ LFS;
  return ~(((x & LO7) + LO7) | x) & HI;
}

function countLines(p: usize, len: usize): i32 {
  let n: i32 = 0;
  let k: usize = 0;
  for (; k + 8 <= len; k += 8) n += <i32>popcnt(lfMask(load<u64>(p + k)));
  for (; k < len; k++) if (load<u8>(p + k) == 10) n++;
  if (len > 0 && load<u8>(p + len - 1) != 10) n++;
  return n;
}

// table state for one call
let tab: usize = 0;
let tmask: u32 = 0;
let repPtr: usize = 0; // per id: u32 pointer of the first line, u32 length
let nextId: i32 = 0;

function sameBytes(x: usize, y: usize, len: usize): bool {
  let j: usize = 0;
  for (; j + 8 <= len; j += 8) if (load<u64>(x + j) != load<u64>(y + j)) return false;
  for (; j < len; j++) if (load<u8>(x + j) != load<u8>(y + j)) return false;
  return true;
}

function lookup(h: u32, s: usize, len: u32): i32 {
  let slot = h & tmask;
  while (true) {
    const e = tab + (<usize>slot << 3);
    const id1 = load<i32>(e, 4);
    if (id1 == 0) {
      const nid = nextId++;
      store<u32>(e, h);
      store<i32>(e, nid + 1, 4);
      const r = repPtr + (<usize>nid << 3);
      store<u32>(r, <u32>s);
      store<u32>(r, len, 4);
      return nid;
    }
    if (load<u32>(e) == h) {
      const r = repPtr + (<usize>(id1 - 1) << 3);
      if (load<u32>(r, 4) == len && sameBytes(<usize>load<u32>(r), s, len)) return id1 - 1;
    }
    slot = (slot + 1) & tmask;
  }
}

/** Splits and interns p[0, len) into starts[count + 1] and ids[count]. */
function internBuf(p: usize, len: usize, seed: u64, starts: usize, ids: usize): void {
  let i: usize = 0;
  let s: usize = 0;
  while (s < len) {
    let h = seed;
    let k = s;
    let e: usize = len; // end of the line (exclusive)
    while (true) {
      const w = load<u64>(p + k);
      const m = lfMask(w);
      const rest = len - k;
      if (m != 0) {
        const at = <usize>(ctz(m) >> 3); // byte index of the LF
        if (at < rest) {
          // the LF is inside the buffer: the line ends after it
          const keep = at + 1;
          const tail = keep == 8 ? w : w & ((<u64>1 << (<u64>keep << 3)) - 1);
          h = (h ^ tail) * K1;
          h ^= h >> 29;
          e = k + keep;
          break;
        }
      }
      if (rest <= 8) {
        // the buffer ends in this word without an LF
        const tail = rest == 8 ? w : w & ((<u64>1 << (<u64>rest << 3)) - 1);
        h = (h ^ tail) * K1;
        h ^= h >> 29;
        e = len;
        break;
      }
      h = (h ^ w) * K1;
      h ^= h >> 29;
      k += 8;
    }
    const ln = <u32>(e - s);
    h ^= <u64>ln;
    h = (h ^ (h >> 33)) * K2;
    h = (h ^ (h >> 33)) * K3;
    h ^= h >> 33;
    store<i32>(starts + (i << 2), <i32>s);
    store<i32>(ids + (i << 2), lookup(<u32>h, p + s, ln));
    i++;
    s = e;
  }
  store<i32>(starts + (i << 2), <i32>len);
}

/**
 * Interns a = pa[0, la) and b = pb[0, lb) (each followed by 8 readable bytes). Returns 0 or
 * -6; results via internA / internB / internDistinct / internOut (caller frees internOut).
 */
export function internLines(pa: usize, la: usize, pb: usize, lb: usize, seedLo: u32, seedHi: u32): i32 {
  internOut = 0;
  const na = countLines(pa, la);
  const nb = countLines(pb, lb);
  internA = na;
  internB = nb;
  const out = alloc((<usize>(na + nb) * 2 + 2) << 2);
  if (out == 0) return -6;
  const total = <u32>(na + nb);
  let cap: u32 = 16;
  while (cap < total * 2) cap <<= 1;
  const scratch = alloc((<usize>cap << 3) + (<usize>total << 3));
  if (scratch == 0) {
    free(out);
    return -6;
  }
  tab = scratch;
  tmask = cap - 1;
  repPtr = scratch + (<usize>cap << 3);
  memory.fill(tab, 0, <usize>cap << 3);
  nextId = 0;
  const seed = (<u64>seedHi << 32) | <u64>seedLo;
  const startsA = out;
  const startsB = startsA + (<usize>(na + 1) << 2);
  const idsA = startsB + (<usize>(nb + 1) << 2);
  const idsB = idsA + (<usize>na << 2);
  internBuf(pa, la, seed, startsA, idsA);
  internBuf(pb, lb, seed, startsB, idsB);
  internDistinct = nextId;
  free(scratch);
  internOut = out;
  return 0;
}
