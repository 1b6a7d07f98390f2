/**
 * diff and compare of two revisions of a repo.
 *
 * diff(base, head): `git diff base head` (two-dot), file by file (core/diff/file-diff.ts).
 *
 * compare(base, head): GitHub's three-dot compare: the merge base, how many commits head has
 * that base has not (aheadBy) and the reverse (behindBy), head's commits oldest first, the
 * diff mergeBase..head, and whether head merges into base cleanly (the merge engine,
 * core/merge/). No common ancestor: 422.
 *
 * The commit walks run on CommitGraph's parsed-commit cache. They are not upload-pack's
 * selectCommits: compare needs exact counts, so equal commit times are ordered first in,
 * first out (as git's prio_queue does) and an excluded commit excludes its already-walked
 * ancestors at once (git's mark_parents_uninteresting).
 */
import { diffTreePairSteps, DEFAULT_LIMITS, type DiffOptions, type DiffResult } from '../core/diff/file-diff.js';
import type { Steps } from '../core/slice.js';
import { heavy } from './heavy.js';
import { GitwellError } from '../core/errors.js';
import { parseCommit } from '../core/object/commit.js';
import type { ObjectFinder } from '../core/object/finder.js';
import { oidToHex } from '../core/oid.js';
import { CommitGraph, type CommitInfo } from '../core/commit-graph.js';
import { mergeBasesSteps } from '../core/merge/merge-base.js';
import { mergeCommitsSteps } from '../core/merge/ort.js';
import { oldestFirst, revListSteps } from '../core/rev-list.js';
import type { RepoRecord, Store } from '../../storage/index.js';
import type { CommitEntry } from './history.js';
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

/** A commit as the commits API shows it (services/history.ts). */
function summary(finder: ObjectFinder, c: CommitInfo): CommitEntry {
  const o = finder.get(Buffer.from(c.oid, 'hex'));
  if (!o) throw new GitwellError('NOT_FOUND', `commit ${c.oid} not found`);
  return { sha: c.oid, commit: parseCommit(o.data) };
}

export interface CompareResult extends DiffResult {
  base: string;
  head: string;
  mergeBase: string;
  aheadBy: number;
  behindBy: number;
  /** head's commits that base has not, oldest first (at most maxCommits) */
  commits: CommitEntry[];
  totalCommits: number;
  mergeable: boolean;
  /** what merging head into base would conflict on, kinds as git merge-tree names them */
  conflicts: Array<{ path: string; kind: string }>;
}

/**
 * GitHub's compare base...head: the files are the diff mergeBase..head; `mergeable` and
 * `conflicts` are those of merging head into base as `git merge-tree` would (core/merge/).
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

/** The walks, the diff and the merge check stop every few hundred commits or some files (core/slice.ts). */
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
  const merge = yield* mergeCommitsSteps(finder, base.commit, head.commit, { graph: g, ours: 'base', theirs: 'head' });
  return {
    base: base.commit,
    head: head.commit,
    mergeBase: mb,
    aheadBy: ahead.length,
    behindBy: behind.length,
    totalCommits: ahead.length,
    commits: oldestFirst(ahead).slice(0, limits.maxCommits).map((c) => summary(finder, c)),
    mergeable: merge.clean,
    conflicts: merge.conflicts.map((c) => ({ path: c.path, kind: c.kind })),
    ...d,
  };
}
