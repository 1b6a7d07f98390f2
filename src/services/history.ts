/**
 * Reading history: one commit as the API shows it, and pages of first-parent history (newest
 * first; a page ends where the next one starts, so a cursor is just the next commit's sha).
 */
import { invalid, notFound } from '../core/errors.js';
import { parseCommit, type Commit } from '../core/object/commit.js';
import type { Ident } from '../core/object/ident.js';
import { oidToHex } from '../core/oid.js';
import type { RepoRecord, Store } from '../../storage/index.js';
import { isSha } from './objects.js';
import { finish, finishSliced, type Steps } from '../core/slice.js';

export interface CommitJson {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author_name: string;
  author_email: string;
  /** author time, Unix seconds */
  timestamp: number;
  author: { name: string; email: string; date: string };
  committer: { name: string; email: string; date: string };
}

function isoDate(id: Ident): string {
  const sign = id.tz[0] === '-' ? -1 : 1;
  const offMin = sign * (Number(id.tz.slice(1, 3)) * 60 + Number(id.tz.slice(3, 5)));
  const local = new Date((id.time + offMin * 60) * 1000).toISOString().slice(0, 19);
  return offMin === 0 ? `${local}Z` : `${local}${id.tz.slice(0, 3)}:${id.tz.slice(3)}`;
}

export function commitJson(sha: string, c: Commit): CommitJson {
  return {
    sha,
    tree: c.tree,
    parents: c.parents,
    message: c.message,
    author_name: c.author.name,
    author_email: c.author.email,
    timestamp: c.author.time,
    author: { name: c.author.name, email: c.author.email, date: isoDate(c.author) },
    committer: { name: c.committer.name, email: c.committer.email, date: isoDate(c.committer) },
  };
}

export function readCommit(store: Store, oid: Uint8Array): Commit {
  const o = store.viewObject(oid);
  if (!o || o.type !== 1) throw notFound('commit', { sha: oidToHex(oid) });
  return parseCommit(o.data);
}

export function getCommit(store: Store, repo: RepoRecord, sha: string): CommitJson {
  if (!isSha(sha)) throw invalid('sha must be a full 40-hex sha', { field: 'sha' });
  const oid = Buffer.from(sha, 'hex');
  if (!store.hasRepoObject(repo.id, oid)) throw notFound('commit', { sha: sha.toLowerCase() });
  return commitJson(sha.toLowerCase(), readCommit(store, oid));
}

/** A page of first-parent history from `start`; `next` is where the following page starts. */
export function logFirstParent(store: Store, start: Buffer, limit: number): { commits: CommitJson[]; next: string | null } {
  return finish(logSteps(store, start, limit));
}

/** logFirstParent in time slices, for a request path (a commit's message may be megabytes). */
export function logFirstParentSliced(store: Store, start: Buffer, limit: number): Promise<{ commits: CommitJson[]; next: string | null }> {
  return finishSliced(logSteps(store, start, limit));
}

function* logSteps(store: Store, start: Buffer, limit: number): Steps<{ commits: CommitJson[]; next: string | null }> {
  const commits: CommitJson[] = [];
  let cur: string | null = oidToHex(start);
  while (cur !== null && commits.length < limit) {
    if (commits.length > 0) yield;
    const oid = Buffer.from(cur, 'hex');
    const o = store.viewObject(oid);
    if (!o || o.type !== 1) break; // the end of a shallow history
    const c = parseCommit(o.data);
    commits.push(commitJson(cur, c));
    cur = c.parents[0] ?? null;
  }
  if (cur !== null && !store.hasObject(Buffer.from(cur, 'hex'))) cur = null;
  return { commits, next: cur };
}
