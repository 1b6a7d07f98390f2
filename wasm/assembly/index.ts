// The exports of the gitwell WASM core. src/wasm.ts is the only consumer.
//
// Boundary conventions (es-module-lexer style):
//   - the caller copies inputs into blocks from `alloc` (or the 64-byte `io` area for an oid
//     or a pack entry header), calls one function, reads results through the getters below
//     or straight from memory, and frees its blocks;
//   - functions return a count / length >= 0 or a negative error code:
//       -1 bad entry header, -2 bad delta, -3 bad tree, -4 bad commit, -5 bad tag, -6 out of memory
//   - all pointers are u32 offsets into the exported memory (read them with `>>> 0` in JS).

import { IO, alloc as _alloc, free as _free, heapTopOffset, freeBlockCount } from './alloc';
import { parseEntryHeader, hdrType, hdrSize, hdrOfs } from './pack';
import { parseDeltaHeader, runDelta, deltaBaseSize, deltaResultSize } from './delta';
import { parseTreeInto } from './tree';
import { parseCommit, commitParents, commitTime } from './commit';
import {
  walkerNew as _walkerNew, walkerFree as _walkerFree, walkerMark as _walkerMark,
  walkerPush as _walkerPush, walkerHas as _walkerHas, walkerSize as _walkerSize,
  walkerKind as _walkerKind, walkerNext as _walkerNext, walkerVisit as _walkerVisit, walkerConflict as _walkerConflict,
} from './walk';
import { myers as _myers, myersHunks, myersLimited } from './myers';
import { internLines as _internLines, internA, internB, internDistinct, internOut } from './lines';
import { xdiffScript as _xdiff, xdiffOut } from './xdiff-script';
import { xdlMerge, mergeOut, mergeOutLen } from './xmerge';

// --- memory -----------------------------------------------------------------------------

/** The 64-byte static exchange area. */
export function io(): usize { return IO; }
/** n bytes, 16-byte aligned; 0 when memory cannot grow. */
export function alloc(n: usize): usize { return _alloc(n); }
export function free(p: usize): void { _free(p); }
export function heapTop(): usize { return heapTopOffset(); }
export function freeBlocks(): u32 { return freeBlockCount(); }

// --- pack entry header: input in io, results via getters ----------------------------------

/** Returns the header length or -1. */
export function entryHeader(len: usize): i32 { return parseEntryHeader(IO, len); }
export function entryType(): i32 { return hdrType; }
export function entrySize(): f64 { return <f64>hdrSize; }
export function entryOfs(): f64 { return <f64>hdrOfs; }

// --- delta ------------------------------------------------------------------------------

/** Parses the two sizes at the start of a delta in io[0, len). Returns 0 or -2. */
export function deltaHeader(len: usize): i32 { return parseDeltaHeader(IO, len) < 0 ? -2 : 0; }
export function deltaBase(): f64 { return <f64>deltaBaseSize; }
export function deltaResult(): f64 { return <f64>deltaResultSize; }
/** Checks the whole delta against a base of blen bytes and its declared result size. 0 or -2. */
export function deltaCheck(d: usize, dlen: usize, blen: usize): i32 {
  return runDelta(d, dlen, 0, blen, 0, false) < 0 ? -2 : 0;
}
/** Applies the delta, writing its declared result size at out. 0 or -2. */
export function deltaApply(d: usize, dlen: usize, base: usize, blen: usize, out: usize): i32 {
  return runDelta(d, dlen, base, blen, out, true) < 0 ? -2 : 0;
}

// --- tree / commit ----------------------------------------------------------------------

/** Parses a tree at p into 16-byte records at out (see tree.ts). Returns the count or -3. */
export function treeParse(p: usize, len: usize, out: usize): i32 {
  const n = parseTreeInto(p, len, out);
  return n < 0 ? -3 : n;
}
/** Parses tree + parent lines into out (20 bytes each, tree first). Returns the parent count or -4. */
export function commitParse(p: usize, len: usize, out: usize): i32 {
  return parseCommit(p, len, out, IO) < 0 ? -4 : commitParents;
}
export function commitTimestamp(): f64 { return commitTime; }

// --- walker -----------------------------------------------------------------------------

export function walkerNew(seed: u32, followParents: bool): usize { return _walkerNew(seed, followParents); }
export function walkerFree(w: usize): void { _walkerFree(w); }
/** oid in io. 1 newly marked, 0 already marked, -6. */
export function walkerMark(w: usize): i32 { return _walkerMark(w, IO); }
/** oid in io. 0 or -6. */
export function walkerPush(w: usize, kind: u32): i32 { return _walkerPush(w, IO, kind); }
/** oid in io. */
export function walkerHas(w: usize): bool { return _walkerHas(w, IO); }
export function walkerSize(w: usize): u32 { return _walkerSize(w); }
export function walkerKind(w: usize): u32 { return _walkerKind(w); }
/** Pops into io. 1, or 0 when done. */
export function walkerNext(w: usize): i32 { return _walkerNext(w, IO); }
/** 0, -3, -4, -5 or -6. */
export function walkerVisit(w: usize, type: i32, p: usize, len: usize): i32 { return _walkerVisit(w, type, p, len); }
/** An oid linked as two kinds: (first << 8 | second) with the oid in io, or 0. */
export function walkerConflict(w: usize): u32 { return _walkerConflict(w, IO); }

// --- myers ------------------------------------------------------------------------------

/** Returns the hunk count or -6; hunks at myersResult() (caller frees), limited flag. */
export function myers(a: usize, n: i32, b: usize, m: i32, costLimit: i32): i32 { return _myers(a, n, b, m, costLimit); }
export function myersResult(): usize { return myersHunks; }
export function myersWasLimited(): bool { return myersLimited; }

// --- line interning ---------------------------------------------------------------------

/**
 * Splits and interns two buffers (each followed by 8 readable bytes). 0 or -6; results via
 * the getters below: startsA[na + 1], startsB[nb + 1], idsA[na], idsB[nb] as i32 at
 * internResult() (caller frees).
 */
export function internLines(pa: usize, la: usize, pb: usize, lb: usize, seedLo: u32, seedHi: u32): i32 {
  return _internLines(pa, la, pb, lb, seedLo, seedHi);
}
export function internResult(): usize { return internOut; }
export function internCountA(): i32 { return internA; }
export function internCountB(): i32 { return internB; }
export function internDistinctCount(): i32 { return internDistinct; }

// --- xdiff: git's line diff and three-way line merge -------------------------------------

/**
 * git's edit script of a = pa[0, la) against b = pb[0, lb): xdl_do_diff (alg 0 Myers, 1
 * histogram), xdl_change_compact both ways, xdl_build_script. Returns the change count or -6;
 * quadruples [aStart, aCount, bStart, bCount] at xdiffResult() (caller frees).
 */
export function xdiff(pa: usize, la: usize, pb: usize, lb: usize, alg: i32): i32 {
  return _xdiff(pa, la, pb, lb, alg);
}
export function xdiffResult(): usize { return xdiffOut; }

/**
 * xdl_merge of base = p0[0, l0), ours = p1[0, l1), theirs = p2[0, l2). names: six i32 (pointer,
 * length) for the ancestor, ours and theirs labels (length -1: no label). level 0-3 (minimal,
 * eager, zealous, zealous_alnum), style 0 merge / 1 diff3 / 2 zdiff3, favor 0 none / 1 ours /
 * 2 theirs / 3 union, markerSize <= 0 for 7. Returns the conflict count or -6; the bytes at
 * xmergeResult() (caller frees), xmergeLength() long.
 */
export function xmerge(p0: usize, l0: usize, p1: usize, l1: usize, p2: usize, l2: usize,
                       alg: i32, level: i32, style: i32, favor: i32, markerSize: i32, names: usize): i32 {
  return xdlMerge(p0, l0, p1, l1, p2, l2, alg, level, style, favor, markerSize, names);
}
export function xmergeResult(): usize { return mergeOut; }
export function xmergeLength(): i32 { return mergeOutLen; }
