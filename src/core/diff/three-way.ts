/**
 * Would a three-way line merge of one file conflict? The test git's xdl_merge makes:
 * both sides are diffed against the merge base; a change of one side that ends before the
 * other's next change starts (strictly: a change that touches the next one, or two
 * insertions at the same line, overlap) merges cleanly; overlapping changes form a region,
 * and the region conflicts unless both sides turn it into the same lines (xdiff's zealous
 * level resolves identical changes; smaller conflicts inside a region are still conflicts).
 */
import { myersDiff } from '../../wasm.js';
import { LineInterner } from './lines.js';

export function lineMergeConflicts(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, costLimit?: number): boolean {
  const interner = new LineInterner((base.length + ours.length + theirs.length) >>> 5);
  const o = interner.add(base).ids;
  const a = interner.add(ours).ids;
  const b = interner.add(theirs).ids;
  const ha = myersDiff(o, a, costLimit).hunks;
  const hb = myersDiff(o, b, costLimit).hunks;
  return scriptsConflict(a, ha, b, hb);
}

/**
 * Two edit scripts of the same base (hunks [baseStart, baseCount, sideStart, sideCount]),
 * producing `a` and `b`: true if some overlapping region ends up different on the two sides.
 */
export function scriptsConflict(a: Int32Array, ha: Int32Array, b: Int32Array, hb: Int32Array): boolean {
  const na = ha.length >>> 2;
  const nb = hb.length >>> 2;
  let i = 0;
  let j = 0;
  while (i < na && j < nb) {
    const aEnd = ha[i * 4] + ha[i * 4 + 1];
    const bEnd = hb[j * 4] + hb[j * 4 + 1];
    if (aEnd < hb[j * 4]) {
      i++;
      continue;
    }
    if (bEnd < ha[i * 4]) {
      j++;
      continue;
    }
    // an overlap: grow the region [lo, hi) of the base until no change of either side touches it
    const i0 = i;
    const j0 = j;
    const lo = Math.min(ha[i * 4], hb[j * 4]);
    let hi = Math.max(aEnd, bEnd);
    i++;
    j++;
    for (;;) {
      if (i < na && ha[i * 4] <= hi) {
        hi = Math.max(hi, ha[i * 4] + ha[i * 4 + 1]);
        i++;
      } else if (j < nb && hb[j * 4] <= hi) {
        hi = Math.max(hi, hb[j * 4] + hb[j * 4 + 1]);
        j++;
      } else break;
    }
    if (!sameResult(lo, hi, a, ha, i0, i, b, hb, j0, j)) return true;
  }
  return false;
}

/** The lines side `s` makes of base region [lo, hi), given its hunks k0..k1 inside it. */
function regionResult(lo: number, hi: number, s: Int32Array, h: Int32Array, k0: number, k1: number): Int32Array {
  // base lines before the first and after the last change of the region are kept unchanged
  const start = h[k0 * 4 + 2] - (h[k0 * 4] - lo);
  const last = k1 - 1;
  const end = h[last * 4 + 2] + h[last * 4 + 3] + (hi - (h[last * 4] + h[last * 4 + 1]));
  return s.subarray(start, end);
}

function sameResult(
  lo: number, hi: number,
  a: Int32Array, ha: Int32Array, i0: number, i1: number,
  b: Int32Array, hb: Int32Array, j0: number, j1: number,
): boolean {
  const ra = regionResult(lo, hi, a, ha, i0, i1);
  const rb = regionResult(lo, hi, b, hb, j0, j1);
  if (ra.length !== rb.length) return false;
  for (let k = 0; k < ra.length; k++) if (ra[k] !== rb[k]) return false;
  return true;
}
