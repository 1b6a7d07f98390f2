// The diff environment of git's xdiff (xprepare.c): two files split into lines, every line
// classified (equal lines share a class id, ids given in order of first appearance, file 1
// then file 2, exactly as xdl_classify_record numbers them: histogram diff hashes those ids),
// and, for Myers only, xdl_trim_ends + xdl_cleanup_records:
//
//   - the common prefix and suffix are left out (dstart / dend);
//   - between them, a line that occurs nowhere in the other file is marked changed; one that
//     occurs there at least mlim = min(1024, bogosqrt(own line count)) times is marked changed
//     too when it sits in a run of such lines (xdl_clean_mmatch); the rest (rindex / rha) is
//     what Myers compares.
//
// A line is its bytes up to and including LF; the last may lack it. Lines are compared byte
// for byte (no whitespace flags). An env is one block; its fields:
//
//   xdfile (36 bytes, two of them):  +0 nrec  +4 starts (u32[nrec + 1], absolute pointers)
//     +8 ha (i32[nrec] class ids)  +12 rchg (u8[nrec + 2]; line i at rchg + 1 + i, so
//     rchg(-1) and rchg(nrec) read 0)  +16 rindex  +20 rha (i32[nrec])  +24 nreff
//     +28 dstart  +32 dend

import { alloc, free } from './alloc';

export const ALG_MYERS: i32 = 0;
export const ALG_HISTOGRAM: i32 = 1;

const XDF: usize = 36;
const MAX_EQLIMIT: i32 = 1024;
const SIMSCAN_WINDOW: i32 = 100;
const KPDIS_RUN: i32 = 4;

// @ts-ignore: decorator
@inline export function file1(env: usize): usize { return env; }
// @ts-ignore: decorator
@inline export function file2(env: usize): usize { return env + XDF; }
// @ts-ignore: decorator
@inline export function nrec(f: usize): i32 { return load<i32>(f); }
// @ts-ignore: decorator
@inline export function starts(f: usize): usize { return <usize>load<u32>(f, 4); }
// @ts-ignore: decorator
@inline export function classes(f: usize): usize { return <usize>load<u32>(f, 8); }
/** rchg(f) + i is line i's changed flag, for i in [-1, nrec]. */
// @ts-ignore: decorator
@inline export function rchg(f: usize): usize { return <usize>load<u32>(f, 12) + 1; }
// @ts-ignore: decorator
@inline export function rindex(f: usize): usize { return <usize>load<u32>(f, 16); }
// @ts-ignore: decorator
@inline export function rha(f: usize): usize { return <usize>load<u32>(f, 20); }
// @ts-ignore: decorator
@inline export function nreff(f: usize): i32 { return load<i32>(f, 24); }
// @ts-ignore: decorator
@inline export function dstart(f: usize): i32 { return load<i32>(f, 28); }
// @ts-ignore: decorator
@inline export function dend(f: usize): i32 { return load<i32>(f, 32); }

// @ts-ignore: decorator
@inline export function lineStart(f: usize, i: i32): usize { return <usize>load<u32>(starts(f) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function lineEnd(f: usize, i: i32): usize { return <usize>load<u32>(starts(f) + (<usize>(i + 1) << 2)); }
// @ts-ignore: decorator
@inline export function cls(f: usize, i: i32): i32 { return load<i32>(classes(f) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function changed(f: usize, i: i32): bool { return load<u8>(rchg(f) + <usize>i) != 0; }
// @ts-ignore: decorator
@inline export function setChanged(f: usize, i: i32, v: bool): void { store<u8>(rchg(f) + <usize>i, v ? 1 : 0); }

function countLines(p: usize, len: usize): i32 {
  let n: i32 = 0;
  for (let k: usize = 0; k < len; k++) if (load<u8>(p + k) == 10) n++;
  if (len > 0 && load<u8>(p + len - 1) != 10) n++;
  return n;
}

function fillStarts(p: usize, len: usize, out: usize): void {
  let i: usize = 0;
  let s: usize = 0;
  while (s < len) {
    store<u32>(out + (i << 2), <u32>(p + s));
    let k = s;
    while (k < len && load<u8>(p + k) != 10) k++;
    s = k < len ? k + 1 : len;
    i++;
  }
  store<u32>(out + (i << 2), <u32>(p + len));
}

function hashLine(p: usize, n: usize): u32 {
  let h: u32 = 0x811c9dc5 ^ <u32>n;
  let k: usize = 0;
  for (; k + 4 <= n; k += 4) {
    h = (h ^ load<u32>(p + k)) * 0x01000193;
    h ^= h >> 15;
  }
  for (; k < n; k++) h = (h ^ <u32>load<u8>(p + k)) * 0x01000193;
  h ^= h >> 13;
  return h * 0x5bd1e995;
}

function sameBytes(x: usize, y: usize, len: usize): bool {
  let j: usize = 0;
  for (; j + 4 <= len; j += 4) if (load<u32>(x + j) != load<u32>(y + j)) return false;
  for (; j < len; j++) if (load<u8>(x + j) != load<u8>(y + j)) return false;
  return true;
}

// the classifier of one env: open addressing on [hash, id + 1]; per id: first line's pointer,
// its length, occurrences in file 1 and in file 2
let ctab: usize = 0;
let cmask: u32 = 0;
let creps: usize = 0;
let ccount: i32 = 0;

function classify(p: usize, n: u32, pass: i32): i32 {
  const h = hashLine(p, <usize>n);
  let slot = h & cmask;
  while (true) {
    const e = ctab + (<usize>slot << 3);
    const id1 = load<i32>(e, 4);
    if (id1 == 0) {
      const id = ccount++;
      store<u32>(e, h);
      store<i32>(e, id + 1, 4);
      const r = creps + (<usize>id << 4);
      store<u32>(r, <u32>p);
      store<u32>(r, n, 4);
      store<i32>(r, pass == 1 ? 1 : 0, 8);
      store<i32>(r, pass == 2 ? 1 : 0, 12);
      return id;
    }
    if (load<u32>(e) == h) {
      const r = creps + (<usize>(id1 - 1) << 4);
      if (load<u32>(r, 4) == n && sameBytes(<usize>load<u32>(r), p, <usize>n)) {
        if (pass == 1) store<i32>(r, load<i32>(r, 8) + 1, 8);
        else store<i32>(r, load<i32>(r, 12) + 1, 12);
        return id1 - 1;
      }
    }
    slot = (slot + 1) & cmask;
  }
  return -1;
}

/** One xdfile's arrays in one block: starts, classes, rchg, and for Myers rindex / rha. */
function setupFile(f: usize, p: usize, len: usize, n: i32, myers: bool): bool {
  const nn = <usize>n;
  const size = ((nn + 1) << 2) + (nn << 2) + ((nn + 2 + 3) & ~(<usize>3)) + (myers ? nn << 3 : 0);
  const b = alloc(size);
  if (b == 0) return false;
  const st = b;
  const ha = st + ((nn + 1) << 2);
  const rc = ha + (nn << 2);
  const ri = rc + ((nn + 2 + 3) & ~(<usize>3));
  store<i32>(f, n);
  store<u32>(f, <u32>st, 4);
  store<u32>(f, <u32>ha, 8);
  store<u32>(f, <u32>rc, 12);
  store<u32>(f, myers ? <u32>ri : 0, 16);
  store<u32>(f, myers ? <u32>(ri + (nn << 2)) : 0, 20);
  store<i32>(f, 0, 24);
  store<i32>(f, 0, 28);
  store<i32>(f, n - 1, 32);
  memory.fill(rc, 0, nn + 2);
  fillStarts(p, len, st);
  return true;
}

export function bogosqrt(n: i32): i32 {
  let i: i32 = 1;
  for (; n > 0; n >>= 2) i <<= 1;
  return i;
}

function trimEnds(f1: usize, f2: usize): void {
  const n1 = nrec(f1), n2 = nrec(f2);
  const lim = n1 < n2 ? n1 : n2;
  let i: i32 = 0;
  while (i < lim && cls(f1, i) == cls(f2, i)) i++;
  store<i32>(f1, i, 28);
  store<i32>(f2, i, 28);
  let t: i32 = 0;
  const rest = lim - i;
  while (t < rest && cls(f1, n1 - 1 - t) == cls(f2, n2 - 1 - t)) t++;
  store<i32>(f1, n1 - t - 1, 32);
  store<i32>(f2, n2 - t - 1, 32);
}

function cleanMmatch(dis: usize, i: i32, s: i32, e: i32): bool {
  if (i - s > SIMSCAN_WINDOW) s = i - SIMSCAN_WINDOW;
  if (e - i > SIMSCAN_WINDOW) e = i + SIMSCAN_WINDOW;
  let rdis0: i32 = 0, rpdis0: i32 = 1;
  for (let r: i32 = 1; i - r >= s; r++) {
    const d = load<u8>(dis + <usize>(i - r));
    if (d == 0) rdis0++;
    else if (d == 2) rpdis0++;
    else break;
  }
  if (rdis0 == 0) return false;
  let rdis1: i32 = 0, rpdis1: i32 = 1;
  for (let r: i32 = 1; i + r <= e; r++) {
    const d = load<u8>(dis + <usize>(i + r));
    if (d == 0) rdis1++;
    else if (d == 2) rpdis1++;
    else break;
  }
  if (rdis1 == 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

/** xdl_cleanup_records for one file; `other` is the occurrence count offset (8: file 1, 12: file 2). */
function cleanupFile(f: usize, dis: usize, otherCount: usize): void {
  const n = nrec(f), s = dstart(f), e = dend(f);
  let mlim = bogosqrt(n);
  if (mlim > MAX_EQLIMIT) mlim = MAX_EQLIMIT;
  for (let i = s; i <= e; i++) {
    const nm = load<i32>(creps + (<usize>cls(f, i) << 4) + otherCount);
    store<u8>(dis + <usize>i, nm == 0 ? 0 : nm >= mlim ? 2 : 1);
  }
  let k: i32 = 0;
  const ri = rindex(f), rh = rha(f);
  for (let i = s; i <= e; i++) {
    const d = load<u8>(dis + <usize>i);
    if (d == 1 || (d == 2 && !cleanMmatch(dis, i, s, e))) {
      store<i32>(ri + (<usize>k << 2), i);
      store<i32>(rh + (<usize>k << 2), cls(f, i));
      k++;
    } else setChanged(f, i, true);
  }
  store<i32>(f, k, 24);
}

/**
 * Prepares the env of p1[0, l1) against p2[0, l2) for `alg`. Returns the env (free it with
 * freeEnv) or 0 when out of memory.
 */
export function prepareEnv(p1: usize, l1: usize, p2: usize, l2: usize, alg: i32): usize {
  const env = alloc(XDF * 2);
  if (env == 0) return 0;
  memory.fill(env, 0, XDF * 2);
  const f1 = file1(env), f2 = file2(env);
  const n1 = countLines(p1, l1), n2 = countLines(p2, l2);
  const myers = alg == ALG_MYERS;
  if (!setupFile(f1, p1, l1, n1, myers)) { free(env); return 0; }
  if (!setupFile(f2, p2, l2, n2, myers)) { free(<usize>load<u32>(f1, 4)); free(env); return 0; }
  const total = <u32>(n1 + n2);
  let cap: u32 = 16;
  while (cap < total * 2) cap <<= 1;
  const scratch = alloc((<usize>cap << 3) + (<usize>(total + 1) << 4) + <usize>(n1 + n2 + 2));
  if (scratch == 0) { freeEnv(env); return 0; }
  ctab = scratch;
  cmask = cap - 1;
  creps = scratch + (<usize>cap << 3);
  ccount = 0;
  memory.fill(ctab, 0, <usize>cap << 3);
  for (let i: i32 = 0; i < n1; i++) {
    const s = lineStart(f1, i);
    store<i32>(classes(f1) + (<usize>i << 2), classify(s, <u32>(lineEnd(f1, i) - s), 1));
  }
  for (let i: i32 = 0; i < n2; i++) {
    const s = lineStart(f2, i);
    store<i32>(classes(f2) + (<usize>i << 2), classify(s, <u32>(lineEnd(f2, i) - s), 2));
  }
  if (myers) {
    trimEnds(f1, f2);
    const dis = creps + (<usize>(total + 1) << 4);
    cleanupFile(f1, dis, 12);
    cleanupFile(f2, dis, 8);
  }
  free(scratch);
  return env;
}

export function freeEnv(env: usize): void {
  if (env == 0) return;
  free(<usize>load<u32>(file2(env), 4));
  free(<usize>load<u32>(file1(env), 4));
  free(env);
}
