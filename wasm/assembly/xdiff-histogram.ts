// git's histogram diff (xhistogram.c, from JGit), line for line: in a region, find the longest
// run of lines common to both sides whose rarest line occurs least often in side 1 (lines
// occurring more than 64 times are never anchors); recurse on both sides of it. A region with
// common lines but none rare enough falls back to Myers on exactly those lines (a fresh env of
// the region's bytes, trimmed and cleaned up as xdl_do_diff does). Lines are 1-based here, as
// in xhistogram.c.
//
// The per-region index is xhistogram.c's: a table of 2^hashbits(count1) chains (class ids
// folded with XDL_HASHLONG, new records pushed at the chain's head), per line of side 1 its
// record and the next occurrence of the same line. The chain order decides which of two
// equally good runs wins, so it is kept exactly. Regions wait on an explicit stack.

import { alloc, free } from './alloc';
import {
  ALG_MYERS, cls, file1, file2, freeEnv, lineEnd, lineStart, nrec, prepareEnv, rchg, setChanged,
} from './xdiff-env';
import { myersEnv } from './xdiff-myers';

const MAX_CHAIN: u32 = 64;

// the index of one find_lcs call
let f1: usize = 0;
let f2: usize = 0;
let tableBits: u32 = 0;
let records: usize = 0; // u32 per bucket: node index + 1
let nodes: usize = 0; // 12 bytes per node: ptr, cnt, next (node index + 1)
let nodeCount: u32 = 0;
let lineMap: usize = 0; // u32 per line of side 1: node index
let nextPtrs: usize = 0; // u32 per line of side 1
let ptrShift: u32 = 0;
let idxCnt: u32 = 0;
let hasCommon: bool = false;
// the best run found so far
let lb1: u32 = 0, le1: u32 = 0, lb2: u32 = 0, le2: u32 = 0;

// @ts-ignore: decorator
@inline function c1(line: u32): i32 { return cls(f1, <i32>line - 1); }
// @ts-ignore: decorator
@inline function c2(line: u32): i32 { return cls(f2, <i32>line - 1); }

/** XDL_HASHLONG (xmacros.h): v plus its bits above `bits`, masked to `bits` bits. */
export function hashLong(v: i32, bits: u32): u32 {
  const x = <u64>v;
  return <u32>((x + (x >> <u64>bits)) & ((<u64>1 << <u64>bits) - 1));
}

export function hashBits(size: u32): u32 {
  let val: u32 = 1, bits: u32 = 0;
  while (val < size && bits < 32) { val <<= 1; bits++; }
  return bits != 0 ? bits : 1;
}

// @ts-ignore: decorator
@inline function nodePtr(n: u32): usize { return nodes + <usize>n * 12; }
// @ts-ignore: decorator
@inline function mapOf(line: u32): u32 { return load<u32>(lineMap + (<usize>(line - ptrShift) << 2)); }
// @ts-ignore: decorator
@inline function nextOf(line: u32): u32 { return load<u32>(nextPtrs + (<usize>(line - ptrShift) << 2)); }
// @ts-ignore: decorator
@inline function cntOf(line: u32): u32 { return load<u32>(nodePtr(mapOf(line)), 4); }

/** Returns false when a chain reaches 64 distinct lines (xhistogram's error). */
function scanA(line1: u32, count1: u32): bool {
  for (let ptr: u32 = line1 + count1 - 1; line1 <= ptr; ptr--) {
    const slot = records + (<usize>hashLong(c1(ptr), tableBits) << 2);
    let r = load<u32>(slot);
    let chainLen: u32 = 0;
    let found = false;
    while (r != 0) {
      const n = nodePtr(r - 1);
      const rptr = load<u32>(n);
      if (c1(rptr) == c1(ptr)) {
        store<u32>(nextPtrs + (<usize>(ptr - ptrShift) << 2), rptr);
        store<u32>(n, ptr);
        const cnt = load<u32>(n, 4);
        store<u32>(n, cnt == 0xffff_ffff ? cnt : cnt + 1, 4);
        store<u32>(lineMap + (<usize>(ptr - ptrShift) << 2), r - 1);
        found = true;
        break;
      }
      r = load<u32>(n, 8);
      chainLen++;
    }
    if (found) continue;
    if (chainLen == MAX_CHAIN) return false;
    const id = nodeCount++;
    const n = nodePtr(id);
    store<u32>(n, ptr);
    store<u32>(n, 1, 4);
    store<u32>(n, load<u32>(slot), 8);
    store<u32>(slot, id + 1);
    store<u32>(lineMap + (<usize>(ptr - ptrShift) << 2), id);
  }
  return true;
}

function tryLcs(bPtr: u32, line1: u32, count1: u32, line2: u32, count2: u32): u32 {
  let bNext = bPtr + 1;
  const end1 = line1 + count1 - 1, end2 = line2 + count2 - 1;
  let r = load<u32>(records + (<usize>hashLong(c2(bPtr), tableBits) << 2));
  for (; r != 0; r = load<u32>(nodePtr(r - 1), 8)) {
    const n = nodePtr(r - 1);
    const rcnt = load<u32>(n, 4);
    if (rcnt > idxCnt) {
      if (!hasCommon) hasCommon = c1(load<u32>(n)) == c2(bPtr);
      continue;
    }
    let as = load<u32>(n);
    if (c1(as) != c2(bPtr)) continue;
    hasCommon = true;
    while (true) {
      let np = nextOf(as);
      let bs = bPtr;
      let ae = as;
      let be = bs;
      let rc = rcnt;
      while (line1 < as && line2 < bs && c1(as - 1) == c2(bs - 1)) {
        as--;
        bs--;
        if (1 < rc) rc = min(rc, cntOf(as));
      }
      while (ae < end1 && be < end2 && c1(ae + 1) == c2(be + 1)) {
        ae++;
        be++;
        if (1 < rc) rc = min(rc, cntOf(ae));
      }
      if (bNext <= be) bNext = be + 1;
      if (le1 - lb1 < ae - as || rc < idxCnt) {
        lb1 = as; lb2 = bs; le1 = ae; le2 = be;
        idxCnt = rc;
      }
      if (np == 0) break;
      let stop = false;
      while (np <= ae) {
        np = nextOf(np);
        if (np == 0) { stop = true; break; }
      }
      if (stop) break;
      as = np;
    }
  }
  return bNext;
}

/** 1: fall back to Myers, 0: use lb/le (all zero: nothing in common), -1: error / OOM. */
function findLcs(line1: u32, count1: u32, line2: u32, count2: u32): i32 {
  tableBits = hashBits(count1);
  const tsize = <usize>1 << tableBits;
  const n = <usize>count1;
  const block = alloc((tsize << 2) + n * 12 + (n << 3));
  if (block == 0) return -1;
  records = block;
  nodes = records + (tsize << 2);
  lineMap = nodes + n * 12;
  nextPtrs = lineMap + (n << 2);
  memory.fill(records, 0, tsize << 2);
  memory.fill(nextPtrs, 0, n << 2);
  nodeCount = 0;
  ptrShift = line1;
  hasCommon = false;
  lb1 = 0; le1 = 0; lb2 = 0; le2 = 0;
  let ret: i32 = -1;
  if (scanA(line1, count1)) {
    idxCnt = MAX_CHAIN + 1;
    for (let b = line2; b <= line2 + count2 - 1; ) b = tryLcs(b, line1, count1, line2, count2);
    ret = hasCommon && MAX_CHAIN < idxCnt ? 1 : 0;
  }
  free(block);
  return ret;
}

/** Myers on lines [line1, line1 + count1) x [line2, line2 + count2) (xdl_fall_back_diff). */
function fallBack(line1: u32, count1: u32, line2: u32, count2: u32): bool {
  const s1 = lineStart(f1, <i32>line1 - 1), e1 = lineEnd(f1, <i32>(line1 + count1) - 2);
  const s2 = lineStart(f2, <i32>line2 - 1), e2 = lineEnd(f2, <i32>(line2 + count2) - 2);
  const keep1 = f1, keep2 = f2;
  const sub = prepareEnv(s1, e1 - s1, s2, e2 - s2, ALG_MYERS);
  if (sub == 0) return false;
  const ok = myersEnv(sub, false);
  f1 = keep1;
  f2 = keep2;
  if (ok) {
    memory.copy(rchg(f1) + <usize>(line1 - 1), rchg(file1(sub)), <usize>count1);
    memory.copy(rchg(f2) + <usize>(line2 - 1), rchg(file2(sub)), <usize>count2);
  }
  freeEnv(sub);
  return ok;
}

/** xdl_do_histogram_diff on an env prepared for histogram. False on OOM or a too long chain. */
export function histogramEnv(env: usize): bool {
  f1 = file1(env);
  f2 = file2(env);
  let cap: i32 = 64;
  let stack = alloc(<usize>cap << 4);
  if (stack == 0) return false;
  store<u32>(stack, 1); store<u32>(stack, <u32>nrec(f1), 4);
  store<u32>(stack, 1, 8); store<u32>(stack, <u32>nrec(f2), 12);
  let sp: i32 = 1;
  let ok = true;
  while (sp > 0 && ok) {
    sp--;
    const e = stack + (<usize>sp << 4);
    let line1 = load<u32>(e), count1 = load<u32>(e, 4), line2 = load<u32>(e, 8), count2 = load<u32>(e, 12);
    while (true) {
      if (count1 == 0 && count2 == 0) break;
      if (count1 == 0) {
        for (let k: u32 = 0; k < count2; k++) setChanged(f2, <i32>(line2 + k) - 1, true);
        break;
      }
      if (count2 == 0) {
        for (let k: u32 = 0; k < count1; k++) setChanged(f1, <i32>(line1 + k) - 1, true);
        break;
      }
      const found = findLcs(line1, count1, line2, count2);
      if (found < 0) { ok = false; break; }
      if (found == 1) {
        ok = fallBack(line1, count1, line2, count2);
        break;
      }
      if (lb1 == 0 && lb2 == 0) {
        for (let k: u32 = 0; k < count1; k++) setChanged(f1, <i32>(line1 + k) - 1, true);
        for (let k: u32 = 0; k < count2; k++) setChanged(f2, <i32>(line2 + k) - 1, true);
        break;
      }
      // the part before the run waits on the stack; the part after it is done next
      if (sp + 1 > cap) {
        const grown = alloc(<usize>(cap * 2) << 4);
        if (grown == 0) { ok = false; break; }
        memory.copy(grown, stack, <usize>cap << 4);
        free(stack);
        stack = grown;
        cap *= 2;
      }
      const p = stack + (<usize>sp << 4);
      store<u32>(p, line1); store<u32>(p, lb1 - line1, 4);
      store<u32>(p, line2, 8); store<u32>(p, lb2 - line2, 12);
      sp++;
      const end1 = line1 + count1 - 1, end2 = line2 + count2 - 1;
      const b1 = le1, b2 = le2;
      count1 = end1 - b1;
      line1 = b1 + 1;
      count2 = end2 - b2;
      line2 = b2 + 1;
    }
  }
  free(stack);
  return ok;
}
