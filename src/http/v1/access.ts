/**
 * Who is calling and which repo a /v1 route names. Keys come as `x-api-key: <key>` or
 * `Authorization: Bearer <key>`. Routes under /v1/orgs/:org/repos/... are the public read API:
 * no key needed, public repos only (a private repo there is 404).
 */
import { GitwellError } from '../../core/errors.js';
import type { KeyRecord, RepoRecord } from '../../../storage/index.js';
import { verifyKey, type Access } from '../../services/auth.js';
import type { Context } from '../router.js';

/** The caller's key: null when none was sent; throws 401 for a key that is not valid. */
export function callerKey(ctx: Context): KeyRecord | null {
  const h = ctx.req.headers;
  let token = h['x-api-key'];
  if (!token && h['authorization']?.startsWith('Bearer ')) token = h['authorization'].slice(7).trim();
  if (!token) return null;
  const key = verifyKey(ctx.store, token);
  if (!key) throw new GitwellError('UNAUTHORIZED', 'invalid API key');
  return key;
}

export function requireKey(ctx: Context): KeyRecord {
  const key = callerKey(ctx);
  if (!key) throw new GitwellError('UNAUTHORIZED', 'missing API key: send x-api-key or Authorization: Bearer');
  return key;
}

/**
 * The repo named by ctx.params (`org` for public routes, else the key's org; `namespace`
 * optional; `slug`), checked for `access`. A key reaches only its own org's repos; another
 * org's private repo, or any private repo on a public route, is 404.
 */
export function repoFor(ctx: Context, access: Access): { repo: RepoRecord; key: KeyRecord | null } {
  const { org: publicOrg, namespace, slug } = ctx.params;
  if (publicOrg !== undefined) {
    if (access !== 'read') throw new GitwellError('UNAUTHORIZED', 'write operations need an API key');
    const repo = ctx.store.findRepo(publicOrg, namespace || null, slug);
    if (!repo || repo.visibility !== 'public') throw new GitwellError('NOT_FOUND', 'repository not found');
    return { repo, key: null };
  }
  const key = requireKey(ctx);
  const repo = ctx.store.findRepo(key.org, namespace || null, slug);
  if (!repo) throw new GitwellError('NOT_FOUND', 'repository not found');
  return { repo, key };
}
