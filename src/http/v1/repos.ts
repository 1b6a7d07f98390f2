/** /v1/repos: create, list, get, update, delete; and the public list of an org's repos. */
import { invalid, notFound } from '../../core/errors.js';
import { checkBranchName } from '../../core/refname.js';
import type { RepoRecord } from '../../../storage/index.js';
import { createCommit } from '../../services/commits.js';
import { createRepo, repoJson } from '../../services/repos.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, readable, repoFor, requirePrincipal, requireScopeFor } from './access.js';
import { quotas } from '../../services/limits.js';
import { baseUrl, json, parseBody, parseQuery } from './respond.js';
import { CreateRepoBody, ListReposQuery, UpdateRepoBody } from './schemas.js';

const cursorOf = (r: RepoRecord) => Buffer.from(`${r.namespace ?? ''}/${r.slug}`).toString('base64url');

function page(ctx: Context, all: RepoRecord[]): HttpReply {
  const q = parseQuery(ctx, ListReposQuery);
  let list = all.sort((a, b) => ((a.namespace ?? '') + '/' + a.slug < (b.namespace ?? '') + '/' + b.slug ? -1 : 1));
  if (q.namespace !== undefined) list = list.filter((r) => r.namespace === q.namespace);
  if (q.cursor !== undefined) {
    const after = Buffer.from(q.cursor, 'base64url').toString();
    if (!after.includes('/')) throw invalid('cursor is not one this API gave out', { field: 'cursor' });
    list = list.filter((r) => `${r.namespace ?? ''}/${r.slug}` > after);
  }
  const slice = list.slice(q.offset, q.offset + q.limit);
  const more = list.length > q.offset + q.limit;
  const base = baseUrl(ctx);
  return json(200, {
    repos: slice.map((r) => repoJson(ctx.store, r, base)),
    limit: q.limit,
    offset: q.offset,
    next_cursor: more && slice.length ? cursorOf(slice[slice.length - 1]) : null,
  });
}

export async function create(ctx: Context): Promise<HttpReply> {
  requirePrincipal(ctx);
  const body = await parseBody(ctx, CreateRepoBody);
  const key = requireScopeFor(ctx, body.namespace ?? null, body.slug, 'write');
  const why = checkBranchName(body.default_branch);
  if (why) throw invalid(`default_branch: ${why}`, { field: 'default_branch' });
  quotas(ctx.store, ctx.config).checkRepos(key.org);
  const repo = createRepo(ctx.store, {
    org: key.org,
    namespace: body.namespace ?? null,
    slug: body.slug,
    description: body.description,
    visibility: body.visibility,
    defaultBranch: body.default_branch,
  }, actorOf(ctx));
  if (body.init) {
    const readme = `# ${body.slug}\n${body.description ? `\n${body.description}\n` : ''}`;
    await createCommit(
      ctx.store,
      repo,
      { branch: repo.defaultBranch, message: 'Initial commit', author: { name: 'gitwell', email: 'gitwell@localhost' }, changes: [{ path: 'README.md', content: readme }] },
      { maxFiles: 1, maxFileBytes: ctx.config.commitMaxFileBytes, fsck: ctx.config.fsck },
      { actor: actorOf(ctx) },
    );
  }
  return json(201, repoJson(ctx.store, repo, baseUrl(ctx)));
}

export function list(ctx: Context): HttpReply {
  const p = requirePrincipal(ctx);
  return page(ctx, readable(ctx, ctx.store.listRepos(p.org)));
}

export function listPublic(ctx: Context): HttpReply {
  return page(ctx, ctx.store.listRepos(ctx.params.org).filter((r) => r.visibility === 'public'));
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, repoJson(ctx.store, repo, baseUrl(ctx)));
}

export async function update(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'admin');
  const body = await parseBody(ctx, UpdateRepoBody);
  if (body.default_branch !== undefined) {
    const why = checkBranchName(body.default_branch);
    if (why) throw invalid(`default_branch: ${why}`, { field: 'default_branch' });
  }
  const next = ctx.store.updateRepo(repo.id, {
    ...(body.description !== undefined ? { description: body.description } : {}),
    ...(body.visibility !== undefined ? { visibility: body.visibility } : {}),
    ...(body.default_branch !== undefined ? { defaultBranch: body.default_branch } : {}),
    ...(body.deny_non_fast_forwards !== undefined ? { denyNonFastForwards: body.deny_non_fast_forwards } : {}),
  }, actorOf(ctx));
  return json(200, repoJson(ctx.store, next, baseUrl(ctx)));
}

export function remove(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'admin');
  if (!ctx.store.getRepo(repo.id)) throw notFound('repository');
  ctx.store.deleteRepo(repo.id, actorOf(ctx));
  return json(200, { deleted: true, id: String(repo.id), slug: repo.slug, namespace: repo.namespace });
}
