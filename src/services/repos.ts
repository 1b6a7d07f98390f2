/** Repositories: naming rules, creation, and what a repo record does not say by itself (emptiness). */
import { GitwellError } from '../core/errors.js';
import { checkBranchName } from '../core/refname.js';
import type { RepoRecord, Store, Visibility } from '../../storage/index.js';

/** Slugs, namespaces and org names: lowercase letters, digits and single hyphens, 1-100 chars. */
export const SLUG_RE = /^(?!-)(?!.*--)[a-z0-9-]{1,100}(?<!-)$/;

export function checkSlug(kind: string, value: string): void {
  if (!SLUG_RE.test(value)) {
    throw new GitwellError('VALIDATION_ERROR', `${kind} must be 1-100 lowercase letters, digits and single hyphens`, { field: kind, value });
  }
}

/** Words the /v1 paths use after a repo name: a repo or namespace named so would be ambiguous. */
export const RESERVED_SLUGS = new Set(['branches', 'refs', 'tree', 'blob', 'raw', 'blobs', 'commits', 'diff', 'compare', 'merge', 'openapi', 'orgs', 'repos']);

export interface CreateRepoInput {
  org: string;
  namespace?: string | null;
  slug: string;
  description?: string;
  visibility?: Visibility;
  defaultBranch?: string;
  /** refuse non-fast-forward pushes over git (receive.denyNonFastForwards) */
  denyNonFastForwards?: boolean;
}

export function createRepo(store: Store, input: CreateRepoInput): RepoRecord {
  checkSlug('org', input.org);
  if (input.namespace) checkSlug('namespace', input.namespace);
  checkSlug('slug', input.slug);
  for (const [field, value] of [['slug', input.slug], ['namespace', input.namespace]] as const) {
    if (value && RESERVED_SLUGS.has(value)) throw new GitwellError('VALIDATION_ERROR', `"${value}" is a reserved word and cannot be a ${field}`, { field });
  }
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
  });
}

export function repoPath(r: RepoRecord): string {
  return [r.org, r.namespace, r.slug].filter(Boolean).join('/');
}

/** True when the repo has no refs at all. */
export function repoIsEmpty(store: Store, r: RepoRecord): boolean {
  return store.listRefs(r.id).length === 0;
}
