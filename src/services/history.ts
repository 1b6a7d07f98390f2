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

export function getCommit(store: Store, repo: RepoRecord, sha: string): CommitEntry {
  if (!isSha(sha)) throw invalid('sha must be a full 40-hex sha', { field: 'sha' });
  const oid = Buffer.from(sha, 'hex');
  if (!store.hasRepoObject(repo.id, oid)) throw notFound('commit', { sha: sha.toLowerCase() });
  return { sha: sha.toLowerCase(), commit: readCommit(store, oid) };
}

/** A page of first-parent history from `start`; `next` is where the following page starts. */
export function logFirstParent(store: Store, start: Buffer, limit: number): { commits: CommitEntry[]; next: string | null } {
  const commits: CommitEntry[] = [];
  let cur: string | null = oidToHex(start);
  while (cur !== null && commits.length < limit) {
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
