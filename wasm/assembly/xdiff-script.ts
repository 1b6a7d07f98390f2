// From changed-line flags to an edit script, as xdl_diff does it before emitting anything:
// xdl_do_diff (Myers or histogram), then xdl_change_compact on each side, then
// xdl_build_script.
//
// xdl_change_compact slides every group of changed lines up and down as far as equal lines
// allow (merging it with groups it runs into), then leaves it as low as it can go, unless
// some position lines it up with a change group of the other file: then at the lowest such
// position. (No indent heuristic: the merge machinery never asks for it.)
//
// A script is i32 quadruples [i1, chg1, i2, chg2] (0-based, ascending), in a block the caller
// frees; scriptCount says how many.

import { alloc } from './alloc';
import { ALG_HISTOGRAM, changed, cls, file1, file2, nrec, prepareEnv, freeEnv, setChanged } from './xdiff-env';
import { histogramEnv } from './xdiff-histogram';
import { myersEnv } from './xdiff-myers';

export let scriptCount: i32 = 0;

/** xdl_change_compact(xdf, xdfo). */
export function changeCompact(xdf: usize, xdfo: usize): void {
  const n = nrec(xdf), no = nrec(xdfo);
  let gs: i32 = 0, ge: i32 = 0;
  while (changed(xdf, ge)) ge++;
  let os: i32 = 0, oe: i32 = 0;
  while (changed(xdfo, oe)) oe++;
  while (true) {
    if (ge != gs) {
      let groupsize: i32 = 0, earliestEnd: i32 = 0, endMatchingOther: i32 = -1;
      do {
        groupsize = ge - gs;
        endMatchingOther = -1;
        // slide up as far as possible
        while (gs > 0 && cls(xdf, gs - 1) == cls(xdf, ge - 1)) {
          setChanged(xdf, --gs, true);
          setChanged(xdf, --ge, false);
          while (changed(xdf, gs - 1)) gs--;
          if (os == 0) return; // group sync broken: cannot happen
          oe = os - 1;
          for (os = oe; changed(xdfo, os - 1); os--) {}
        }
        earliestEnd = ge;
        if (oe > os) endMatchingOther = ge;
        // then down as far as possible
        while (true) {
          if (!(ge < n && cls(xdf, gs) == cls(xdf, ge))) break;
          setChanged(xdf, gs++, false);
          setChanged(xdf, ge++, true);
          while (changed(xdf, ge)) ge++;
          if (oe == no) return;
          os = oe + 1;
          for (oe = os; changed(xdfo, oe); oe++) {}
          if (oe > os) endMatchingOther = ge;
        }
      } while (groupsize != ge - gs);
      if (ge != earliestEnd && endMatchingOther != -1) {
        // back up to line up with the last change group of the other file it can meet
        while (oe == os) {
          if (!(gs > 0 && cls(xdf, gs - 1) == cls(xdf, ge - 1))) return;
          setChanged(xdf, --gs, true);
          setChanged(xdf, --ge, false);
          while (changed(xdf, gs - 1)) gs--;
          if (os == 0) return;
          oe = os - 1;
          for (os = oe; changed(xdfo, os - 1); os--) {}
        }
      }
    }
    if (ge == n) break;
    gs = ge + 1;
    for (ge = gs; changed(xdf, ge); ge++) {}
    if (oe == no) break;
    os = oe + 1;
    for (oe = os; changed(xdfo, oe); oe++) {}
  }
}

/** xdl_build_script: the groups of changes, ascending. Returns the block (0 on OOM). */
export function buildScript(env: usize): usize {
  const f1 = file1(env), f2 = file2(env);
  let i1 = nrec(f1), i2 = nrec(f2);
  let count: i32 = 0;
  // count first, then fill from the end
  for (let a = i1, b = i2; a >= 0 || b >= 0; a--, b--) {
    if ((a >= 0 && changed(f1, a - 1)) || (b >= 0 && changed(f2, b - 1))) {
      while (a >= 0 && changed(f1, a - 1)) a--;
      while (b >= 0 && changed(f2, b - 1)) b--;
      count++;
    }
  }
  const out = alloc(<usize>max(count, 1) << 4);
  if (out == 0) return 0;
  let k = count;
  for (; i1 >= 0 || i2 >= 0; i1--, i2--) {
    if ((i1 >= 0 && changed(f1, i1 - 1)) || (i2 >= 0 && changed(f2, i2 - 1))) {
      const l1 = i1, l2 = i2;
      while (i1 >= 0 && changed(f1, i1 - 1)) i1--;
      while (i2 >= 0 && changed(f2, i2 - 1)) i2--;
      k--;
      const r = out + (<usize>k << 4);
      store<i32>(r, i1);
      store<i32>(r, l1 - i1, 4);
      store<i32>(r, i2, 8);
      store<i32>(r, l2 - i2, 12);
    }
  }
  scriptCount = count;
  return out;
}

/**
 * xdl_do_diff + xdl_change_compact both ways on p1[0, l1) and p2[0, l2). Returns the env (the
 * caller frees it with freeEnv) or 0 on failure.
 */
export function diffEnv(p1: usize, l1: usize, p2: usize, l2: usize, alg: i32): usize {
  const env = prepareEnv(p1, l1, p2, l2, alg);
  if (env == 0) return 0;
  const ok = alg == ALG_HISTOGRAM ? histogramEnv(env) : myersEnv(env, false);
  if (!ok) {
    freeEnv(env);
    return 0;
  }
  changeCompact(file1(env), file2(env));
  changeCompact(file2(env), file1(env));
  return env;
}

export let xdiffOut: usize = 0;

/** The whole of xdl_diff's script step for two buffers (index.ts `xdiff`). */
export function xdiffScript(p1: usize, l1: usize, p2: usize, l2: usize, alg: i32): i32 {
  xdiffOut = 0;
  const env = diffEnv(p1, l1, p2, l2, alg);
  if (env == 0) return -6;
  const s = buildScript(env);
  freeEnv(env);
  if (s == 0) return -6;
  xdiffOut = s;
  return scriptCount;
}
