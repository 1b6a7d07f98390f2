/**
 * git's pre-pass before Myers (xdiff/xprepare.c: xdl_trim_ends + xdl_cleanup_records), so
 * that line counts agree with `git diff` — with or without --minimal, which does not turn it off.
 *
 * Between the common prefix and suffix, a line is discarded (marked changed, kept out of the
 * LCS) when it occurs nowhere in the other file, or when it occurs there at least
 * mlim = min(1024, bogosqrt(lines of its own file)) times and sits in a run of such lines
 * (xdl_clean_mmatch). The second rule is a speed heuristic: the script stays valid but may be
 * longer than minimal (a blank line between unmatched lines, facing a file of blank lines, is
 * not matched).
 *
 * A discarded line gets an id no other line has, so Myers cannot match it: the same effect as
 * xdiff leaving it out of the sequences it compares.
 */

const MAX_EQLIMIT = 1024;
const SIMSCAN_WINDOW = 100;
const KPDIS_RUN = 4;

/** xdiff's integer square root approximation. */
export function bogosqrt(n: number): number {
  let i = 1;
  for (; n > 0; n = Math.floor(n / 4)) i *= 2;
  return i;
}

function cleanMmatch(dis: Uint8Array, i: number, s: number, e: number): boolean {
  if (i - s > SIMSCAN_WINDOW) s = i - SIMSCAN_WINDOW;
  if (e - i > SIMSCAN_WINDOW) e = i + SIMSCAN_WINDOW;
  let rdis0 = 0;
  let rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    const d = dis[i - r];
    if (d === 0) rdis0++;
    else if (d === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0;
  let rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    const d = dis[i + r];
    if (d === 0) rdis1++;
    else if (d === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  rdis1 += rdis0;
  rpdis1 += rpdis0;
  return rpdis1 * KPDIS_RUN < rpdis1 + rdis1;
}

/**
 * Rewrites, in place, the ids of the lines git would discard to fresh unique ids (from
 * `nextId` up). `nextId` must exceed every id in use; returns the next free id.
 */
export function discardLikeGit(a: Int32Array, b: Int32Array, nextId: number): number {
  const n = a.length;
  const m = b.length;
  // xdl_trim_ends
  const lim = Math.min(n, m);
  let start = 0;
  while (start < lim && a[start] === b[start]) start++;
  let tail = 0;
  while (tail < lim - start && a[n - 1 - tail] === b[m - 1 - tail]) tail++;
  const endA = n - tail - 1;
  const endB = m - tail - 1;
  if (start > endA && start > endB) return nextId;

  // occurrences of each line in each whole file
  const countA = new Int32Array(nextId);
  const countB = new Int32Array(nextId);
  for (let i = 0; i < n; i++) countA[a[i]]++;
  for (let i = 0; i < m; i++) countB[b[i]]++;

  const disA = classify(a, start, endA, countB, Math.min(MAX_EQLIMIT, bogosqrt(n)));
  const disB = classify(b, start, endB, countA, Math.min(MAX_EQLIMIT, bogosqrt(m)));
  nextId = rewrite(a, disA, start, endA, nextId);
  return rewrite(b, disB, start, endB, nextId);
}

/** 0: no match in the other file, 1: some, 2: at least mlim. */
function classify(s: Int32Array, start: number, end: number, otherCount: Int32Array, mlim: number): Uint8Array {
  const dis = new Uint8Array(s.length + 1);
  for (let i = start; i <= end; i++) {
    const nm = otherCount[s[i]];
    dis[i] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
  }
  return dis;
}

function rewrite(s: Int32Array, dis: Uint8Array, start: number, end: number, nextId: number): number {
  for (let i = start; i <= end; i++) {
    const keep = dis[i] === 1 || (dis[i] === 2 && !cleanMmatch(dis, i, start, end));
    if (!keep) s[i] = nextId++;
  }
  return nextId;
}
