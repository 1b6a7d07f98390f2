/**
 * Merging one branch into another through the API (POST /v1/repos/:slug/branches/:name/merge).
 *
 * Which branch is which: with `source` in the body, the URL names the branch merged into (the
 * target); otherwise the URL names the branch merged from, into `target` or the default
 * branch. The source may be any revision; the target must be a branch.
 *
 *   fast-forward   the target moves to the source when the source contains it; 409 otherwise
 *   merge-commit   a commit with parents [target, source] and the merged tree (also when a
 *                  fast-forward was possible, as GitHub's merge button does)
 *   squash         a commit with the one parent [target] and the merged tree
 *
 * A source the target already contains needs nothing: 200 with already_up_to_date. The tree
 * comes from the merge engine (core/merge: git merge-tree's result); any conflict is a 409
 * carrying {merged: false, conflicts: [{path, kind, message}]} and nothing is written. The
 * branch moves by the same compare-and-swap as every commit (writeCommit): a racing merge,
 * commit or push that moved it first wins, and this one gets 409 with current_sha.
 */
import { CommitGraph } from '../core/commit-graph.js';
import { GitwellError, invalid, notFound, unprocessable } from '../core/errors.js';
import { mergeBasesSteps } from '../core/merge/merge-base.js';
import { mergeCommitsSteps, newObjectsFor, type MergeConflict } from '../core/merge/ort.js';
import { heavy } from './heavy.js';
import { oidToHex } from '../core/oid.js';
import type { RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { ident, writeCommit, type PersonInput, type StorageLimits } from './commits.js';
import { isSha, repoFinder, resolveCommit } from './objects.js';
import { branchRef, casRef } from './refs.js';

export type MergeStrategy = 'fast-forward' | 'merge-commit' | 'squash';

export interface MergeRequest {
  /** the branch the URL names */
  branch: string;
  source?: string;
  target?: string;
  strategy: MergeStrategy;
  message?: string;
  author?: PersonInput;
  committer?: PersonInput;
  expected_sha?: string;
}

export interface MergeOutcome {
  merged: true;
  sha: string;
  strategy: MergeStrategy;
  target: string;
  source: string;
  already_up_to_date: boolean;
}

/** Who signs commits the API makes when the request names nobody. */
export const DEFAULT_IDENTITY: PersonInput = { name: 'gitwell', email: 'gitwell@localhost' };

export const conflictList = (cs: MergeConflict[]) => cs.map(({ path, kind, message }) => ({ path, kind, message }));

/** The branch the target head must be at: expected_sha when given (409 when stale), else what it is. */
export function expectedHead(store: Store, repo: RepoRecord, branch: string, expected: string | undefined): string | null {
  const head = store.getRef(repo.id, branchRef(branch)) ?? null;
  if (expected === undefined) return head;
  if (!isSha(expected)) throw invalid('expected_sha must be a full 40-hex sha', { field: 'expected_sha' });
  if (head !== expected.toLowerCase()) {
    throw new GitwellError('CONFLICT', `branch ${branch} is at ${head ?? 'nothing'}, not at ${expected.toLowerCase()}`,
      { branch, current_sha: head, expected_sha: expected.toLowerCase() }, { merged: false, current_sha: head });
  }
  return head;
}

function defaultMessage(strategy: MergeStrategy, sourceName: string, source: string, target: string): string {
  const what = isSha(sourceName) ? `commit '${source}'` : `branch '${sourceName}'`;
  return strategy === 'squash' ? `Squashed ${what} into ${target}\n` : `Merge ${what} into ${target}\n`;
}

/** `by`: who merges (audited with the ref update, in its transaction). */
export async function mergeBranch(store: Store, repo: RepoRecord, req: MergeRequest, limits: StorageLimits, by: WriteContext = {}): Promise<MergeOutcome> {
  if (req.source !== undefined && req.target !== undefined) throw invalid('give source or target, not both', { field: 'target' });
  const target = req.source !== undefined ? req.branch : req.target ?? repo.defaultBranch;
  const sourceName = req.source ?? req.branch;
  const ref = branchRef(target);
  const head = expectedHead(store, repo, target, req.expected_sha);
  if (head === null) throw notFound('branch', { branch: target });
  const source = oidToHex(resolveCommit(store, repo, sourceName));
  const done = (sha: string, upToDate: boolean): MergeOutcome => ({ merged: true, sha, strategy: req.strategy, target, source, already_up_to_date: upToDate });

  const finder = repoFinder(store, repo);
  const graph = new CommitGraph(finder);
  const bases = await heavy('the merge', () => mergeBasesSteps(graph, head, source));
  if (source === head || bases.includes(source)) return done(head, true);
  const fastForward = bases.includes(head);

  if (req.strategy === 'fast-forward') {
    if (!fastForward) {
      throw new GitwellError('CONFLICT', `${target} cannot be fast-forwarded to ${source}: the branches have diverged`,
        { branch: target, current_sha: head, source }, { merged: false, current_sha: head });
    }
    try {
      await casRef(store, repo, ref, head, source, by);
    } catch (e) {
      if (e instanceof GitwellError && e.code === 'CONFLICT') throw new GitwellError('CONFLICT', e.message, e.details, { ...e.body, merged: false });
      throw e;
    }
    return done(source, false);
  }

  if (bases.length === 0) throw unprocessable(`${target} and ${sourceName} have no common ancestor`, { target: head, source });
  // in slices, as compare's merge check: a merge of big trees does not hold the server up
  const result = await heavy('the merge', () => mergeCommitsSteps(finder, head, source, { graph, ours: target, theirs: sourceName }));
  if (!result.clean) {
    throw new GitwellError('CONFLICT', `merging ${sourceName} into ${target} conflicts`, { branch: target, current_sha: head, source },
      { merged: false, conflicts: conflictList(result.conflicts) });
  }
  const tree = oidToHex(result.tree);
  if (req.strategy === 'squash' && tree === graph.get(head)!.tree) return done(head, true);
  const now = Math.floor(Date.now() / 1000);
  const author = ident(req.author ?? DEFAULT_IDENTITY, 'author', now);
  const committer = req.committer ? ident(req.committer, 'committer', now) : { ...author, time: req.author?.date ? author.time : now };
  const message = req.message === undefined ? defaultMessage(req.strategy, sourceName, source, target) : req.message.endsWith('\n') ? req.message : `${req.message}\n`;
  const parents = req.strategy === 'squash' ? [head] : [head, source];
  try {
    const sha = await writeCommit(store, repo, target, head, { tree, parents, author, committer, message }, newObjectsFor(result), limits, by);
    return done(sha, false);
  } catch (e) {
    if (e instanceof GitwellError && e.code === 'CONFLICT') throw new GitwellError('CONFLICT', e.message, e.details, { ...e.body, merged: false });
    throw e;
  }
}

