/**
 * Branches and refs through the API. Every change is one compare-and-swap in the store: a
 * ref moves only from the value the caller saw (or, without `expected_sha`, from the value
 * read just before), so two writers never both win. What may be written, and that the default
 * branch is never deleted, is core/refname.ts's refUpdateRefusal: the same rule as a push's.
 * `by` says who writes: its audit entry lands in the change's transaction.
 */
import { conflict, GitwellError, invalid, notFound, unprocessable } from '../core/errors.js';
import { checkBranchName, checkRefName, refUpdateRefusal } from '../core/refname.js';
import type { RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { isSha, resolveCommit } from './objects.js';

export interface RefChange {
  ref: string;
  sha: string | null;
  previous_sha: string | null;
}

/** A branch a write may create or move ("HEAD" and "-x" are refused, as git refuses them). */
export function branchRef(name: string): string {
  const why = checkBranchName(name);
  if (why) throw invalid(`invalid branch name: ${why}`, { field: 'name', value: name });
  return `refs/heads/${name}`;
}

/** A branch to read or delete: git's ref format is enough (a branch made before the stricter rules can still go). */
function existingBranchRef(name: string): string {
  const ref = `refs/heads/${name}`;
  const why = checkRefName(ref);
  if (why) throw invalid(`invalid branch name: ${why}`, { field: 'name', value: name });
  return ref;
}

/** 400 for a name no write may make, 422 for the default branch's deletion. */
function refuseUpdate(repo: RepoRecord, name: string, deleting: boolean): void {
  const r = refUpdateRefusal(repo.defaultBranch, name, deleting);
  if (!r) return;
  if (r.kind === 'default-branch') throw unprocessable('the default branch cannot be deleted', { ref: name, branch: repo.defaultBranch });
  throw invalid(`invalid ref name: ${r.reason}`, { field: 'ref', value: name });
}

/** A ref under refs/heads/ or refs/tags/, as the API names them ("heads/main"). */
export function apiRefName(rest: string): string {
  const name = `refs/${rest}`;
  if (!name.startsWith('refs/heads/') && !name.startsWith('refs/tags/')) {
    throw notFound('ref', { ref: name, hint: 'only refs/heads/* and refs/tags/* are addressable' });
  }
  const why = checkRefName(name);
  if (why) throw invalid(`invalid ref name: ${why}`, { field: 'ref', value: name });
  return name;
}

function sha(store: Store, repo: RepoRecord, value: string, field: string): Buffer {
  if (!isSha(value)) throw invalid(`${field} must be a full 40-hex sha`, { field });
  const oid = Buffer.from(value, 'hex');
  if (!store.hasRepoObject(repo.id, oid)) throw notFound('object', { field, sha: value.toLowerCase() });
  return oid;
}

/** One CAS update; 409 with `current_sha` when the ref is not what `expect` says. */
export async function casRef(store: Store, repo: RepoRecord, name: string, expect: string | null | undefined, next: string | null, by?: WriteContext): Promise<RefChange> {
  refuseUpdate(repo, name, next === null);
  const [r] = await store.updateRefs(repo.id, [{ name, expect, next }], [], true, undefined, by);
  if (!r.ok) {
    throw conflict(`ref ${name} is at ${r.current ?? 'nothing'}, not at ${expect ?? 'nothing'}`, { ref: name, current_sha: r.current, expected_sha: expect ?? null });
  }
  return { ref: name, sha: next, previous_sha: r.previous };
}

/** PUT a ref: `sha` must be an object of the repo, and a commit under refs/heads/. */
export function putRef(store: Store, repo: RepoRecord, name: string, value: string, expected?: string | null, by?: WriteContext): Promise<RefChange> {
  refuseUpdate(repo, name, false);
  const oid = sha(store, repo, value, 'sha');
  if (name.startsWith('refs/heads/')) {
    const o = store.viewObject(oid);
    if (o?.type !== 1) throw unprocessable('a branch must point to a commit', { sha: value.toLowerCase() });
  }
  if (expected != null && !isSha(expected)) throw invalid('expected_sha must be a full 40-hex sha', { field: 'expected_sha' });
  // without expected_sha the update takes the ref from whatever it is when it lands
  const expect = expected === undefined ? undefined : expected?.toLowerCase() ?? null;
  return casRef(store, repo, name, expect, value.toLowerCase(), by);
}

export function deleteRef(store: Store, repo: RepoRecord, name: string, expected?: string, by?: WriteContext): Promise<RefChange> {
  refuseUpdate(repo, name, true);
  const current = store.getRef(repo.id, name);
  if (!current) throw notFound('ref', { ref: name });
  if (expected !== undefined && !isSha(expected)) throw invalid('expected_sha must be a full 40-hex sha', { field: 'expected_sha' });
  return casRef(store, repo, name, expected?.toLowerCase(), null, by);
}

export function listBranches(store: Store, repo: RepoRecord): Array<{ name: string; sha: string }> {
  return store.listRefs(repo.id, 'refs/heads/').map((r) => ({ name: r.name.slice(11), sha: r.oid }));
}

export function getBranch(store: Store, repo: RepoRecord, name: string): { name: string; sha: string } {
  const oid = store.getRef(repo.id, existingBranchRef(name));
  if (!oid) throw notFound('branch', { branch: name });
  return { name, sha: oid };
}

/** A new branch at `from_sha`, or at the head of branch `from`, or of the default branch. */
export async function createBranch(store: Store, repo: RepoRecord, name: string, from?: string, fromSha?: string, by?: WriteContext): Promise<{ name: string; sha: string }> {
  const ref = branchRef(name);
  let start: string;
  if (fromSha !== undefined) {
    const oid = sha(store, repo, fromSha, 'from_sha');
    start = resolveCommit(store, repo, oid.toString('hex')).toString('hex');
  } else {
    const source = from ?? repo.defaultBranch;
    const head = store.getRef(repo.id, existingBranchRef(source));
    if (!head) {
      throw from === undefined
        ? unprocessable('the repository is empty: give from_sha, or commit first', { default_branch: repo.defaultBranch })
        : notFound('branch', { field: 'from', branch: source });
    }
    start = head;
  }
  try {
    await casRef(store, repo, ref, null, start, by);
  } catch (e) {
    if (e instanceof GitwellError && e.code === 'CONFLICT') throw conflict(`branch ${name} already exists`, { branch: name, current_sha: e.details?.current_sha });
    throw e;
  }
  return { name, sha: start };
}

export function deleteBranch(store: Store, repo: RepoRecord, name: string, by?: WriteContext): Promise<RefChange> {
  return deleteRef(store, repo, existingBranchRef(name), undefined, by);
}
