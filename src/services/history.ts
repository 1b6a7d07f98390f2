/**
 * Reading history: one commit, and pages of first-parent history (newest first; a page ends
 * where the next one starts, so a cursor is just the next commit's sha). Commits are domain
 * values ({sha, commit}); each dialect's presenter gives them their wire shape.
 */
import { invalid, notFound } from '../core/errors.js';
import { parseCommit, type Commit } from '../core/object/commit.js';
import { oidToHex } from '../core/oid.js';
import type { RepoRecord, Store } from '../../storage/index.js';
import { isSha } from './objects.js';
import { finish, finishSliced, type Steps } from '../core/slice.js';

/** A parsed commit and its sha. */
export interface CommitEntry {
  sha: string;
  commit: Commit;
}

export function readCommit(store: Store, oid: Uint8Array): Commit {
  const o = store.viewObject(oid);
  if (!o || o.type !== 1) throw notFound('commit', { sha: oidToHex(oid) });
  return parseCommit(o.data);
}

/** One commit by its full sha: 404 when the repo has no such object, 400 when it is no commit. */
export function getCommit(store: Store, repo: RepoRecord, sha: string): CommitEntry {
  const oid = isSha(sha) ? Buffer.from(sha, 'hex') : null;
  if (!oid || !store.hasRepoObject(repo.id, oid)) throw notFound('Commit', { sha: sha.toLowerCase() });
  if (store.objectInfo(oid)?.type !== 1) throw invalid('Object is not a commit', { sha: sha.toLowerCase() });
  return { sha: sha.toLowerCase(), commit: readCommit(store, oid) };
}

/** A page of first-parent history from `start`; `next` is where the following page starts. */
export function logFirstParent(store: Store, start: Buffer, limit: number): { commits: CommitEntry[]; next: string | null } {
  return finish(logSteps(store, start, limit));
}

/** logFirstParent in time slices, for a request path (a commit's message may be megabytes). */
export function logFirstParentSliced(store: Store, start: Buffer, limit: number): Promise<{ commits: CommitEntry[]; next: string | null }> {
  return finishSliced(logSteps(store, start, limit));
}

function* logSteps(store: Store, start: Buffer, limit: number): Steps<{ commits: CommitEntry[]; next: string | null }> {
  const commits: CommitEntry[] = [];
  let cur: string | null = oidToHex(start);
  while (cur !== null && commits.length < limit) {
    if (commits.length > 0) yield;
    const oid = Buffer.from(cur, 'hex');
    const o = store.viewObject(oid);
    if (!o || o.type !== 1) break; // the end of a shallow history
    const c = parseCommit(o.data);
    commits.push({ sha: cur, commit: c });
    cur = c.parents[0] ?? null;
  }
  if (cur !== null && !store.hasObject(Buffer.from(cur, 'hex'))) cur = null;
  return { commits, next: cur };
}
