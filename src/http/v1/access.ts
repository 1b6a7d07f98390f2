/**
 * Who is calling a /v1 route and which repo it names. The credential comes from any door
 * services/principal.ts reads (x-api-key, Bearer, Basic). Routes under /v1/orgs/:org/repos/...
 * are the public read API: no credential needed, public repos only (a private repo there is
 * 404). Elsewhere a repo is named within the caller's org and the principal's scopes decide.
 */
import { GitwellError } from '../../core/errors.js';
import { isName } from '../../core/names.js';
import { LEVEL } from '../../core/scopes.js';
import type { Actor, RepoRecord } from '../../../storage/index.js';
import { authenticate, authorizeRepo, forbidden, presentedSecret, requireMaster, type Access, type Principal } from '../../services/principal.js';
import type { Context } from '../router.js';

/**
 * A short-lived cache of repo records by name, for the hot read path. A record is kept with
 * the repo's generation, which moves on every change made through this process (a PATCH, a
 * delete, and a push or commit, which may set the default branch), so such a change is seen at
 * once; one made by another process (the CLI) within REPO_TTL.
 */
const REPO_TTL_MS = 2_000;
const CACHE_MAX = 10_000;
const repoCache = new Map<string, { repo: RepoRecord; generation: number; until: number }>();

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

/** The caller: null when no credential was presented; throws 401 for one that is not valid (asked once per request). */
export function callerPrincipal(ctx: Context): Principal | null {
  let c = ctx.caller;
  if (c === undefined) {
    const h = ctx.req.headers;
    const secret = presentedSecret(h['x-api-key'], h['authorization']);
    try {
      c = { principal: secret === undefined ? null : authenticate(ctx.store, secret, ctx.clock.now()) };
    } catch (e) {
      c = { refused: e };
    }
    ctx.caller = c;
  }
  if ('refused' in c) throw c.refused;
  return c.principal;
}

export function requirePrincipal(ctx: Context): Principal {
  const p = callerPrincipal(ctx);
  if (!p) throw new GitwellError('UNAUTHORIZED', 'missing credential: send a key or token as x-api-key or Authorization: Bearer');
  return p;
}

export function requireMasterKey(ctx: Context, what: string): Principal {
  return requireMaster(callerPrincipal(ctx), what);
}

/** Who made a change through this request, for the audit log. */
export function actorOf(ctx: Context): Actor {
  const c = ctx.caller;
  const p = c && 'principal' in c ? c.principal : null;
  return p ? p.actor('v1') : { credentialId: null, kind: null, door: 'v1' };
}

/** The repos of `all` the caller may read (a list must not name what a token cannot see). */
export function readable(ctx: Context, all: RepoRecord[]): RepoRecord[] {
  const p = requirePrincipal(ctx);
  return p.master ? all : all.filter((r) => p.can(r, 'read'));
}

/** The caller, when its scopes allow `access` to the name ns/slug of its org (creating a repo needs write on its name). */
export function requireScopeFor(ctx: Context, namespace: string | null, slug: string, access: Access): Principal {
  const p = requirePrincipal(ctx);
  const lack = p.lacks(namespace, slug, access);
  if (lack) throw forbidden(lack);
  return p;
}

const stronger = (a: Access | undefined, b: Access): Access => (a !== undefined && LEVEL[a] > LEVEL[b] ? a : b);

/**
 * The repo named by ctx.params (`org` for public routes, else the caller's org; `namespace`
 * optional; `slug`), checked for `access` (or the stronger access the route table declares).
 * Another org's private repo, or any private repo on a public route, is 404; a token without
 * the scope is 403 naming it.
 */
export function repoFor(ctx: Context, access: Access): { repo: RepoRecord; key: Principal | null } {
  access = stronger(ctx.access, access);
  const { org: publicOrg, namespace, slug } = ctx.params;
  const ns = namespace || null;
  // a name that breaks the naming rule cannot exist (and must not reach a key prefix)
  const named = isName(slug) && (ns === null || isName(ns)) && (publicOrg === undefined || isName(publicOrg));
  if (publicOrg !== undefined) {
    if (access !== 'read') throw new GitwellError('UNAUTHORIZED', 'write operations need a credential');
    const repo = named ? findRepo(ctx, publicOrg, ns, slug) : undefined;
    if (!repo || repo.visibility !== 'public') throw new GitwellError('NOT_FOUND', 'repository not found');
    ctx.repo = repo;
    return { repo, key: callerPrincipal(ctx) };
  }
  const p = requirePrincipal(ctx);
  if (!named) throw new GitwellError('NOT_FOUND', 'repository not found');
  const repo = authorizeRepo(p, p.org, ns, slug, findRepo(ctx, p.org, ns, slug), access);
  ctx.repo = repo;
  return { repo, key: p };
}
