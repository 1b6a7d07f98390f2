/**
 * /v1/repos/:slug/branches (Coregit's routes/branches.ts): list, create, get, delete. A branch
 * name may contain "/" here (Coregit's :name is one URL segment). The list is sorted as Coregit
 * sorts it and paged the same way: `cursor` is the name of the last branch of the previous page.
 */
import { createBranch, deleteBranch, getBranch, listBranches } from '../../services/refs.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import { json, parseBody, parseQuery } from './respond.js';
import { BranchPageQuery, CreateBranchBody } from './schemas.js';

export function list(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, BranchPageQuery);
  const all = listBranches(ctx.store, repo);
  let start = 0;
  if (q.cursor !== undefined) {
    start = all.findIndex((b) => b.name > q.cursor!);
    if (start < 0) start = all.length;
  }
  const branches = all.slice(start, start + q.limit);
  const more = start + q.limit < all.length;
  return json(200, {
    branches,
    default_branch: repo.defaultBranch,
    total: all.length,
    next_cursor: more ? branches[branches.length - 1].name : null,
  });
}

export async function create(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CreateBranchBody);
  const b = await createBranch(ctx.store, repo, body.name, body.from, body.from_sha, { actor: actorOf(ctx) });
  return json(201, { name: b.name, sha: b.sha, created: true });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, getBranch(ctx.store, repo, ctx.params.name));
}

export async function remove(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const change = await deleteBranch(ctx.store, repo, ctx.params.name, { actor: actorOf(ctx) });
  return json(200, { deleted: true, name: ctx.params.name, ref: change.ref, sha: change.previous });
}
