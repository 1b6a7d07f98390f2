/**
 * Repositories: naming rules, creation (with an initial commit, as Coregit makes one), and what
 * a repo record does not say by itself (whether it is empty).
 */
import { GitwellError } from '../core/errors.js';
import { isName, RESERVED_SLUGS, SLUG_RE } from '../core/names.js';
import { hashObject, oidToHex, TYPE_CODE } from '../core/oid.js';
import { checkBranchName } from '../core/refname.js';
import type { Actor, RepoRecord, Store, Visibility, WriteContext } from '../../storage/index.js';
import { writeCommit, type StorageLimits } from './commits.js';

export { RESERVED_SLUGS, SLUG_RE };

/** Slugs, namespaces and org names: lowercase letters, digits and single hyphens, 1-100 chars. */
export function checkSlug(kind: string, value: string): void {
  if (!isName(value)) {
    throw new GitwellError('VALIDATION_ERROR', `${kind} must be 1-100 lowercase letters, digits and single hyphens`, { field: kind, value });
  }
}

export interface CreateRepoInput {
  org: string;
  namespace?: string | null;
  slug: string;
  description?: string;
  visibility?: Visibility;
  defaultBranch?: string;
  /** refuse non-fast-forward pushes over git (receive.denyNonFastForwards) */
  denyNonFastForwards?: boolean;
  isTemplate?: boolean;
}

/** The checks of a new repo's name: an org, maybe a namespace, a slug, none of them reserved. */
export function checkRepoName(org: string, namespace: string | null | undefined, slug: string): void {
  checkSlug('org', org);
  if (namespace) checkSlug('namespace', namespace);
  checkSlug('slug', slug);
  for (const [field, value] of [['slug', slug], ['namespace', namespace]] as const) {
    if (value && RESERVED_SLUGS.has(value)) throw new GitwellError('VALIDATION_ERROR', `"${value}" is a reserved word and cannot be a ${field}`, { field });
  }
}

export function createRepo(store: Store, input: CreateRepoInput, actor?: Actor): RepoRecord {
  checkRepoName(input.org, input.namespace, input.slug);
  const defaultBranch = input.defaultBranch ?? 'main';
  const why = checkBranchName(defaultBranch);
  if (why) throw new GitwellError('VALIDATION_ERROR', `default_branch: ${why}`, { field: 'default_branch' });
  store.ensureOrg(input.org);
  return store.createRepo({
    org: input.org,
    namespace: input.namespace ?? null,
    slug: input.slug,
    description: input.description ?? '',
    visibility: input.visibility ?? 'private',
    defaultBranch,
    denyNonFastForwards: input.denyNonFastForwards ?? false,
    isTemplate: input.isTemplate ?? false,
  }, actor);
}

/** git's empty tree: the tree of an initial commit. */
const EMPTY_TREE = Buffer.alloc(0);
export const EMPTY_TREE_SHA = oidToHex(hashObject('tree', EMPTY_TREE));

/**
 * The initial commit Coregit gives a new repo (its `init`, on by default): an empty tree,
 * "Initial commit", on the default branch. Stored as every API commit is (services/commits.ts
 * writeCommit: fsck, the quota, the write gate, audited as `by`). Returns its sha; CONFLICT when
 * the branch exists.
 */
export async function initRepo(store: Store, repo: RepoRecord, limits: StorageLimits = {}, by: WriteContext = {}): Promise<string> {
  const time = Math.floor(Date.now() / 1000);
  const who = { name: 'gitwell', email: 'gitwell@localhost', time, tz: '+0000' };
  const objects = [{ oid: Buffer.from(EMPTY_TREE_SHA, 'hex'), type: TYPE_CODE.tree, data: EMPTY_TREE }];
  const commit = { tree: EMPTY_TREE_SHA, parents: [], author: who, committer: who, message: 'Initial commit' };
  return writeCommit(store, repo, repo.defaultBranch, null, commit, objects, limits, by);
}

export function repoPath(r: RepoRecord): string {
  return [r.org, r.namespace, r.slug].filter(Boolean).join('/');
}

/**
 * Empty as Coregit says it: no default branch, or a default branch whose tree has nothing in it
 * (a repo created with its initial commit is empty until a file is committed).
 */
export function repoIsEmpty(store: Store, r: RepoRecord): boolean {
  const head = store.getRef(r.id, `refs/heads/${r.defaultBranch}`);
  if (!head) return true;
  const o = store.viewObject(Buffer.from(head, 'hex'));
  // a commit starts "tree <hex>\n"
  return o !== undefined && o.type === TYPE_CODE.commit && o.data.toString('latin1', 5, 45) === EMPTY_TREE_SHA;
}
