/** Repositories: naming rules, creation, and the public shape of a repo record. */
import { GitwellError } from '../core/errors.js';
import { isName, RESERVED_SLUGS, SLUG_RE } from '../core/names.js';
import { checkBranchName } from '../core/refname.js';
import type { Actor, RepoRecord, Store, Visibility } from '../../storage/index.js';

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
}

export function createRepo(store: Store, input: CreateRepoInput, actor?: Actor): RepoRecord {
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
  }, actor);
}

export function repoPath(r: RepoRecord): string {
  return [r.org, r.namespace, r.slug].filter(Boolean).join('/');
}

/** The Coregit shape of a repo. */
export function repoJson(store: Store, r: RepoRecord, baseUrl: string) {
  const apiPath = r.namespace ? `${r.namespace}/${r.slug}` : r.slug;
  return {
    id: String(r.id),
    org: r.org,
    namespace: r.namespace,
    slug: r.slug,
    description: r.description,
    visibility: r.visibility,
    default_branch: r.defaultBranch,
    git_url: `${baseUrl}/${repoPath(r)}.git`,
    api_url: `${baseUrl}/v1/repos/${apiPath}`,
    deny_non_fast_forwards: r.denyNonFastForwards,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    is_empty: store.listRefs(r.id).length === 0,
  };
}
