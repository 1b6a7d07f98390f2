// git's Myers diff (xdiffi.c: xdl_do_diff / xdl_recs_cmp / xdl_split), line for line, on an
// env prepared for Myers (xdiff-env.ts): the divide-and-conquer search for the middle snake
// with both of xdiff's heuristics when a box does not need a minimal answer:
//
//   - past XDL_HEUR_MIN_COST rounds, after a snake longer than XDL_SNAKE_CNT, split at a
//     diagonal that reached far (by i1 + i2 minus its distance from the middle diagonal, above
//     XDL_K_HEUR times the cost) and ends in XDL_SNAKE_CNT matching lines;
//   - past mxcost = max(XDL_MAX_COST_MIN, bogosqrt(N + M + 3)) rounds, split at the furthest
//     reaching point of either search.
//
// Both are what make git's scripts what they are (sometimes longer than minimal), so both are
// here. Boxes wait on an explicit stack instead of recursion; the order in which boxes are
// solved does not matter (each marks only its own lines). src/wasm.ts has no direct entry to
// this file: xdiff-script.ts and xmerge.ts call it.

import { alloc, free } from './alloc';
import { bogosqrt, file1, file2, nreff, rchg, rha, rindex } from './xdiff-env';

const MAX_COST_MIN: i32 = 256;
const HEUR_MIN_COST: i32 = 256;
const LINE_MAX: i32 = 0x7fff_ffff;
const SNAKE_CNT: i32 = 20;
const K_HEUR: i32 = 4;

let splI1: i32 = 0;
let splI2: i32 = 0;
let splMinLo: bool = false;
let splMinHi: bool = false;
let mxcost: i32 = 0;

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): i32 { return load<i32>(p + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline function put(p: usize, i: i32, v: i32): void { store<i32>(p + (<usize>i << 2), v); }

function split(ha1: usize, off1: i32, lim1: i32, ha2: usize, off2: i32, lim2: i32,
               kvdf: usize, kvdb: usize, needMin: bool): void {
  const dmin = off1 - lim2, dmax = lim1 - off2;
  const fmid = off1 - off2, bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) != 0;
  let fmin = fmid, fmax = fmid;
  let bmin = bmid, bmax = bmid;
  let d: i32, i1: i32, i2: i32, prev1: i32;

  put(kvdf, fmid, off1);
  put(kvdb, bmid, lim1);

  for (let ec: i32 = 1; ; ec++) {
    let gotSnake = false;
    if (fmin > dmin) put(kvdf, --fmin - 1, -1);
    else ++fmin;
    if (fmax < dmax) put(kvdf, ++fmax + 1, -1);
    else --fmax;

    for (d = fmax; d >= fmin; d -= 2) {
      if (at(kvdf, d - 1) >= at(kvdf, d + 1)) i1 = at(kvdf, d - 1) + 1;
      else i1 = at(kvdf, d + 1);
      prev1 = i1;
      i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && at(ha1, i1) == at(ha2, i2)) { i1++; i2++; }
      if (i1 - prev1 > SNAKE_CNT) gotSnake = true;
      put(kvdf, d, i1);
      if (odd && bmin <= d && d <= bmax && at(kvdb, d) <= i1) {
        splI1 = i1; splI2 = i2; splMinLo = true; splMinHi = true;
        return;
      }
    }

    if (bmin > dmin) put(kvdb, --bmin - 1, LINE_MAX);
    else ++bmin;
    if (bmax < dmax) put(kvdb, ++bmax + 1, LINE_MAX);
    else --bmax;

    for (d = bmax; d >= bmin; d -= 2) {
      if (at(kvdb, d - 1) < at(kvdb, d + 1)) i1 = at(kvdb, d - 1);
      else i1 = at(kvdb, d + 1) - 1;
      prev1 = i1;
      i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && at(ha1, i1 - 1) == at(ha2, i2 - 1)) { i1--; i2--; }
      if (prev1 - i1 > SNAKE_CNT) gotSnake = true;
      put(kvdb, d, i1);
      if (!odd && fmin <= d && d <= fmax && i1 <= at(kvdf, d)) {
        splI1 = i1; splI2 = i2; splMinLo = true; splMinHi = true;
        return;
      }
    }

    if (needMin) continue;

    if (gotSnake && ec > HEUR_MIN_COST) {
      let best: i32 = 0;
      for (d = fmax; d >= fmin; d -= 2) {
        const dd = d > fmid ? d - fmid : fmid - d;
        i1 = at(kvdf, d);
        i2 = i1 - d;
        const v = (i1 - off1) + (i2 - off2) - dd;
        if (v > K_HEUR * ec && v > best &&
            off1 + SNAKE_CNT <= i1 && i1 < lim1 && off2 + SNAKE_CNT <= i2 && i2 < lim2) {
          for (let k: i32 = 1; at(ha1, i1 - k) == at(ha2, i2 - k); k++) {
            if (k == SNAKE_CNT) {
              best = v; splI1 = i1; splI2 = i2;
              break;
            }
          }
        }
      }
      if (best > 0) {
        splMinLo = true; splMinHi = false;
        return;
      }
      best = 0;
      for (d = bmax; d >= bmin; d -= 2) {
        const dd = d > bmid ? d - bmid : bmid - d;
        i1 = at(kvdb, d);
        i2 = i1 - d;
        const v = (lim1 - i1) + (lim2 - i2) - dd;
        if (v > K_HEUR * ec && v > best &&
            off1 < i1 && i1 <= lim1 - SNAKE_CNT && off2 < i2 && i2 <= lim2 - SNAKE_CNT) {
          for (let k: i32 = 0; at(ha1, i1 + k) == at(ha2, i2 + k); k++) {
            if (k == SNAKE_CNT - 1) {
              best = v; splI1 = i1; splI2 = i2;
              break;
            }
          }
        }
      }
      if (best > 0) {
        splMinLo = false; splMinHi = true;
        return;
      }
    }

    if (ec >= mxcost) {
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
}

/** xdl_do_diff's Myers part on a prepared env: marks changed lines in both files. False on OOM. */
export function myersEnv(env: usize, needMin: bool): bool {
  const f1 = file1(env), f2 = file2(env);
  const n1 = nreff(f1), n2 = nreff(f2);
  const ha1 = rha(f1), ha2 = rha(f2);
  const ri1 = rindex(f1), ri2 = rindex(f2);
  const rc1 = rchg(f1), rc2 = rchg(f2);
  const ndiags = n1 + n2 + 3;
  const kvd = alloc(<usize>(2 * ndiags + 2) << 2);
  const stackCap = n1 + n2 + 4;
  const stack = alloc(<usize>stackCap * 20);
  if (kvd == 0 || stack == 0) { free(stack); free(kvd); return false; }
  const kvdf = kvd + (<usize>(n2 + 1) << 2);
  const kvdb = kvd + (<usize>(ndiags + n2 + 1) << 2);
  mxcost = bogosqrt(ndiags);
  if (mxcost < MAX_COST_MIN) mxcost = MAX_COST_MIN;

  store<i32>(stack, 0); store<i32>(stack, n1, 4); store<i32>(stack, 0, 8); store<i32>(stack, n2, 12);
  store<i32>(stack, needMin ? 1 : 0, 16);
  let sp: i32 = 1;
  while (sp > 0) {
    sp--;
    const e = stack + <usize>sp * 20;
    let off1 = load<i32>(e), lim1 = load<i32>(e, 4), off2 = load<i32>(e, 8), lim2 = load<i32>(e, 12);
    const boxMin = load<i32>(e, 16) != 0;
    while (off1 < lim1 && off2 < lim2 && at(ha1, off1) == at(ha2, off2)) { off1++; off2++; }
    while (off1 < lim1 && off2 < lim2 && at(ha1, lim1 - 1) == at(ha2, lim2 - 1)) { lim1--; lim2--; }
    if (off1 == lim1) {
      for (; off2 < lim2; off2++) store<u8>(rc2 + <usize>at(ri2, off2), 1);
    } else if (off2 == lim2) {
      for (; off1 < lim1; off1++) store<u8>(rc1 + <usize>at(ri1, off1), 1);
    } else {
      split(ha1, off1, lim1, ha2, off2, lim2, kvdf, kvdb, boxMin);
      if (sp + 2 > stackCap) { free(stack); free(kvd); return false; } // cannot happen
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
