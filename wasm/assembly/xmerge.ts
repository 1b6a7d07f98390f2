// git's three-way line merge (xdiff/xmerge.c: xdl_merge), line for line.
//
// Both sides are diffed against the base (Myers or histogram, then compacted). Walking both
// scripts in base order, a change of one side that ends before the other's next change starts
// is taken as it is; changes that touch or overlap form a region, which is a conflict unless
// both sides made the very same change (level >= EAGER). Then, by level:
//
//   ZEALOUS (2)       each conflict region is re-diffed side against side and shrunk to what
//                     really differs (several regions if need be; identical: no conflict), and
//                     conflicts at most 3 lines apart are joined (merge-ort's level);
//   ZEALOUS_ALNUM (3) ... also joined when the lines between them hold no letter or digit
//                     (git merge-file's level).
//
// A diff3 style (1) keeps the base section and so stops at EAGER; zdiff3 (2) only strips the
// lines both sides share at the edges of each conflict. A conflict is written as
//
//   <<<<<<< name1 \n  side 1  [||||||| ancestor \n  base]  ======= \n  side 2  >>>>>>> name2 \n
//
// with CRLF marker lines when the lines around it end in CRLF, and a missing final newline of
// a section supplied. Result: the merged bytes (a block the caller frees) and the number of
// conflicts.

import { alloc, free } from './alloc';
import { file1, file2, freeEnv, lineEnd, lineStart, nrec } from './xdiff-env';
import { buildScript, diffEnv, scriptCount } from './xdiff-script';
import { emitMerge, emitLen, emitOut } from './xmerge-emit';

export let mergeOut: usize = 0;
export let mergeOutLen: i32 = 0;

const MODE: usize = 4, I0: usize = 8, C0: usize = 12, I1: usize = 16, C1: usize = 20, I2: usize = 24, C2: usize = 28;
const NODE: usize = 32;

// the merge list: nodes in one growable block, linked by index (-1 = end)
let nodes: usize = 0;
let nodeCap: i32 = 0;
let nodeCount: i32 = 0;

let xe1: usize = 0;
let xe2: usize = 0;
let alg: i32 = 0;

// @ts-ignore: decorator
@inline function nd(m: i32): usize { return nodes + <usize>m * NODE; }
// @ts-ignore: decorator
@inline function gi(m: i32, f: usize): i32 { return load<i32>(nd(m) + f); }
// @ts-ignore: decorator
@inline function si(m: i32, f: usize, v: i32): void { store<i32>(nd(m) + f, v); }
// @ts-ignore: decorator
@inline function nextOf(m: i32): i32 { return load<i32>(nd(m)); }

function newNode(): i32 {
  if (nodeCount == nodeCap) {
    const cap = nodeCap * 2 + 16;
    const grown = alloc(<usize>cap * NODE);
    if (grown == 0) return -1;
    if (nodes != 0) {
      memory.copy(grown, nodes, <usize>nodeCount * NODE);
      free(nodes);
    }
    nodes = grown;
    nodeCap = cap;
  }
  const m = nodeCount++;
  memory.fill(nd(m), 0, NODE);
  store<i32>(nd(m), -1);
  return m;
}

/** xdl_append_merge: extends the last region when the new one touches it. Returns the last node. */
function appendMerge(c: i32, mode: i32, i0: i32, chg0: i32, i1: i32, chg1: i32, i2: i32, chg2: i32): i32 {
  if (c >= 0 && (i1 <= gi(c, I1) + gi(c, C1) || i2 <= gi(c, I2) + gi(c, C2))) {
    if (mode != gi(c, MODE)) si(c, MODE, 0);
    si(c, C0, i0 + chg0 - gi(c, I0));
    si(c, C1, i1 + chg1 - gi(c, I1));
    si(c, C2, i2 + chg2 - gi(c, I2));
    return c;
  }
  const m = newNode();
  if (m < 0) return -2;
  si(m, MODE, mode); si(m, I0, i0); si(m, C0, chg0); si(m, I1, i1); si(m, C1, chg1); si(m, I2, i2); si(m, C2, chg2);
  if (c >= 0) store<i32>(nd(c), m);
  return m;
}

function sameBytes(x: usize, y: usize, len: usize): bool {
  for (let j: usize = 0; j < len; j++) if (load<u8>(x + j) != load<u8>(y + j)) return false;
  return true;
}

/** Lines i1.. of side 1 equal lines i2.. of side 2, byte for byte (xdl_merge_cmp_lines). */
function sameLines(i1: i32, i2: i32, count: i32): bool {
  const a = file2(xe1), b = file2(xe2);
  for (let k: i32 = 0; k < count; k++) {
    const sa = lineStart(a, i1 + k), la = lineEnd(a, i1 + k) - sa;
    const sb = lineStart(b, i2 + k), lb = lineEnd(b, i2 + k) - sb;
    if (la != lb || !sameBytes(sa, sb, la)) return false;
  }
  return true;
}

function isAlnum(c: u32): bool {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function linesContainAlnum(i: i32, chg: i32): bool {
  const f = file2(xe1);
  for (let k: i32 = 0; k < chg; k++) {
    const e = lineEnd(f, i + k);
    for (let p = lineStart(f, i + k); p < e; p++) if (isAlnum(load<u8>(p))) return true;
  }
  return false;
}

/** xdl_refine_conflicts. False on failure. */
function refineConflicts(head: i32): bool {
  for (let m = head; m >= 0; m = nextOf(m)) {
    if (gi(m, MODE) != 0) continue;
    const c1 = gi(m, C1), c2 = gi(m, C2);
    if (c1 == 0 || c2 == 0) continue;
    const i1 = gi(m, I1), i2 = gi(m, I2);
    const a = file2(xe1), b = file2(xe2);
    const s1 = lineStart(a, i1), e1 = lineEnd(a, i1 + c1 - 1);
    const s2 = lineStart(b, i2), e2 = lineEnd(b, i2 + c2 - 1);
    const env = diffEnv(s1, e1 - s1, s2, e2 - s2, alg);
    if (env == 0) return false;
    const script = buildScript(env);
    const n = scriptCount;
    freeEnv(env);
    if (script == 0) return false;
    if (n == 0) {
      si(m, MODE, 4);
      free(script);
      continue;
    }
    si(m, I1, load<i32>(script) + i1);
    si(m, C1, load<i32>(script, 4));
    si(m, I2, load<i32>(script, 8) + i2);
    si(m, C2, load<i32>(script, 12));
    for (let k: i32 = 1; k < n; k++) {
      const x = script + (<usize>k << 4);
      const m2 = newNode();
      if (m2 < 0) { free(script); return false; }
      store<i32>(nd(m2), nextOf(m));
      store<i32>(nd(m), m2);
      m = m2;
      si(m, MODE, 0);
      si(m, I1, load<i32>(x) + i1);
      si(m, C1, load<i32>(x, 4));
      si(m, I2, load<i32>(x, 8) + i2);
      si(m, C2, load<i32>(x, 12));
    }
    free(script);
  }
  return true;
}

/** xdl_refine_zdiff3_conflicts: strips lines both sides share at the edges of each conflict. */
function refineZdiff3(head: i32): void {
  for (let m = head; m >= 0; m = nextOf(m)) {
    if (gi(m, MODE) != 0) continue;
    while (gi(m, C1) > 0 && gi(m, C2) > 0 && sameLines(gi(m, I1), gi(m, I2), 1)) {
      si(m, C1, gi(m, C1) - 1);
      si(m, C2, gi(m, C2) - 1);
      si(m, I1, gi(m, I1) + 1);
      si(m, I2, gi(m, I2) + 1);
    }
    while (gi(m, C1) > 0 && gi(m, C2) > 0 && sameLines(gi(m, I1) + gi(m, C1) - 1, gi(m, I2) + gi(m, C2) - 1, 1)) {
      si(m, C1, gi(m, C1) - 1);
      si(m, C2, gi(m, C2) - 1);
    }
  }
}

/** xdl_simplify_non_conflicts. */
function simplifyNonConflicts(head: i32, ifNoAlnum: bool): void {
  let m = head;
  if (m < 0) return;
  while (true) {
    const nx = nextOf(m);
    if (nx < 0) return;
    const begin = gi(m, I1) + gi(m, C1);
    const end = gi(nx, I1);
    if (gi(m, MODE) != 0 || gi(nx, MODE) != 0 || (end - begin > 3 && (!ifNoAlnum || linesContainAlnum(begin, end - begin)))) {
      m = nx;
    } else {
      si(m, C1, gi(nx, I1) + gi(nx, C1) - gi(m, I1));
      si(m, C2, gi(nx, I2) + gi(nx, C2) - gi(m, I2));
      store<i32>(nd(m), nextOf(nx));
    }
  }
}


/**
 * xdl_merge of orig = p0[0, l0), side 1 = p1[0, l1), side 2 = p2[0, l2). Labels: `names`
 * holds three (pointer, length) pairs as i32 (ancestor, name1, name2; length -1 = none).
 * Returns the conflict count (>= 0) or -6 (out of memory / a diff failed); the result is at
 * mergeOut / mergeOutLen (caller frees mergeOut).
 */
export function xdlMerge(p0: usize, l0: usize, p1: usize, l1: usize, p2: usize, l2: usize,
                         algorithm: i32, level: i32, style: i32, favor: i32, markerSize: i32, names: usize): i32 {
  mergeOut = 0;
  mergeOutLen = 0;
  alg = algorithm;
  xe1 = diffEnv(p0, l0, p1, l1, alg);
  xe2 = xe1 == 0 ? 0 : diffEnv(p0, l0, p2, l2, alg);
  if (xe2 == 0) { freeEnv(xe1); return -6; }
  const s1 = buildScript(xe1);
  const n1 = scriptCount;
  const s2: usize = s1 == 0 ? <usize>0 : buildScript(xe2);
  const n2 = scriptCount;
  let status: i32 = 0;
  if (s1 == 0 || s2 == 0) status = -6;
  else if (n1 == 0 || n2 == 0) {
    // one side changed nothing: the result is the other side
    const src = n1 == 0 ? p2 : p1;
    const len = n1 == 0 ? l2 : l1;
    mergeOut = alloc(len > 0 ? len : 1);
    if (mergeOut == 0) status = -6;
    else {
      memory.copy(mergeOut, src, len);
      mergeOutLen = <i32>len;
    }
  } else status = doMerge(s1, n1, s2, n2, level, style, favor, markerSize, names);
  free(s2);
  free(s1);
  freeEnv(xe2);
  freeEnv(xe1);
  free(nodes);
  nodes = 0;
  nodeCap = 0;
  nodeCount = 0;
  return status;
}

function doMerge(s1: usize, n1: i32, s2: usize, n2: i32, level: i32, style: i32, favor: i32, markerSize: i32, names: usize): i32 {
  if ((style == 1 || style == 2) && level > 1) level = 1;
  let head: i32 = -1, c: i32 = -1;
  let k1: i32 = 0, k2: i32 = 0;
  while (k1 < n1 && k2 < n2) {
    const x1 = s1 + (<usize>k1 << 4), x2 = s2 + (<usize>k2 << 4);
    const a0 = load<i32>(x1), ac0 = load<i32>(x1, 4), a1 = load<i32>(x1, 8), ac1 = load<i32>(x1, 12);
    const b0 = load<i32>(x2), bc0 = load<i32>(x2, 4), b2 = load<i32>(x2, 8), bc2 = load<i32>(x2, 12);
    if (a0 + ac0 < b0) {
      c = appendMerge(c, 1, a0, ac0, a1, ac1, b2 - b0 + a0, ac0);
      if (c < -1) return -6;
      if (head < 0) head = c;
      k1++;
      continue;
    }
    if (b0 + bc0 < a0) {
      c = appendMerge(c, 2, b0, bc0, a1 - a0 + b0, bc0, b2, bc2);
      if (c < -1) return -6;
      if (head < 0) head = c;
      k2++;
      continue;
    }
    if (level == 0 || a0 != b0 || ac0 != bc0 || ac1 != bc2 || !sameLines(a1, b2, ac1)) {
      const off = a0 - b0;
      const ffo = off + ac0 - bc0;
      let i0 = a0, i1 = a1, i2 = b2;
      if (off > 0) { i0 -= off; i1 -= off; } else i2 += off;
      let chg0 = a0 + ac0 - i0, chg1 = a1 + ac1 - i1, chg2 = b2 + bc2 - i2;
      if (ffo < 0) { chg0 -= ffo; chg1 -= ffo; } else chg2 += ffo;
      c = appendMerge(c, 0, i0, chg0, i1, chg1, i2, chg2);
      if (c < -1) return -6;
      if (head < 0) head = c;
    }
    const e1 = a0 + ac0, e2 = b0 + bc0;
    if (e1 >= e2) k2++;
    if (e2 >= e1) k1++;
  }
  const d1 = nrec(file2(xe2)) - nrec(file1(xe2));
  for (; k1 < n1; k1++) {
    const x1 = s1 + (<usize>k1 << 4);
    const a0 = load<i32>(x1), ac0 = load<i32>(x1, 4);
    c = appendMerge(c, 1, a0, ac0, load<i32>(x1, 8), load<i32>(x1, 12), a0 + d1, ac0);
    if (c < -1) return -6;
    if (head < 0) head = c;
  }
  const d2 = nrec(file2(xe1)) - nrec(file1(xe1));
  for (; k2 < n2; k2++) {
    const x2 = s2 + (<usize>k2 << 4);
    const b0 = load<i32>(x2), bc0 = load<i32>(x2, 4);
    c = appendMerge(c, 2, b0, bc0, b0 + d2, bc0, load<i32>(x2, 8), load<i32>(x2, 12));
    if (c < -1) return -6;
    if (head < 0) head = c;
  }
  if (style == 2) refineZdiff3(head);
  else if (level >= 2) {
    if (!refineConflicts(head)) return -6;
    simplifyNonConflicts(head, level > 2);
  }
  if (!emitMerge(nodes, xe1, xe2, head, favor, style, markerSize, names)) return -6;
  mergeOut = emitOut;
  mergeOutLen = emitLen;
  let conflicts: i32 = 0;
  for (let m = head; m >= 0; m = nextOf(m)) if (gi(m, MODE) == 0) conflicts++;
  return conflicts;
}
