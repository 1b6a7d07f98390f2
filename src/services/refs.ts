/**
 * Branches and refs through the API. Every change is one compare-and-swap in the store: a
 * ref moves only from the value the caller saw (or, without `expected`, from the value read
 * just before), so two writers never both win. The rules are Coregit's (its routes/refs.ts and
 * routes/branches.ts): a ref written through the API lives under refs/heads/ or refs/tags/,
 * the default branch cannot be deleted, a compare-and-swap of a ref that does not exist is 404.
 * What may be written, and that the default branch is never deleted, is also
 * core/refname.ts's refUpdateRefusal: the same rule as a push's (answered here with Coregit's
 * statuses). What gitwell adds: the all-zero sha as `expected` means "must not exist yet"
 * (create only), and a branch may only point to a commit (git's rule; Coregit stores whatever
 * it is given). `by` says who writes: its audit entry lands in the change's transaction.
 */
import { GitwellError, invalid, notFound, unprocessable } from '../core/errors.js';
import { ZERO_OID } from '../core/oid.js';
import { checkBranchName, checkRefName, refUpdateRefusal } from '../core/refname.js';
import type { RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { isSha, resolveCommit } from './objects.js';

/** A ref's move: its full name, where it points now (null: deleted) and where it pointed before. */
export interface RefChange {
  ref: string;
  sha: string | null;
  previous: string | null;
}

/** A branch a write may create or move ("HEAD" and "-x" are refused, as git refuses them). */
export function branchRef(name: string): string {
  const why = checkBranchName(name);
  if (why) throw invalid(`Invalid branch name: ${why}`, { field: 'name', value: name });
  return `refs/heads/${name}`;
}

/** A branch to read or delete: git's ref format is enough (a branch made before the stricter rules can still go). */
function existingBranchRef(name: string): string {
  const ref = `refs/heads/${name}`;
  const why = checkRefName(ref);
  if (why) throw invalid(`Invalid branch name: ${why}`, { field: 'name', value: name });
  return ref;
}

/** 400 for a name no write may make, and (as Coregit answers) for the default branch's deletion. */
function refuseUpdate(repo: RepoRecord, name: string, deleting: boolean): void {
  const r = refUpdateRefusal(repo.defaultBranch, name, deleting);
  if (!r) return;
  if (r.kind === 'default-branch') throw invalid('Cannot delete the default branch', { ref: name, branch: repo.defaultBranch });
  throw invalid(`invalid ref name: ${r.reason}`, { field: 'ref', value: name });
}

/** "refs/" + the rest of the URL, checked as git checks a ref name. */
export function apiRefName(rest: string): string {
  const name = `refs/${rest}`;
  if (rest === '') throw invalid('Ref path is required', { field: 'ref' });
  const why = checkRefName(name);
  if (why) throw invalid(`invalid ref name: ${why}`, { field: 'ref', value: name });
  return name;
}

/** A ref the API may write: under refs/heads/ or refs/tags/. */
export function writableRef(name: string): string {
  if (!name.startsWith('refs/heads/') && !name.startsWith('refs/tags/')) {
    throw invalid('Invalid ref path. Must be refs/heads/* or refs/tags/*', { field: 'ref', value: name });
  }
  return name;
}

const conflictAt = (message: string, name: string, current: string | null, expected: string | null) =>
  new GitwellError('CONFLICT', message, { ref: name, current_sha: current, expected_sha: expected }, { current_sha: current });

/** An object of the repo named by a full sha (404 otherwise). */
function objectOf(store: Store, repo: RepoRecord, value: string, field: string, what: string): Buffer {
  if (!isSha(value)) throw invalid(`${field} must be a full 40-hex sha`, { field });
  const oid = Buffer.from(value, 'hex');
  if (!store.hasRepoObject(repo.id, oid)) throw new GitwellError('NOT_FOUND', what, { field, sha: value.toLowerCase() });
  return oid;
}

/** One CAS update; 409 with `current_sha` when the ref is not what `expect` says. */
export async function casRef(store: Store, repo: RepoRecord, name: string, expect: string | null | undefined, next: string | null, by?: WriteContext): Promise<RefChange> {
  refuseUpdate(repo, name, next === null);
  const [r] = await store.updateRefs(repo.id, [{ name, expect, next }], [], true, undefined, by);
  if (!r.ok) throw conflictAt('Ref was updated concurrently (expected_sha mismatch)', name, r.current, expect ?? null);
  return { ref: name, sha: next, previous: r.previous };
}

/**
 * PUT a ref to `value`. `expected`: absent or null, set whatever the ref is; the zero sha, only
 * if it does not exist; a sha, only if the ref is at it (404 when it does not exist).
 */
export function putRef(store: Store, repo: RepoRecord, name: string, value: string, expected?: string | null, by?: WriteContext): Promise<RefChange> {
  writableRef(name);
  refuseUpdate(repo, name, false);
  const oid = objectOf(store, repo, value, 'sha', `Object '${value}' not found`);
  if (name.startsWith('refs/heads/')) {
    const o = store.viewObject(oid);
    if (o?.type !== 1) throw unprocessable('a branch must point to a commit', { sha: value.toLowerCase() });
  }
  if (expected === undefined || expected === null || expected === '') return casRef(store, repo, name, undefined, value.toLowerCase(), by);
  if (!isSha(expected)) throw invalid('Invalid expected_sha format', { field: 'expected_sha' });
  const expect = expected.toLowerCase();
  if (expect === ZERO_OID) return casRef(store, repo, name, null, value.toLowerCase(), by);
  const current = store.getRef(repo.id, name) ?? null;
  if (current === null) throw new GitwellError('NOT_FOUND', `Ref '${name}' not found (cannot CAS a non-existent ref)`, { ref: name });
  if (current !== expect) throw conflictAt('Ref was updated concurrently (expected_sha mismatch)', name, current, expect);
  return casRef(store, repo, name, expect, value.toLowerCase(), by);
}

/**
 * DELETE a ref (not the default branch); `expected`, when given, must be its value. Without it
 * the ref goes from whatever it is when the deletion lands (the sha answered is that value):
 * one that moved meanwhile is read again, one deleted meanwhile is 404.
 */
export async function deleteRef(store: Store, repo: RepoRecord, name: string, expected?: string, by?: WriteContext): Promise<RefChange> {
  refuseUpdate(repo, name, true);
  if (!store.getRef(repo.id, name)) throw notFound(`Ref '${name}'`, { ref: name });
  if (expected !== undefined && !isSha(expected)) throw invalid('Invalid expected_sha format', { field: 'expected_sha' });
  if (expected !== undefined) return casRef(store, repo, name, expected.toLowerCase(), null, by);
  for (;;) {
    const current = store.getRef(repo.id, name);
    if (!current) throw notFound(`Ref '${name}'`, { ref: name });
    try {
      return await casRef(store, repo, name, current, null, by);
    } catch (e) {
      if (!(e instanceof GitwellError && e.code === 'CONFLICT')) throw e;
    }
  }
}

/** Branches by name, as Coregit sorts them (String.localeCompare). */
export function listBranches(store: Store, repo: RepoRecord): Array<{ name: string; sha: string }> {
  return store
    .listRefs(repo.id, 'refs/heads/')
    .map((r) => ({ name: r.name.slice(11), sha: r.oid }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function getBranch(store: Store, repo: RepoRecord, name: string): { name: string; sha: string } {
  const oid = store.getRef(repo.id, existingBranchRef(name));
  if (!oid) throw notFound('Branch', { branch: name });
  return { name, sha: oid };
}

/**
 * A new branch at `fromSha` (which wins when both are given, as in Coregit), or at the head of
 * branch `from`, or of the default branch.
 */
export async function createBranch(store: Store, repo: RepoRecord, name: string, from?: string, fromSha?: string, by?: WriteContext): Promise<{ name: string; sha: string }> {
  const ref = branchRef(name);
  let start: string;
  if (fromSha !== undefined) {
    const oid = objectOf(store, repo, fromSha, 'from_sha', 'from_sha not found');
    start = resolveCommit(store, repo, oid.toString('hex')).toString('hex');
  } else {
    const source = from ?? repo.defaultBranch;
    const head = store.getRef(repo.id, existingBranchRef(source));
    if (!head) throw new GitwellError('NOT_FOUND', `Source branch '${source}' not found`, { field: 'from', branch: source });
    start = head;
  }
  try {
    await casRef(store, repo, ref, null, start, by);
  } catch (e) {
    if (e instanceof GitwellError && e.code === 'CONFLICT') {
      const current = (e.details?.current_sha as string | null) ?? null;
      throw new GitwellError('CONFLICT', `Branch '${name}' already exists`, { branch: name, current_sha: current }, { current_sha: current });
    }
    throw e;
  }
  return { name, sha: start };
}

export function deleteBranch(store: Store, repo: RepoRecord, name: string, by?: WriteContext): Promise<RefChange> {
  const ref = existingBranchRef(name);
  if (name === repo.defaultBranch) throw invalid('Cannot delete the default branch', { branch: name });
  if (!store.getRef(repo.id, ref)) throw notFound('Branch', { branch: name });
  return deleteRef(store, repo, ref, undefined, by);
}
