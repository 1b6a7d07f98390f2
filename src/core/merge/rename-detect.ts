/**
 * git's rename detection for one side of a merge (diffcore-rename.c: diffcore_rename_extended
 * as merge-ort calls it: renames only, no copies, no break detection, empty files never
 * renamed, 50 % similarity, rename limit 7000):
 *
 *   1. exact renames: a deleted and an added file with the same blob (and, unless both are
 *      regular files, the same mode); of several, one with the same basename;
 *   2. basename renames: a source whose basename is unique among the sources, paired with the
 *      unique destination of that basename (or, failing uniqueness, with the destination its
 *      directory's exact renames point to), if at least 75 % similar;
 *   3. sources merge-ort does not need (not "relevant") drop out, as do sources wanted only
 *      for a directory whose rename majority is already decided;
 *   4. inexact renames: every remaining destination against every remaining source, the best
 *      four per destination kept, then all of them by score (ties: same basename first, then
 *      the order found), each destination and source used once, 50 % at least.
 *
 * Pair order matters (it breaks ties), so the queue keeps the order merge-ort collected it in.
 */
import type { ObjectFinder } from '../object/finder.js';
import { OBJ_BLOB } from '../../wasm.js';
import { cleanupDirRenameCounts, dropKnownDirRenameSources, initDirRenameInfo, possibleRename, updateDirRenameCounts } from './dir-rename-count.js';
import { DEFAULT_RENAME_SCORE, estimateSimilarity, MAX_SCORE, spanCounts, type SimilaritySource, type SpanCounts } from './similarity.js';
import { basename, isReg, type FilePair } from './state.js';

const EMPTY_BLOB = Buffer.from('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391', 'hex');
const CANDIDATES_PER_DST = 4;

type Spec = FilePair['one'] & { renameUsed?: number };

interface Dst {
  pair: FilePair;
  isRename: boolean;
  one: { path: string };
  two: Spec;
}

/** Sizes and span counts of blobs, read once per blob. */
export class BlobStats {
  private readonly cache = new Map<string, { size: number; counts: SpanCounts | null; oid: Buffer }>();
  constructor(private readonly finder: ObjectFinder) {}

  of(oid: Buffer): SimilaritySource {
    const key = oid.toString('latin1');
    let c = this.cache.get(key);
    if (!c) {
      const info = this.finder.info?.(oid);
      const size = info ? info.size : this.read(oid).length;
      this.cache.set(key, (c = { size, counts: null, oid }));
    }
    const entry = c;
    return {
      size: entry.size,
      counts: () => (entry.counts ??= spanCounts(this.read(entry.oid))),
    };
  }

  private read(oid: Buffer): Uint8Array {
    const o = this.finder.get(oid);
    if (!o || o.type !== OBJ_BLOB) throw new Error(`blob ${oid.toString('hex')} not found`);
    return o.data;
  }
}

function basenameSame(a: string, b: string): boolean {
  return basename(a) === basename(b);
}

interface Score {
  src: number;
  dst: number;
  score: number;
  nameScore: number;
}

/** score_compare: best first; unused slots (dst -1) last. */
function scoreCompare(a: Score, b: Score): number {
  if (a.dst < 0) return b.dst >= 0 ? 1 : 0;
  if (b.dst < 0) return -1;
  if (a.score === b.score) return b.nameScore - a.nameScore;
  return b.score - a.score;
}

export interface RenameDetection {
  pairs: FilePair[];
  relevantSources: Map<string, number>;
  dirsRemoved: Map<string, number>;
  dirRenameCount: Map<string, Map<string, number>>;
  renameLimit: number;
  stats: BlobStats;
}

/** Runs detection; returns the new queue (renames in place of their destinations, used deletions gone). */
export function detectRenames(d: RenameDetection): FilePair[] {
  const dsts: Dst[] = [];
  let srcs: Spec[] = [];
  for (const p of d.pairs) {
    if (p.one.oid === null) {
      if (p.two.oid === null || p.two.oid.equals(EMPTY_BLOB)) continue;
      dsts.push({ pair: p, isRename: false, one: p.one, two: p.two });
    } else if (p.one.oid.equals(EMPTY_BLOB)) continue;
    else if (p.two.oid === null) srcs.push(p.one as Spec);
  }
  if (dsts.length > 0 && srcs.length > 0) findRenames(d, dsts, srcs);
  return d.pairs.filter((p) => !(p.one.oid !== null && p.two.oid === null && ((p.one as Spec).renameUsed ?? 0) > 0));

  function record(dst: Dst, src: Spec, score: number): void {
    src.renameUsed = (src.renameUsed ?? 0) + 1;
    dst.isRename = true;
    dst.pair.one = src;
    dst.one = src;
    dst.pair.renamed = true;
    dst.pair.score = src.path === dst.two.path ? 0 : score;
  }

  function findRenames(d: RenameDetection, dsts: Dst[], all: Spec[]): void {
    let count = exactRenames(dsts, all);
    srcs = all.filter((s) => !s.renameUsed);
    const info = initDirRenameInfo(dsts, d.dirsRemoved, d.dirRenameCount);
    count += basenameRenames(dsts, srcs, info);
    srcs = srcs.filter((s) => !s.renameUsed && d.relevantSources.has(s.path));
    srcs = dropKnownDirRenameSources(info, srcs, d.relevantSources);
    const numDst = dsts.length - count;
    if (numDst > 0 && srcs.length > 0 && numDst * srcs.length <= d.renameLimit * d.renameLimit) {
      inexactRenames(dsts, srcs, info);
    }
    cleanupDirRenameCounts(info);
  }

  function exactRenames(dsts: Dst[], all: Spec[]): number {
    const byOid = new Map<string, number[]>();
    all.forEach((s, i) => {
      const k = s.oid!.toString('latin1');
      const l = byOid.get(k);
      if (l) l.push(i);
      else byOid.set(k, [i]);
    });
    let n = 0;
    for (const dst of dsts) {
      const cands = byOid.get(dst.two.oid!.toString('latin1'));
      if (!cands) continue;
      let best: Spec | null = null;
      let bestScore = -1;
      let left = 100;
      for (const i of cands) {
        const src = all[i];
        if ((!isReg(src.mode) || !isReg(dst.two.mode)) && src.mode !== dst.two.mode) continue;
        if (src.renameUsed) continue;
        const score = 1 + (basenameSame(src.path, dst.two.path) ? 1 : 0);
        if (score > bestScore) {
          best = src;
          bestScore = score;
          if (score === 2) break;
        }
        if (!--left) break;
      }
      if (best) {
        record(dst, best, MAX_SCORE);
        n++;
      }
    }
    return n;
  }

  function basenameRenames(dsts: Dst[], sources: Spec[], info: ReturnType<typeof initDirRenameInfo>): number {
    const minScore = DEFAULT_RENAME_SCORE + Math.floor(0.5 * (MAX_SCORE - DEFAULT_RENAME_SCORE));
    const srcByBase = new Map<string, number>();
    sources.forEach((s, i) => {
      const b = basename(s.path);
      srcByBase.set(b, srcByBase.has(b) ? -1 : i);
    });
    const dstByBase = new Map<string, number>();
    dsts.forEach((t, i) => {
      if (t.isRename) return;
      const b = basename(t.two.path);
      dstByBase.set(b, dstByBase.has(b) ? -1 : i);
    });
    let n = 0;
    sources.forEach((s, i) => {
      if (!d.relevantSources.has(s.path)) return;
      const b = basename(s.path);
      const srcIndex = srcByBase.get(b)!;
      if (!dstByBase.has(b)) return;
      let dstIndex = dstByBase.get(b)!;
      let si = srcIndex;
      if (si === -1 || dstIndex === -1) {
        si = i;
        dstIndex = possibleRename(info, s.path);
      }
      if (dstIndex === -1) return;
      const dst = dsts[dstIndex];
      if (dst.isRename) return;
      const one = sources[si];
      if (!isReg(one.mode) || !isReg(dst.two.mode)) return;
      const score = estimateSimilarity(d.stats.of(one.oid!), d.stats.of(dst.two.oid!), minScore);
      if (score < minScore) return;
      record(dst, one, score);
      n++;
      updateDirRenameCounts(info, one.path, dst.two.path);
    });
    return n;
  }

  function inexactRenames(dsts: Dst[], sources: Spec[], info: ReturnType<typeof initDirRenameInfo>): void {
    const mx: Score[] = [];
    dsts.forEach((dst, i) => {
      if (dst.isRename) return;
      const m: Score[] = [];
      for (let k = 0; k < CANDIDATES_PER_DST; k++) m.push({ src: -1, dst: -1, score: 0, nameScore: 0 });
      sources.forEach((src, j) => {
        const score = isReg(src.mode) && isReg(dst.two.mode)
          ? estimateSimilarity(d.stats.of(src.oid!), d.stats.of(dst.two.oid!), DEFAULT_RENAME_SCORE)
          : 0;
        const o: Score = { src: j, dst: i, score, nameScore: basenameSame(src.path, dst.two.path) ? 1 : 0 };
        let worst = 0;
        for (let k = 1; k < CANDIDATES_PER_DST; k++) if (scoreCompare(m[k], m[worst]) > 0) worst = k;
        if (scoreCompare(m[worst], o) > 0) m[worst] = o;
      });
      mx.push(...m);
    });
    mx.sort(scoreCompare); // stable, as git's STABLE_QSORT
    for (const s of mx) {
      if (s.dst < 0 || s.score < DEFAULT_RENAME_SCORE) break;
      const dst = dsts[s.dst];
      if (dst.isRename) continue;
      const src = sources[s.src];
      if (src.renameUsed) continue;
      record(dst, src, s.score);
      updateDirRenameCounts(info, src.path, dst.two.path);
    }
  }
}
