/** /v1/repos/:slug/branches: list, create, get, delete. A branch name may contain "/". */
import { invalid } from '../../core/errors.js';
import { createBranch, deleteBranch, getBranch, listBranches } from '../../services/refs.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import { json, parseBody, parseQuery } from './respond.js';
import { CreateBranchBody, PageQuery } from './schemas.js';

export function list(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, PageQuery);
  const all = listBranches(ctx.store, repo);
  let start = 0;
  if (q.cursor !== undefined) {
    const after = Buffer.from(q.cursor, 'base64url').toString();
    if (after === '') throw invalid('cursor is not one this API gave out', { field: 'cursor' });
    start = all.findIndex((b) => b.name > after);
    if (start < 0) start = all.length;
  }
  const branches = all.slice(start, start + q.limit);
  const more = start + q.limit < all.length;
  return json(200, {
    branches,
    default_branch: repo.defaultBranch,
    total: all.length,
    next_cursor: more ? Buffer.from(branches[branches.length - 1].name).toString('base64url') : null,
  });
}

export async function create(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CreateBranchBody);
  if (body.from !== undefined && body.from_sha !== undefined) throw invalid('give from or from_sha, not both', { field: 'from_sha' });
  return json(201, await createBranch(ctx.store, repo, body.name, body.from, body.from_sha, { actor: actorOf(ctx) }));
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, getBranch(ctx.store, repo, ctx.params.name));
}

export async function remove(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const change = await deleteBranch(ctx.store, repo, ctx.params.name, { actor: actorOf(ctx) });
  return json(200, { deleted: true, name: ctx.params.name, ...change });
}
