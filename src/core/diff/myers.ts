/**
 * Line diff of two buffers: split, intern, then the WASM core's linear-space Myers
 * (src/wasm.ts myersDiff). Hunks are [aStart, aCount, bStart, bCount] packed 4 per change,
 * 0-based, in order; the counts of a hunk are the deleted and added lines.
 *
 * As git does, lines are first run through xdiff's discard pre-pass (discard.ts), so the
 * counts are `git diff`'s (costLimit Infinity: `git diff --minimal`'s, which keeps the
 * pre-pass); `shortest: true` skips it and, with costLimit Infinity, gives a shortest script.
 *
 * Cost limit: absent = xdiff's default (at least 256 rounds per split, ~sqrt(N + M) for big
 * inputs), so huge or very different files stay near-linear; the script is then valid but may
 * be longer than minimal, and `limited` says so. Infinity = no limit.
 */
import { myersDiff } from '../../wasm.js';
import { discardLikeGit } from './discard.js';
import { internPair, type InternedPair, type Lines } from './lines.js';

export interface LineDiff {
  a: Lines;
  b: Lines;
  hunks: Int32Array;
  additions: number;
  deletions: number;
  /** the cost limit cut a search short: the script may be non-minimal */
  limited: boolean;
}

export interface LineDiffOptions {
  costLimit?: number;
  /** skip git's discard pre-pass (a shortest script when costLimit is Infinity too) */
  shortest?: boolean;
}

export function diffLines(a: Uint8Array, b: Uint8Array, opts: LineDiffOptions = {}): LineDiff {
  return diffInterned(internPair(a, b), opts);
}

/** The diff of a pair already split and interned (internPair); its ids are rewritten. */
export function diffInterned(p: InternedPair, opts: LineDiffOptions = {}): LineDiff {
  if (!opts.shortest) discardLikeGit(p.aIds, p.bIds, p.distinct);
  const { hunks, limited } = myersDiff(p.aIds, p.bIds, opts.costLimit);
  let additions = 0;
  let deletions = 0;
  for (let i = 0; i < hunks.length; i += 4) {
    deletions += hunks[i + 1];
    additions += hunks[i + 3];
  }
  return { a: p.a, b: p.b, hunks, additions, deletions, limited };
}

/** Hunk i of a packed hunk list. */
export function hunkAt(hunks: Int32Array, i: number): { aStart: number; aCount: number; bStart: number; bCount: number } {
  const o = i * 4;
  return { aStart: hunks[o], aCount: hunks[o + 1], bStart: hunks[o + 2], bCount: hunks[o + 3] };
}
