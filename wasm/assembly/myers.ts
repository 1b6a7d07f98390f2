// Myers line diff, the linear-space divide-and-conquer variant (Myers 1986, section 4b),
// ported from git's xdiff (xdiffi.c: xdl_recs_cmp / xdl_split):
//
//   1. strip the common prefix and suffix;
//   2. discard elements that occur nowhere in the other sequence: they are in no common
//      subsequence, so marking them changed keeps the script minimal;
//   3. on what is left, repeatedly shrink a box by its leading/trailing snakes and split it
//      at the middle snake found by running the forward and backward D-path searches
//      toward each other (kvdf / kvdb hold the furthest x per diagonal k = x - y);
//   4. when a search passes `mxcost` rounds (and the box does not need a minimal answer),
//      split at the furthest-reaching point instead: the lower/upper half that contains the
//      known path is solved minimally, the other heuristically. The script stays valid, may
//      be non-minimal, and the total work is O((N + M) * mxcost).
//
// Boxes are kept on an explicit stack (no recursion). The result is a list of hunks
// [aStart, aCount, bStart, bCount], built from per-element change flags.

import { alloc, free } from './alloc';

export let myersLimited: bool = false;
export let myersHunks: usize = 0;

const LINE_MAX: i32 = 0x7fff_ffff;

// split result
let splI1: i32 = 0;
let splI2: i32 = 0;
let splMinLo: bool = false;
let splMinHi: bool = false;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}
// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: i32): void {
  store<i32>(p + (<usize>i << 2), v);
}

function split(ha1: usize, off1: i32, lim1: i32, ha2: usize, off2: i32, lim2: i32,
               kvdf: usize, kvdb: usize, needMin: bool, mxcost: i32): void {
  const dmin = off1 - lim2, dmax = lim1 - off2;
  const fmid = off1 - off2, bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) != 0;
  let fmin = fmid, fmax = fmid;
  let bmin = bmid, bmax = bmid;
  let i1: i32, i2: i32, d: i32;

  put(kvdf, fmid, off1);
  put(kvdb, bmid, lim1);

  for (let ec: i32 = 1; ; ec++) {
    // forward: extend the diagonal domain by one (or shrink it at the box edge)
    if (fmin > dmin) put(kvdf, --fmin - 1, -1);
    else ++fmin;
    if (fmax < dmax) put(kvdf, ++fmax + 1, -1);
    else --fmax;

    for (d = fmax; d >= fmin; d -= 2) {
      if (at(kvdf, d - 1) >= at(kvdf, d + 1)) i1 = at(kvdf, d - 1) + 1;
      else i1 = at(kvdf, d + 1);
      i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && at(ha1, i1) == at(ha2, i2)) { i1++; i2++; }
      put(kvdf, d, i1);
      if (odd && bmin <= d && d <= bmax && at(kvdb, d) <= i1) {
        splI1 = i1; splI2 = i2; splMinLo = true; splMinHi = true;
        return;
      }
    }

    // backward
    if (bmin > dmin) put(kvdb, --bmin - 1, LINE_MAX);
    else ++bmin;
    if (bmax < dmax) put(kvdb, ++bmax + 1, LINE_MAX);
    else --bmax;

    for (d = bmax; d >= bmin; d -= 2) {
      if (at(kvdb, d - 1) < at(kvdb, d + 1)) i1 = at(kvdb, d - 1);
      else i1 = at(kvdb, d + 1) - 1;
      i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && at(ha1, i1 - 1) == at(ha2, i2 - 1)) { i1--; i2--; }
      put(kvdb, d, i1);
      if (!odd && fmin <= d && d <= fmax && i1 <= at(kvdf, d)) {
        splI1 = i1; splI2 = i2; splMinLo = true; splMinHi = true;
        return;
      }
    }

    if (needMin || ec < mxcost) continue;

    // Enough: split at the furthest-reaching point (by i1 + i2) of either search.
    myersLimited = true;
    let fbest: i32 = -1, fbest1: i32 = -1;
    for (d = fmax; d >= fmin; d -= 2) {
      i1 = min(at(kvdf, d), lim1);
      i2 = i1 - d;
      if (lim2 < i2) { i1 = lim2 + d; i2 = lim2; }
      if (fbest < i1 + i2) { fbest = i1 + i2; fbest1 = i1; }
    }
    let bbest: i32 = LINE_MAX, bbest1: i32 = LINE_MAX;
    for (d = bmax; d >= bmin; d -= 2) {
      i1 = max(off1, at(kvdb, d));
      i2 = i1 - d;
      if (i2 < off2) { i1 = off2 + d; i2 = off2; }
      if (i1 + i2 < bbest) { bbest = i1 + i2; bbest1 = i1; }
    }
    if ((lim1 + lim2) - bbest < fbest - (off1 + off2)) {
      splI1 = fbest1; splI2 = fbest - fbest1; splMinLo = true; splMinHi = false;
    } else {
      splI1 = bbest1; splI2 = bbest - bbest1; splMinLo = false; splMinHi = true;
    }
    return;
  }
}

/** Fills rchg flags (via the index maps) for the reduced sequences ha1[0,n1), ha2[0,n2). */
function compare(ha1: usize, n1: i32, idx1: usize, rchg1: usize,
                 ha2: usize, n2: i32, idx2: usize, rchg2: usize,
                 needMinTop: bool, mxcost: i32): bool {
  const ndiags = n1 + n2 + 3;
  const kvd = alloc(<usize>(2 * ndiags + 2) << 2);
  const stackCap = n1 + n2 + 4;
  const stack = alloc(<usize>stackCap * 20);
  if (kvd == 0 || stack == 0) {
    free(stack);
    free(kvd);
    return false;
  }
  const kvdf = kvd + (<usize>(n2 + 1) << 2);
  const kvdb = kvd + (<usize>(ndiags + n2 + 1) << 2);

  let sp: i32 = 0;
  store<i32>(stack, 0); store<i32>(stack, n1, 4); store<i32>(stack, 0, 8); store<i32>(stack, n2, 12);
  store<i32>(stack, needMinTop ? 1 : 0, 16);
  sp = 1;
  while (sp > 0) {
    sp--;
    const e = stack + <usize>sp * 20;
    let off1 = load<i32>(e), lim1 = load<i32>(e, 4), off2 = load<i32>(e, 8), lim2 = load<i32>(e, 12);
    const needMin = load<i32>(e, 16) != 0;
    while (off1 < lim1 && off2 < lim2 && at(ha1, off1) == at(ha2, off2)) { off1++; off2++; }
    while (off1 < lim1 && off2 < lim2 && at(ha1, lim1 - 1) == at(ha2, lim2 - 1)) { lim1--; lim2--; }
    if (off1 == lim1) {
      for (; off2 < lim2; off2++) store<u8>(rchg2 + <usize>at(idx2, off2), 1);
    } else if (off2 == lim2) {
      for (; off1 < lim1; off1++) store<u8>(rchg1 + <usize>at(idx1, off1), 1);
    } else {
      split(ha1, off1, lim1, ha2, off2, lim2, kvdf, kvdb, needMin, mxcost);
      if (sp + 2 > stackCap) { free(stack); free(kvd); return false; } // cannot happen
      // push the upper half first so the lower half is done first (order is irrelevant)
      const hi = stack + <usize>sp * 20;
      store<i32>(hi, splI1); store<i32>(hi, lim1, 4); store<i32>(hi, splI2, 8); store<i32>(hi, lim2, 12);
      store<i32>(hi, splMinHi ? 1 : 0, 16);
      const lo = hi + 20;
      store<i32>(lo, off1); store<i32>(lo, splI1, 4); store<i32>(lo, off2, 8); store<i32>(lo, splI2, 12);
      store<i32>(lo, splMinLo ? 1 : 0, 16);
      sp += 2;
    }
  }
  free(stack);
  free(kvd);
  return true;
}

/** Builds a set of the ids in seq[from, to): open addressing, slot = key i32, used u32. */
function buildSet(seq: usize, from: i32, to: i32): usize {
  let cap: u32 = 16;
  while (cap < <u32>(to - from) * 2) cap <<= 1;
  const set = alloc(8 + (<usize>cap << 3));
  if (set == 0) return 0;
  memory.fill(set, 0, 8 + (<usize>cap << 3));
  store<u32>(set, cap - 1);
  const slots = set + 8;
  for (let i = from; i < to; i++) {
    const k = at(seq, i);
    let h = (<u32>k * 0x9e3779b1) ^ (<u32>k >> 16);
    h &= cap - 1;
    while (true) {
      const s = slots + (<usize>h << 3);
      if (load<u32>(s, 4) == 0) { store<i32>(s, k); store<u32>(s, 1, 4); break; }
      if (load<i32>(s) == k) break;
      h = (h + 1) & (cap - 1);
    }
  }
  return set;
}

function inSet(set: usize, k: i32): bool {
  const mask = load<u32>(set);
  const slots = set + 8;
  let h = ((<u32>k * 0x9e3779b1) ^ (<u32>k >> 16)) & mask;
  while (true) {
    const s = slots + (<usize>h << 3);
    if (load<u32>(s, 4) == 0) return false;
    if (load<i32>(s) == k) return true;
    h = (h + 1) & mask;
  }
  return false;
}

function bogosqrt(n: i32): i32 {
  let i: i32 = 1;
  for (; n > 0; n >>= 2) i <<= 1;
  return i;
}

/**
 * Diffs a[0,n) against b[0,m) (i32 ids). costLimit: 0 = xdiff's default
 * (max(256, ~sqrt(N + M))), 0x7fffffff = no limit (always minimal), else the limit.
 * Returns the hunk count (hunks at myersHunks, 4 x i32 each, caller frees) or -6 (OOM).
 */
export function myers(a: usize, n: i32, b: usize, m: i32, costLimit: i32): i32 {
  myersLimited = false;
  myersHunks = 0;
  let pre: i32 = 0;
  while (pre < n && pre < m && at(a, pre) == at(b, pre)) pre++;
  let suf: i32 = 0;
  while (suf < n - pre && suf < m - pre && at(a, n - 1 - suf) == at(b, m - 1 - suf)) suf++;
  const aEnd = n - suf, bEnd = m - suf;

  const rchg = alloc(<usize>(n + m + 2));
  const hunks = alloc(<usize>((n < m ? n : m) + 1) << 4);
  if (rchg == 0 || hunks == 0) { free(hunks); free(rchg); return -6; }
  memory.fill(rchg, 0, <usize>(n + m + 2));
  const rchgA = rchg, rchgB = rchg + <usize>n + 1;

  if (pre == aEnd) {
    for (let j = pre; j < bEnd; j++) store<u8>(rchgB + <usize>j, 1);
  } else if (pre == bEnd) {
    for (let i = pre; i < aEnd; i++) store<u8>(rchgA + <usize>i, 1);
  } else {
    const na = aEnd - pre, nb = bEnd - pre;
    const setA = buildSet(a, pre, aEnd);
    const setB = buildSet(b, pre, bEnd);
    // reduced sequences and their maps back to original indices
    const work = alloc(<usize>(na + nb) << 3);
    if (setA == 0 || setB == 0 || work == 0) {
      free(work); free(setB); free(setA); free(hunks); free(rchg);
      return -6;
    }
    const ra = work, ia = work + (<usize>na << 2);
    const rb = work + (<usize>na << 3), ib = rb + (<usize>nb << 2);
    let ka: i32 = 0, kb: i32 = 0;
    for (let i = pre; i < aEnd; i++) {
      const k = at(a, i);
      if (inSet(setB, k)) { put(ra, ka, k); put(ia, ka, i); ka++; }
      else store<u8>(rchgA + <usize>i, 1);
    }
    for (let j = pre; j < bEnd; j++) {
      const k = at(b, j);
      if (inSet(setA, k)) { put(rb, kb, k); put(ib, kb, j); kb++; }
      else store<u8>(rchgB + <usize>j, 1);
    }
    free(setB);
    free(setA);
    let mxcost = costLimit;
    if (mxcost == 0) {
      mxcost = bogosqrt(ka + kb + 3);
      if (mxcost < 256) mxcost = 256;
    }
    const ok = compare(ra, ka, ia, rchgA, rb, kb, ib, rchgB, costLimit == LINE_MAX, mxcost);
    free(work);
    if (!ok) { free(hunks); free(rchg); return -6; }
  }

  // change flags -> hunks
  let i: i32 = 0, j: i32 = 0, h: i32 = 0;
  while (i < n || j < m) {
    if ((i < n && load<u8>(rchgA + <usize>i) != 0) || (j < m && load<u8>(rchgB + <usize>j) != 0)) {
      const i0 = i, j0 = j;
      while (i < n && load<u8>(rchgA + <usize>i) != 0) i++;
      while (j < m && load<u8>(rchgB + <usize>j) != 0) j++;
      const r = hunks + (<usize>h << 4);
      store<i32>(r, i0); store<i32>(r, i - i0, 4); store<i32>(r, j0, 8); store<i32>(r, j - j0, 12);
      h++;
    } else {
      i++;
      j++;
    }
  }
  free(rchg);
  myersHunks = hunks;
  return h;
}
