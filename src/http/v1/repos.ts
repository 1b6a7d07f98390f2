/**
 * /v1/repos (Coregit's routes/repos.ts): create, list, get, update, delete; the public list of
 * an org's repos (routes/public.ts); forks and repos made from templates (routes/forks.ts).
 *
 * Lists are ordered as Coregit orders them: a key's repos by updated_at, newest first (ties by
 * id, highest first), with keyset cursors base64("<updated_at>|<id>") or an offset; an org's
 * public repos by updated_at, oldest first.
 */
import { GitwellError, invalid, notFound } from '../../core/errors.js';
import { checkBranchName } from '../../core/refname.js';
import type { RepoRecord } from '../../../storage/index.js';
import { forkRepo } from '../../services/forks.js';
import { quotas } from '../../services/limits.js';
import { createRepo, initRepo, repoIsEmpty } from '../../services/repos.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, readable, repoFor, requirePrincipal, requireScopeFor } from './access.js';
import * as present from './present.js';
import { baseUrl, json, parseBody, parseQuery } from './respond.js';
import { storageLimits } from './storage-limits.js';
import { CreateRepoBody, ForkBody, ListReposQuery, PublicReposQuery, UpdateRepoBody } from './schemas.js';

type Page = { limit: number; offset: number; cursor?: string; namespace?: string; is_template?: 'true' | 'false' };

const cursorOf = (r: RepoRecord) => Buffer.from(`${r.updatedAt}|${r.id}`).toString('base64');

function decodeCursor(cursor: string): { updatedAt: string; id: number } {
  const s = Buffer.from(cursor, 'base64').toString();
  const bar = s.indexOf('|');
  const id = Number(s.slice(bar + 1));
  if (bar < 0 || Number.isNaN(Date.parse(s.slice(0, bar))) || !Number.isInteger(id)) throw invalid('Invalid cursor', { field: 'cursor' });
  return { updatedAt: s.slice(0, bar), id };
}

/** (updated_at, id) order; `newest` first or oldest first. */
function byUpdated(newest: boolean) {
  const sign = newest ? -1 : 1;
  return (a: RepoRecord, b: RepoRecord) => sign * (a.updatedAt < b.updatedAt ? -1 : a.updatedAt > b.updatedAt ? 1 : a.id - b.id);
}

function page(ctx: Context, all: RepoRecord[], q: Page, newest: boolean): HttpReply {
  const order = byUpdated(newest);
  let list = all.sort(order);
  if (q.namespace !== undefined) list = list.filter((r) => r.namespace === q.namespace);
  if (q.is_template === 'true') list = list.filter((r) => r.isTemplate === true);
  let start = q.offset;
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor);
    const after = { updatedAt: c.updatedAt, id: c.id } as RepoRecord;
    list = list.filter((r) => order(r, after) > 0);
    start = 0;
  }
  const slice = list.slice(start, start + q.limit);
  const more = list.length > start + q.limit;
  const base = baseUrl(ctx);
  return json(200, {
    repos: slice.map((r) => present.repoItem(r, base)),
    limit: q.limit,
    next_cursor: more && slice.length ? cursorOf(slice[slice.length - 1]) : null,
    ...(q.cursor === undefined ? { offset: q.offset } : {}),
  });
}

export async function create(ctx: Context): Promise<HttpReply> {
  requirePrincipal(ctx);
  const body = await parseBody(ctx, CreateRepoBody);
  const key = requireScopeFor(ctx, body.namespace ?? null, body.slug, 'write');
  const why = checkBranchName(body.default_branch);
  if (why) throw invalid(`default_branch: ${why}`, { field: 'default_branch' });
  quotas(ctx.store, ctx.config).checkRepos(key.org);
  let repo = createRepo(ctx.store, {
    org: key.org,
    namespace: body.namespace ?? null,
    slug: body.slug,
    description: body.description ?? undefined,
    visibility: body.visibility,
    defaultBranch: body.default_branch,
    isTemplate: body.is_template,
  }, actorOf(ctx));
  if (body.init) {
    await initRepo(ctx.store, repo, storageLimits(ctx, key.org), { actor: actorOf(ctx) });
    repo = ctx.store.getRepo(repo.id) ?? repo;
  }
  return json(201, present.repo(repo, repoIsEmpty(ctx.store, repo), baseUrl(ctx)));
}

export function list(ctx: Context): HttpReply {
  const p = requirePrincipal(ctx);
  return page(ctx, readable(ctx, ctx.store.listRepos(p.org)), parseQuery(ctx, ListReposQuery), true);
}

export function listPublic(ctx: Context): HttpReply {
  const q = parseQuery(ctx, PublicReposQuery);
  if (!ctx.store.getOrg(ctx.params.org)) throw new GitwellError('NOT_FOUND', 'Organization not found', { org: ctx.params.org });
  return page(ctx, ctx.store.listRepos(ctx.params.org).filter((r) => r.visibility === 'public'), q, false);
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, present.repo(repo, repoIsEmpty(ctx.store, repo), baseUrl(ctx)));
}

export async function update(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'admin');
  const body = await parseBody(ctx, UpdateRepoBody);
  if (body.default_branch !== undefined) {
    const why = checkBranchName(body.default_branch);
    if (why) throw invalid(`default_branch: ${why}`, { field: 'default_branch' });
    // Coregit moves HEAD only to a branch that exists
    if (!ctx.store.getRef(repo.id, `refs/heads/${body.default_branch}`)) {
      throw invalid(`Branch '${body.default_branch}' does not exist`, { field: 'default_branch' });
    }
  }
  const patch = {
    ...(body.description !== undefined ? { description: body.description ?? '' } : {}),
    ...(body.visibility !== undefined ? { visibility: body.visibility } : {}),
    ...(body.default_branch !== undefined ? { defaultBranch: body.default_branch } : {}),
    ...(body.is_template !== undefined ? { isTemplate: body.is_template } : {}),
    ...(body.deny_non_fast_forwards !== undefined ? { denyNonFastForwards: body.deny_non_fast_forwards } : {}),
  };
  if (Object.keys(patch).length === 0) throw invalid('No fields to update', { field: 'body' });
  const next = ctx.store.updateRepo(repo.id, patch, actorOf(ctx));
  return json(200, present.repo(next, repoIsEmpty(ctx.store, next), baseUrl(ctx)));
}

export function remove(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'admin');
  if (!ctx.store.getRepo(repo.id)) throw notFound('repository');
  ctx.store.deleteRepo(repo.id, actorOf(ctx));
  return json(200, { deleted: true, id: String(repo.id), slug: repo.slug, namespace: repo.namespace });
}

/**
 * POST /v1/repos/[:namespace/]:slug/fork: a new repo of the caller's org from this one. The
 * route table asks write on the source; the new name needs what creating a repo of that name
 * needs (a token: write on it), and counts against the org's repo quota.
 */
export async function fork(ctx: Context): Promise<HttpReply> {
  const { repo: source } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, ForkBody);
  const key = requireScopeFor(ctx, body.namespace ?? null, body.slug, 'write');
  quotas(ctx.store, ctx.config).checkRepos(key.org);
  const f = await forkRepo(ctx.store, source, {
    org: key.org,
    namespace: body.namespace ?? null,
    slug: body.slug,
    description: body.description,
    defaultBranch: body.default_branch,
    mode: body.mode,
  }, actorOf(ctx));
  return json(201, present.fork(f, baseUrl(ctx)));
}
