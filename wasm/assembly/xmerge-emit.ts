// The output half of xdl_merge (xmerge.c: xdl_fill_merge_buffer, fill_conflict_hunk,
// xdl_recs_copy, is_eol_crlf, is_cr_needed): the merged bytes from the merge list of
// xmerge.ts. Run twice, as git does: once to size the result, once to write it.
//
// Node fields (i32, see xmerge.ts): next, mode, i0, chg0, i1, chg1, i2, chg2. Modes: 0
// conflict, 1 take side 1, 2 take side 2, 3 both (favor union), 4 identical after refining
// (skipped: its lines are copied from side 1 with what follows).

import { alloc } from './alloc';
import { file1, file2, lineEnd, lineStart, nrec } from './xdiff-env';

export let emitOut: usize = 0;
export let emitLen: i32 = 0;

const DEFAULT_MARKER: i32 = 7;

let dest: usize = 0; // 0 while sizing
let size: i32 = 0;

function put(c: u8): void {
  if (dest != 0) store<u8>(dest + <usize>size, c);
  size++;
}

function putRepeat(c: u8, n: i32): void {
  if (dest != 0) memory.fill(dest + <usize>size, c, <usize>n);
  size += n;
}

function putBytes(p: usize, n: i32): void {
  if (dest != 0) memory.copy(dest + <usize>size, p, <usize>n);
  size += n;
}

/** xdl_recs_copy_0: lines [i, i + count) of file f, with a newline supplied when asked. */
function copyLines(f: usize, i: i32, count: i32, needsCr: bool, addNl: bool): void {
  if (count < 1) return;
  const s = lineStart(f, i), e = lineEnd(f, i + count - 1);
  putBytes(s, <i32>(e - s));
  if (addNl) {
    const ls = lineStart(f, i + count - 1);
    if (e == ls || load<u8>(e - 1) != 10) {
      if (needsCr) put(13);
      put(10);
    }
  }
}

/** 1 if line i ends in CRLF (the last line without EOL: the one before it), 0 LF, -1 unknown. */
function isEolCrlf(f: usize, i: i32): i32 {
  const n = nrec(f);
  if (i < n - 1) {
    const s = lineStart(f, i), e = lineEnd(f, i);
    return e - s > 1 && load<u8>(e - 2) == 13 ? 1 : 0;
  }
  if (n == 0) return -1;
  let s = lineStart(f, i), e = lineEnd(f, i);
  if (e > s && load<u8>(e - 1) == 10) return e - s > 1 && load<u8>(e - 2) == 13 ? 1 : 0;
  if (i == 0) return -1;
  s = lineStart(f, i - 1);
  e = lineEnd(f, i - 1);
  return e - s > 1 && load<u8>(e - 2) == 13 ? 1 : 0;
}

let nodes: usize = 0;
let xe1: usize = 0;
let xe2: usize = 0;

// @ts-ignore: decorator
@inline function gi(m: i32, f: usize): i32 { return load<i32>(nodes + <usize>m * 32 + f); }

function isCrNeeded(m: i32): bool {
  const i1 = gi(m, 16), i2 = gi(m, 24);
  let needs = isEolCrlf(file2(xe1), i1 != 0 ? i1 - 1 : 0);
  if (needs != 0) needs = isEolCrlf(file2(xe2), i2 != 0 ? i2 - 1 : 0);
  if (needs != 0) needs = isEolCrlf(file1(xe1), 0);
  return needs > 0;
}

function markerLine(c: u8, markerSize: i32, name: usize, nameLen: i32, needsCr: bool): void {
  putRepeat(c, markerSize);
  if (nameLen >= 0) {
    put(32);
    putBytes(name, nameLen);
  }
  if (needsCr) put(13);
  put(10);
}

function conflictHunk(m: i32, i: i32, style: i32, markerSize: i32, names: usize): void {
  const needsCr = isCrNeeded(m);
  const a = file2(xe1), b = file2(xe2);
  copyLines(a, i, gi(m, 16) - i, false, false);
  markerLine(60, markerSize, <usize>load<u32>(names, 8), load<i32>(names, 12), needsCr);
  copyLines(a, gi(m, 16), gi(m, 20), needsCr, true);
  if (style == 1 || style == 2) {
    markerLine(124, markerSize, <usize>load<u32>(names), load<i32>(names, 4), needsCr);
    copyLines(file1(xe1), gi(m, 8), gi(m, 12), needsCr, true);
  }
  markerLine(61, markerSize, 0, -1, needsCr);
  copyLines(b, gi(m, 24), gi(m, 28), needsCr, true);
  markerLine(62, markerSize, <usize>load<u32>(names, 16), load<i32>(names, 20), needsCr);
}

function fill(head: i32, favor: i32, style: i32, markerSize: i32, names: usize): void {
  size = 0;
  let i: i32 = 0;
  const a = file2(xe1), b = file2(xe2);
  for (let m = head; m >= 0; m = load<i32>(nodes + <usize>m * 32)) {
    const mp = nodes + <usize>m * 32;
    if (favor != 0 && load<i32>(mp, 4) == 0) store<i32>(mp, favor, 4);
    const mode = load<i32>(mp, 4);
    if (mode == 0) conflictHunk(m, i, style, markerSize, names);
    else if ((mode & 3) != 0) {
      copyLines(a, i, gi(m, 16) - i, false, false);
      if ((mode & 1) != 0) copyLines(a, gi(m, 16), gi(m, 20), isCrNeeded(m), (mode & 2) != 0);
      if ((mode & 2) != 0) copyLines(b, gi(m, 24), gi(m, 28), false, false);
    } else continue;
    i = gi(m, 16) + gi(m, 20);
  }
  copyLines(a, i, nrec(a) - i, false, false);
}

/** Sizes, allocates and writes the result (emitOut / emitLen). False on OOM. */
export function emitMerge(nodeBlock: usize, env1: usize, env2: usize, head: i32, favor: i32, style: i32,
                          markerSize: i32, names: usize): bool {
  nodes = nodeBlock;
  xe1 = env1;
  xe2 = env2;
  if (markerSize <= 0) markerSize = DEFAULT_MARKER;
  dest = 0;
  fill(head, favor, style, markerSize, names);
  const total = size;
  emitOut = alloc(<usize>max(total, 1));
  if (emitOut == 0) return false;
  dest = emitOut;
  fill(head, favor, style, markerSize, names);
  emitLen = total;
  dest = 0;
  return true;
}
