/**
 * Snapshots: named restore points of a repo, as Coregit has them. Taking one records the head of
 * a branch; restoring one moves a branch (the snapshot's, or another) back to that commit with a
 * compare-and-swap against the head it read, so a restore racing a commit never undoes the
 * commit unseen: one of them gets 409. The commit stays in the repo for as long as the snapshot
 * does (gc --prune-unreachable keeps it), so a restore never finds it gone.
 */
import { GitwellError, invalid, notFound } from '../core/errors.js';
import type { RepoRecord, SnapshotRecord, Store, WriteContext } from '../../storage/index.js';
import { branchRef } from './refs.js';

/** One URL segment, no control characters; Coregit takes any non-empty name. */
const NAME_RE = /^[^/\x00-\x1f\x7f]{1,255}$/;

export function checkSnapshotName(name: string): void {
  if (!NAME_RE.test(name)) throw invalid('name must be 1-255 characters, without "/" or control characters', { field: 'name' });
}

export function createSnapshot(store: Store, repo: RepoRecord, name: string, branch: string | undefined, metadata: Record<string, unknown> | null): SnapshotRecord {
  checkSnapshotName(name);
  const b = branch ?? repo.defaultBranch;
  const head = store.getRef(repo.id, branchRef(b));
  if (!head) throw notFound(`Branch '${b}'`, { branch: b });
  return store.createSnapshot(repo.id, { name, branch: b, commitSha: head, metadata });
}

export function getSnapshot(store: Store, repo: RepoRecord, name: string): SnapshotRecord {
  const s = store.getSnapshot(repo.id, name);
  if (!s) throw notFound('Snapshot', { snapshot: name });
  return s;
}

export function deleteSnapshot(store: Store, repo: RepoRecord, name: string): void {
  if (!store.deleteSnapshot(repo.id, name)) throw notFound('Snapshot', { snapshot: name });
}

export interface Restored {
  branch: string;
  sha: string;
  previous: string | null;
}

/**
 * Moves the branch to the snapshot's commit from the head read here (a compare-and-swap: 409
 * with current_sha when it moved meanwhile). It adds no member (the commit is the repo's
 * already), so it needs no write gate. `by`: who restores (audited as the ref's move).
 */
export async function restoreSnapshot(store: Store, repo: RepoRecord, name: string, targetBranch?: string, by: WriteContext = {}): Promise<Restored> {
  const s = getSnapshot(store, repo, name);
  const branch = targetBranch ?? s.branch;
  const ref = branchRef(branch);
  if (!store.hasRepoObject(repo.id, Buffer.from(s.commitSha, 'hex'))) {
    // cannot happen while gc keeps snapshot commits; said plainly if it ever does
    throw new GitwellError('NOT_FOUND', 'Snapshot commit no longer exists in storage', { snapshot: name, sha: s.commitSha });
  }
  const current = store.getRef(repo.id, ref) ?? null;
  const [r] = await store.updateRefs(repo.id, [{ name: ref, expect: current, next: s.commitSha }], [], true, undefined, by);
  if (!r.ok) {
    throw new GitwellError('CONFLICT', 'Branch was updated concurrently, retry restore', { branch, current_sha: r.current }, { current_sha: r.current });
  }
  return { branch, sha: s.commitSha, previous: r.previous };
}
