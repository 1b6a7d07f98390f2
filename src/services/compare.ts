/**
 * diff and compare of two revisions of a repo.
 *
 * diff(base, head): `git diff base head` (two-dot), file by file (core/diff/file-diff.ts).
 *
 * compare(base, head): GitHub's three-dot compare: the merge base, how many commits head has
 * that base has not (ahead_by) and the reverse (behind_by), head's commits oldest first, the
 * diff merge_base..head, and a merge check (core/diff/merge-check.ts). No common ancestor: 422.
 *
 * The commit walks run on CommitGraph's parsed-commit cache. They are not upload-pack's
 * selectCommits: compare needs exact counts, so equal commit times are ordered first in,
 * first out (as git's prio_queue does) and an excluded commit excludes its already-walked
 * ancestors at once (git's mark_parents_uninteresting).
 */
import { Heap } from '../core/heap.js';
import { diffTreePairSteps, DEFAULT_LIMITS, type DiffOptions, type DiffResult } from '../core/diff/file-diff.js';
import { mergeCheckSteps, type MergeConflict } from '../core/diff/merge-check.js';
import { finish, type Steps } from '../core/slice.js';
import { heavy } from './heavy.js';
import { GitwellError } from '../core/errors.js';
import { parseCommit } from '../core/object/commit.js';
import type { ObjectFinder } from '../core/object/finder.js';
import { oidToHex } from '../core/oid.js';
import { CommitGraph, type CommitInfo } from '../protocol/commit-graph.js';
import type { RepoRecord, Store } from '../../storage/index.js';
import { commitJson, type CommitJson } from './history.js';
import { repoFinder, resolveRev } from './objects.js';

export { DEFAULT_LIMITS, type DiffOptions, type DiffResult };


/** Resolves base/head, naming the query field in a 404/422. */
function resolveField(store: Store, repo: RepoRecord, field: 'base' | 'head', rev: string): { commit: string | null; tree: Buffer } {
  try {
    const r = resolveRev(store, repo, rev);
    return { commit: r.commit ? oidToHex(r.commit) : null, tree: r.tree };
  } catch (e) {
    if (e instanceof GitwellError) throw new GitwellError(e.code, `${field}: ${e.message}`, { ...e.details, field, value: rev });
    throw e;
  }
}

/** `git diff base head`, in slices (services/heavy.ts). */
export async function diff(store: Store, repo: RepoRecord, baseRev: string, headRev: string, opts: DiffOptions = {}): Promise<DiffResult & { base: string; head: string }> {
  // names are resolved before the work queues: a bad one is answered at once
  const base = resolveField(store, repo, 'base', baseRev);
  const head = resolveField(store, repo, 'head', headRev);
  return heavy('the diff', () => diffSteps(store, repo, base, head, opts));
}

type Side = ReturnType<typeof resolveField>;

function* diffSteps(store: Store, repo: RepoRecord, base: Side, head: Side, opts: DiffOptions): Steps<DiffResult & { base: string; head: string }> {
  const finder = repoFinder(store, repo);
  const r = yield* diffTreePairSteps(finder, base.tree, head.tree, opts);
  return { base: base.commit ?? oidToHex(base.tree), head: head.commit ?? oidToHex(head.tree), ...r };
}

// --- history: merge bases and rev-list, on CommitGraph's parsed-commit cache --------------

/** A max-heap on commit time; among equal times, first in first out (git's prio_queue). */
class CommitQueue implements Iterable<CommitInfo> {
  private seq = 0;
  private readonly heap = new Heap<{ c: CommitInfo; seq: number }>((a, b) => a.c.time > b.c.time || (a.c.time === b.c.time && a.seq < b.seq));
  get size(): number {
    return this.heap.size;
  }
  *[Symbol.iterator](): Iterator<CommitInfo> {
    for (const x of this.heap) yield x.c;
  }
  push(c: CommitInfo): void {
    this.heap.push({ c, seq: this.seq++ });
  }
  pop(): CommitInfo {
    return this.heap.pop().c;
  }
}

const P1 = 1, P2 = 2, STALE = 4, RESULT = 8;

/** Commits a walk takes between two chances to stop. */
const STEP_COMMITS = 256;

/**
 * The best common ancestors of `a` and `b` (git's paint_down_to_common + remove_redundant),
 * newest first; [] when the histories are unrelated.
 */
export function mergeBases(g: CommitGraph, a: string, b: string): string[] {
  return finish(mergeBasesSteps(g, a, b));
}

/** mergeBases, stopping for a while every STEP_COMMITS commits (core/slice.ts). */
export function* mergeBasesSteps(g: CommitGraph, a: string, b: string): Steps<string[]> {
  if (a === b) return [a];
  const ca = g.get(a);
  const cb = g.get(b);
  if (!ca || !cb) return [];
  const flags = new Map<string, number>([[a, P1], [b, P2]]);
  const q = new CommitQueue();
  q.push(ca);
  q.push(cb);
  const results: CommitInfo[] = [];
  const nonStale = () => {
    for (const c of q) if (!((flags.get(c.oid) ?? 0) & STALE)) return true;
    return false;
  };
  for (let n = 1; q.size > 0 && nonStale(); n++) {
    if (n % STEP_COMMITS === 0) yield;
    const c = q.pop();
    const cf = flags.get(c.oid)!;
    let f = cf & (P1 | P2 | STALE);
    if ((f & (P1 | P2)) === (P1 | P2)) {
      if (!(cf & RESULT)) {
        flags.set(c.oid, cf | RESULT);
        results.push(c);
      }
      f |= STALE;
    }
    for (const p of c.parents) {
      const pf = flags.get(p) ?? 0;
      if ((pf & f) === f) continue;
      const pc = g.get(p);
      if (!pc) continue; // a shallow or missing parent
      flags.set(p, pf | f);
      q.push(pc);
    }
  }
  let best = results.filter((c) => !(flags.get(c.oid)! & STALE));
  if (best.length > 1) {
    const all = best;
    best = all.filter((x) => !all.some((y) => y !== x && g.reaches(y.oid, new Set([x.oid]))));
  }
  return best.sort((x, y) => y.time - x.time).map((c) => c.oid);
}

const UNINTERESTING = 1, SEEN = 2;
const SLOP = 5;

/**
 * `git rev-list include ^exclude`, newest first (git's limit_list): a date-ordered walk where
 * reaching a commit from an excluded one marks it and its already-walked ancestors excluded.
 * The walk stops once every queued commit is excluded and none of them is as new as a listed
 * commit (so a queued one could not reach it without a clock skew), plus SLOP more steps.
 */
export function revList(g: CommitGraph, include: string[], exclude: string[]): CommitInfo[] {
  return finish(revListSteps(g, include, exclude));
}

/** revList, stopping for a while every STEP_COMMITS commits (core/slice.ts). */
export function* revListSteps(g: CommitGraph, include: string[], exclude: string[]): Steps<CommitInfo[]> {
  const flags = new Map<string, number>();
  const q = new CommitQueue();
  const enqueue = (oid: string, f: number) => {
    const c = g.get(oid);
    if (!c) return;
    flags.set(oid, (flags.get(oid) ?? 0) | f | SEEN);
    q.push(c);
  };
  const markExcluded = (start: string) => {
    const stack = [start];
    while (stack.length > 0) {
      const oid = stack.pop()!;
      const f = flags.get(oid) ?? 0;
      if (f & UNINTERESTING) continue;
      if (!(f & SEEN)) {
        enqueue(oid, UNINTERESTING);
        continue;
      }
      flags.set(oid, f | UNINTERESTING);
      const c = g.get(oid);
      if (c) stack.push(...c.parents);
    }
  };
  for (const x of exclude) if (!((flags.get(x) ?? 0) & UNINTERESTING)) enqueue(x, UNINTERESTING);
  for (const x of include) if (!flags.has(x)) enqueue(x, 0);

  const listed: CommitInfo[] = [];
  let oldestListed = Infinity;
  let slop = SLOP;
  for (let n = 1; q.size > 0; n++) {
    if (n % STEP_COMMITS === 0) yield;
    const c = q.pop();
    if (flags.get(c.oid)! & UNINTERESTING) {
      for (const p of c.parents) markExcluded(p);
    } else {
      listed.push(c);
      oldestListed = Math.min(oldestListed, c.time);
      for (const p of c.parents) if (!flags.has(p)) enqueue(p, 0);
    }
    let allExcluded = true;
    let newest = -Infinity;
    for (const x of q) {
      if (!(flags.get(x.oid)! & UNINTERESTING)) {
        allExcluded = false;
        break;
      }
      newest = Math.max(newest, x.time);
    }
    if (!allExcluded || newest >= oldestListed) slop = SLOP;
    else if (--slop <= 0) break;
  }
  return listed.filter((c) => !(flags.get(c.oid)! & UNINTERESTING));
}

/** Parents before children; otherwise oldest first. */
function oldestFirst(commits: CommitInfo[]): CommitInfo[] {
  const byOid = new Map(commits.map((c) => [c.oid, c]));
  const done = new Set<string>();
  const out: CommitInfo[] = [];
  for (let i = commits.length - 1; i >= 0; i--) {
    const stack: Array<{ c: CommitInfo; next: number }> = [{ c: commits[i], next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (done.has(top.c.oid)) {
        stack.pop();
        continue;
      }
      const p = top.c.parents[top.next++];
      if (p === undefined) {
        done.add(top.c.oid);
        out.push(top.c);
        stack.pop();
      } else {
        const pc = byOid.get(p);
        if (pc && !done.has(p)) stack.push({ c: pc, next: 0 });
      }
    }
  }
  return out;
}

/** A commit as the commits API shows it (services/history.ts). */
function summary(finder: ObjectFinder, c: CommitInfo): CommitJson {
  const o = finder.get(Buffer.from(c.oid, 'hex'));
  if (!o) throw new GitwellError('NOT_FOUND', `commit ${c.oid} not found`);
  return commitJson(c.oid, parseCommit(o.data));
}

export interface CompareResult extends DiffResult {
  base: string;
  head: string;
  merge_base: string;
  ahead_by: number;
  behind_by: number;
  /** head's commits that base has not, oldest first (at most maxCommits) */
  commits: CommitJson[];
  total_commits: number;
  mergeable: boolean;
  conflicts: MergeConflict[];
}

/**
 * GitHub's compare base...head: the files are the diff merge_base..head; `mergeable` and
 * `conflicts` tell whether merging head into base would conflict (core/diff/merge-check.ts).
 */
export async function compare(store: Store, repo: RepoRecord, baseRev: string, headRev: string, opts: DiffOptions = {}): Promise<CompareResult> {
  // names are resolved before the work queues: a bad one is answered at once
  const base = resolveField(store, repo, 'base', baseRev);
  const head = resolveField(store, repo, 'head', headRev);
  if (base.commit === null || head.commit === null) {
    const field = base.commit === null ? 'base' : 'head';
    throw new GitwellError('UNPROCESSABLE', `${field}: compare needs a commit, not a tree`, { field });
  }
  return heavy('the compare', () => compareSteps(store, repo, { commit: base.commit!, tree: base.tree }, { commit: head.commit!, tree: head.tree }, opts));
}

function* compareSteps(store: Store, repo: RepoRecord, base: { commit: string; tree: Buffer }, head: { commit: string; tree: Buffer }, opts: DiffOptions): Steps<CompareResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const finder = repoFinder(store, repo);
  const g = new CommitGraph(finder);
  const bases = yield* mergeBasesSteps(g, base.commit, head.commit);
  if (bases.length === 0) {
    throw new GitwellError('UNPROCESSABLE', 'base and head have no common ancestor', { base: base.commit, head: head.commit });
  }
  const mb = bases[0];
  const ahead = yield* revListSteps(g, [head.commit], [base.commit]);
  const behind = yield* revListSteps(g, [base.commit], [head.commit]);
  const mbTree = Buffer.from(g.get(mb)!.tree, 'hex');
  const d = yield* diffTreePairSteps(finder, mbTree, head.tree, opts);
  const merge = yield* mergeCheckSteps(finder, mbTree, base.tree, head.tree, limits);
  return {
    base: base.commit,
    head: head.commit,
    merge_base: mb,
    ahead_by: ahead.length,
    behind_by: behind.length,
    total_commits: ahead.length,
    commits: oldestFirst(ahead).slice(0, limits.maxCommits).map((c) => summary(finder, c)),
    mergeable: merge.conflicts.length === 0,
    conflicts: merge.conflicts,
    ...d,
  };
}
