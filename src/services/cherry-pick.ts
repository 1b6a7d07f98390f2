/**
 * Replaying commits onto another (POST /v1/repos/:slug/cherry-pick, Coregit's `{base, head,
 * onto, branch?, expected_sha?}`): the commits of base..head, parents first, are each merged
 * onto the result so far as `git cherry-pick` does (a three-way merge whose base is the
 * picked commit's parent, merge-ort rules, core/merge) and committed with the picked commit's
 * author and message; the committer is the caller (`committer`, or gitwell). Then `branch`
 * (default: `onto` when it names a branch) moves to the last one, by the same compare-and-swap
 * as every commit: all or nothing.
 *
 * A commit whose changes are already there is left out (`skipped`), as `git cherry-pick
 * --empty=drop` does; a merge commit in the range is refused (which parent's changes?); a
 * conflict stops everything: 409 naming the commit and {path, kind} of each conflict.
 */
import { CommitGraph } from '../core/commit-graph.js';
import { GitwellError, invalid, unprocessable } from '../core/errors.js';
import { parseCommit, serializeCommit } from '../core/object/commit.js';
import type { ObjectFinder } from '../core/object/finder.js';
import { mergeTrees, newObjectsFor, type NewObject } from '../core/merge/ort.js';
import { hashObject, oidToHex, TYPE_CODE } from '../core/oid.js';
import { oldestFirst, revList } from '../core/rev-list.js';
import type { RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { ident, writeCommit, type PersonInput, type StorageLimits } from './commits.js';
import { conflictList, DEFAULT_IDENTITY, expectedHead } from './merge.js';
import { findRef, repoFinder, resolveCommit } from './objects.js';
import { branchRef, casRef } from './refs.js';

export interface CherryPickRequest {
  base: string;
  head: string;
  onto: string;
  branch?: string;
  expected_sha?: string;
  committer?: PersonInput;
}

export interface CherryPickOutcome {
  sha: string;
  branch: string;
  /** the new commits, in order, with the commit each replays */
  commits: Array<{ sha: string; source: string }>;
  /** commits left out: their changes were already there */
  skipped: string[];
}

/** Most commits one request replays. */
export const CHERRY_PICK_MAX_COMMITS = 250;

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Reads what the picks so far made, then the repo. */
function overlay(finder: ObjectFinder, made: Map<string, NewObject>): ObjectFinder {
  return {
    get: (oid) => {
      const o = made.get(Buffer.from(oid).toString('latin1'));
      return o ? { type: o.type, data: o.data } : finder.get(oid);
    },
    info: (oid) => {
      const o = made.get(Buffer.from(oid).toString('latin1'));
      return o ? { type: o.type, size: o.data.length } : finder.info?.(oid);
    },
  };
}

/** `by`: who picks (audited with the ref update, in its transaction). */
export async function cherryPick(store: Store, repo: RepoRecord, req: CherryPickRequest, limits: StorageLimits, by: WriteContext = {}): Promise<CherryPickOutcome> {
  const ontoRef = findRef(store, repo, req.onto);
  const branch = req.branch ?? (ontoRef?.name.startsWith('refs/heads/') ? ontoRef.name.slice(11) : undefined);
  if (branch === undefined) throw invalid('branch is required when onto is not a branch', { field: 'branch' });
  branchRef(branch);
  const current = expectedHead(store, repo, branch, req.expected_sha);
  const onto = oidToHex(resolveCommit(store, repo, req.onto));
  const base = oidToHex(resolveCommit(store, repo, req.base));
  const head = oidToHex(resolveCommit(store, repo, req.head));

  const finder = repoFinder(store, repo);
  const graph = new CommitGraph(finder);
  const picks = oldestFirst(revList(graph, [head], [base]));
  if (picks.length > CHERRY_PICK_MAX_COMMITS) {
    throw unprocessable(`base..head has ${picks.length} commits; at most ${CHERRY_PICK_MAX_COMMITS} are replayed at once`, { limit: 'cherry_pick_max_commits', max: CHERRY_PICK_MAX_COMMITS, count: picks.length });
  }
  const merge = picks.find((c) => c.parents.length > 1);
  if (merge) throw unprocessable(`${merge.oid} is a merge commit: cherry-pick replays commits with one parent`, { commit: merge.oid });

  const made = new Map<string, NewObject>();
  const view = overlay(finder, made);
  const now = Math.floor(Date.now() / 1000);
  const committer = ident(req.committer ?? DEFAULT_IDENTITY, 'committer', now);
  const out: CherryPickOutcome = { sha: onto, branch, commits: [], skipped: [] };
  let tip = onto;
  let tree = graph.get(onto)!.tree;
  let lastCommit: Parameters<typeof serializeCommit>[0] | null = null;
  for (const c of picks) {
    const commit = parseCommit(finder.get(Buffer.from(c.oid, 'hex'))!.data);
    const subject = commit.message.split('\n')[0];
    const label = `${c.oid.slice(0, 7)}... ${subject}`;
    const parentTree = c.parents.length === 0 ? EMPTY_TREE : graph.get(c.parents[0])!.tree;
    const r = mergeTrees(view, Buffer.from(parentTree, 'hex'), Buffer.from(tree, 'hex'), Buffer.from(c.tree, 'hex'),
      { ours: 'HEAD', theirs: label, ancestor: `parent of ${label}` });
    if (!r.clean) {
      throw new GitwellError('CONFLICT', `commit ${c.oid} does not apply onto ${tip}`, { commit: c.oid, onto: tip },
        { picked: false, commit: c.oid, conflicts: conflictList(r.conflicts) });
    }
    const newTree = oidToHex(r.tree);
    if (newTree === tree) {
      out.skipped.push(c.oid);
      continue;
    }
    for (const o of newObjectsFor(r)) made.set(o.oid.toString('latin1'), o);
    const picked = { tree: newTree, parents: [tip], author: commit.author, committer, message: commit.message, extra: commit.extra.filter(([k]) => k === 'encoding') };
    if (lastCommit) {
      // every pick but the last is an object the last one needs; writeCommit makes the last
      const data = serializeCommit(lastCommit);
      const prev = hashObject('commit', data);
      made.set(prev.toString('latin1'), { oid: prev, type: TYPE_CODE.commit, data });
    }
    lastCommit = picked;
    const oid = hashObject('commit', serializeCommit(picked));
    tip = oidToHex(oid);
    tree = newTree;
    out.commits.push({ sha: tip, source: c.oid });
  }
  if (lastCommit === null) {
    if (current !== onto) await casRef(store, repo, branchRef(branch), current, onto);
    return out;
  }
  out.sha = await writeCommit(store, repo, branch, current, lastCommit, [...made.values()], limits, by);
  return out;
}
