/**
 * Who is calling and which repo a /v1 route names. Keys come as `x-api-key: <key>` or
 * `Authorization: Bearer <key>`. Routes under /v1/orgs/:org/repos/... are the public read API:
 * no key needed, public repos only (a private repo there is 404).
 */
import { GitwellError } from '../../core/errors.js';
import type { KeyRecord, RepoRecord } from '../../../storage/index.js';
import { verifyKey, type Access } from '../../services/auth.js';
import type { Context } from '../router.js';

// one verification per request, however many times a request asks (rate limit, then the route)
const verified = new WeakMap<object, KeyRecord | null>();

/**
 * Short-lived caches of what the hot read path looks up on every request: a verified key
 * (sha256 + a store read) and a repo record. Keys cannot be revoked yet. A repo record is
 * kept with the repo's generation, which moves on every change made through this process
 * (a PATCH, a delete, and a push or commit, which may set the default branch), so such a
 * change is seen at once; one made by another process (the CLI) within REPO_TTL.
 */
const KEY_TTL_MS = 10_000;
const REPO_TTL_MS = 2_000;
const CACHE_MAX = 10_000;
const keyCache = new Map<string, { key: KeyRecord; until: number }>();
const repoCache = new Map<string, { repo: RepoRecord; generation: number; until: number }>();

function cachedKey(ctx: Context, token: string): KeyRecord | null {
  const now = Date.now();
  const hit = keyCache.get(token);
  if (hit && hit.until > now) return hit.key;
  const key = verifyKey(ctx.store, token);
  if (key) {
    if (keyCache.size >= CACHE_MAX) keyCache.clear();
    keyCache.set(token, { key, until: now + KEY_TTL_MS });
  }
  return key;
}

function findRepo(ctx: Context, org: string, namespace: string | null, slug: string): RepoRecord | undefined {
  const name = `${org}/${namespace ?? ''}/${slug}`;
  const now = Date.now();
  const hit = repoCache.get(name);
  if (hit && hit.until > now && ctx.store.repoGeneration(hit.repo.id) === hit.generation) return hit.repo;
  const repo = ctx.store.findRepo(org, namespace, slug);
  if (repo) {
    if (repoCache.size >= CACHE_MAX) repoCache.clear();
    repoCache.set(name, { repo, generation: ctx.store.repoGeneration(repo.id), until: now + REPO_TTL_MS });
  }
  return repo;
}

/** The caller's key: null when none was sent; throws 401 for a key that is not valid. */
export function callerKey(ctx: Context): KeyRecord | null {
  let key = verified.get(ctx.req);
  if (key === undefined) {
    const t = token(ctx);
    key = t === undefined ? null : cachedKey(ctx, t);
    verified.set(ctx.req, key);
  }
  if (key === null && token(ctx) !== undefined) throw new GitwellError('UNAUTHORIZED', 'invalid API key');
  return key;
}

function token(ctx: Context): string | undefined {
  const h = ctx.req.headers;
  return tokenOf(h['x-api-key'], h['authorization']);
}

/** The key a request sends: `x-api-key`, else `Authorization: Bearer`. */
export function tokenOf(apiKey: string | undefined, authorization: string | undefined): string | undefined {
  let token = apiKey;
  if (!token && authorization?.startsWith('Bearer ')) token = authorization.slice(7).trim();
  return token || undefined;
}

/** A key verified within KEY_TTL_MS, without reading the store; null when there is none. */
export function knownKey(token: string): KeyRecord | null {
  const hit = keyCache.get(token);
  return hit && hit.until > Date.now() ? hit.key : null;
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
    const repo = findRepo(ctx, publicOrg, namespace || null, slug);
    if (!repo || repo.visibility !== 'public') throw new GitwellError('NOT_FOUND', 'repository not found');
    return { repo, key: null };
  }
  const key = requireKey(ctx);
  const repo = findRepo(ctx, key.org, namespace || null, slug);
  if (!repo) throw new GitwellError('NOT_FOUND', 'repository not found');
  return { repo, key };
}
