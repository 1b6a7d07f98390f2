/**
 * How similar two blobs are, as git's rename detection scores them (diffcore-delta.c:
 * diffcore_count_changes, diffcore-rename.c: estimate_similarity).
 *
 * A blob is cut into chunks that end at LF or after 64 bytes (a CR before LF is skipped in a
 * text file; a last chunk without LF shorter than 64 bytes is not counted), each chunk hashed
 * into 107,927 buckets, and the bytes per bucket summed. "Copied" bytes are, per bucket, the
 * smaller of the two sums; the score is copied * 60000 / the larger blob's size. Pairs whose
 * sizes differ by more than the score allows are not looked at.
 */
import { isBinary } from '../diff/binary.js';

export const MAX_SCORE = 60000;
export const DEFAULT_RENAME_SCORE = 30000;
const HASHBASE = 107927;

/** Bucket sums of one blob, ascending by bucket. */
export interface SpanCounts {
  hashes: Uint32Array;
  counts: Uint32Array;
}

export function spanCounts(data: Uint8Array): SpanCounts {
  const text = !isBinary(data);
  const sums = new Map<number, number>();
  let n = 0;
  let a1 = 0;
  let a2 = 0;
  const len = data.length;
  for (let i = 0; i < len; i++) {
    const c = data[i];
    if (text && c === 13 && i + 1 < len && data[i + 1] === 10) continue;
    const old1 = a1;
    a1 = ((a1 << 7) ^ (a2 >>> 25)) >>> 0;
    a2 = ((a2 << 7) ^ (old1 >>> 25)) >>> 0;
    a1 = (a1 + c) >>> 0;
    if (++n < 64 && c !== 10) continue;
    const h = ((a1 + Math.imul(a2, 0x61)) >>> 0) % HASHBASE;
    sums.set(h, (sums.get(h) ?? 0) + n);
    n = 0;
    a1 = 0;
    a2 = 0;
  }
  const hashes = Uint32Array.from(sums.keys()).sort();
  const counts = new Uint32Array(hashes.length);
  for (let i = 0; i < hashes.length; i++) counts[i] = sums.get(hashes[i])!;
  return { hashes, counts };
}

/** diffcore_count_changes: bytes of `dst` that came from `src`. */
export function copiedBytes(src: SpanCounts, dst: SpanCounts): number {
  let sc = 0;
  let d = 0;
  const nd = dst.hashes.length;
  for (let s = 0; s < src.hashes.length; s++) {
    const h = src.hashes[s];
    while (d < nd && dst.hashes[d] < h) d++;
    let dc = 0;
    if (d < nd && dst.hashes[d] === h) dc = dst.counts[d++];
    sc += Math.min(src.counts[s], dc);
  }
  return sc;
}

/** A blob as rename detection sees it: its size, and its span counts when asked. */
export interface SimilaritySource {
  size: number;
  counts(): SpanCounts;
}

/** estimate_similarity for two regular files of these sizes; 0 when too different to look at. */
export function estimateSimilarity(src: SimilaritySource, dst: SimilaritySource, minimumScore: number): number {
  const max = Math.max(src.size, dst.size);
  const base = Math.min(src.size, dst.size);
  if (max * (MAX_SCORE - minimumScore) < (max - base) * MAX_SCORE) return 0;
  if (dst.size === 0) return 0;
  return Math.floor((copiedBytes(src.counts(), dst.counts()) * MAX_SCORE) / max);
}
