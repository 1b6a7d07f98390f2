/**
 * /v1/repos/:slug/refs: the list of branches and tags (Coregit's routes/files.ts answers it),
 * and GET / PUT / DELETE of one ref (routes/refs.ts): "/refs/heads/feature/x" is
 * refs/heads/feature/x. PUT is a compare-and-swap when `expected_sha` is given: a stale value
 * is 409 with `current_sha`.
 *
 * The list is one sequence, branches before tags, each by name (String.localeCompare): the
 * cursor is the last entry's key, "branch:<name>" or "tag:<name>", and a page is split back into
 * its branches and its tags.
 */
import { notFound } from '../../core/errors.js';
import { apiRefName, deleteRef, putRef } from '../../services/refs.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import * as present from './present.js';
import { json, parseBody, parseQuery } from './respond.js';
import { DeleteRefQuery, PutRefBody, RefPageQuery } from './schemas.js';

type Item = { name: string; sha: string; type: 'branch' | 'tag'; key: string; ref: string };

export function list(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, RefPageQuery);
  const all: Item[] = [];
  for (const r of ctx.store.listRefs(repo.id, 'refs/')) {
    if (r.name.startsWith('refs/heads/')) all.push({ name: r.name.slice(11), sha: r.oid, type: 'branch', key: `branch:${r.name.slice(11)}`, ref: r.name });
    else if (r.name.startsWith('refs/tags/')) all.push({ name: r.name.slice(10), sha: r.oid, type: 'tag', key: `tag:${r.name.slice(10)}`, ref: r.name });
  }
  all.sort((a, b) => a.key.localeCompare(b.key));
  let start = 0;
  if (q.cursor !== undefined) {
    start = all.findIndex((r) => r.key > q.cursor!);
    if (start < 0) start = all.length;
  }
  const page = all.slice(start, start + q.limit);
  const more = start + q.limit < all.length;
  const shape = ({ name, sha, type }: Item) => ({ name, sha, type });
  return json(200, {
    branches: page.filter((r) => r.type === 'branch').map(shape),
    tags: page.filter((r) => r.type === 'tag').map(shape),
    default_branch: repo.defaultBranch,
    total: all.length,
    next_cursor: more ? page[page.length - 1].key : null,
    refs: page.map((r) => ({ ref: r.ref, sha: r.sha })),
  });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const name = apiRefName(ctx.params.ref ?? '');
  const sha = ctx.store.getRef(repo.id, name);
  if (!sha) throw notFound(`Ref '${name}'`, { ref: name });
  return json(200, { ref: name, sha });
}

export async function put(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const name = apiRefName(ctx.params.ref ?? '');
  const body = await parseBody(ctx, PutRefBody);
  return json(200, present.refChange(await putRef(ctx.store, repo, name, body.sha, body.expected_sha, { actor: actorOf(ctx) })));
}

export async function remove(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const name = apiRefName(ctx.params.ref ?? '');
  const q = parseQuery(ctx, DeleteRefQuery);
  const c = await deleteRef(ctx.store, repo, name, q.expected_sha, { actor: actorOf(ctx) });
  return json(200, { deleted: true, ref: c.ref, sha: c.previous });
}
