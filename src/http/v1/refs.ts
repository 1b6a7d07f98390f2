/**
 * /v1/repos/:slug/refs: the list, and GET / PUT / DELETE of one ref under refs/heads/ or
 * refs/tags/ ("/refs/heads/feature/x" is refs/heads/feature/x). PUT is a compare-and-swap when
 * `expected_sha` is given: a stale value is 409 with `current_sha`.
 */
import { notFound } from '../../core/errors.js';
import { apiRefName, deleteRef, putRef } from '../../services/refs.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import { json, parseBody, parseQuery } from './respond.js';
import { DeleteRefQuery, PutRefBody } from './schemas.js';

export function list(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const refs = ctx.store.listRefs(repo.id, 'refs/').map((r) => ({ ref: r.name, sha: r.oid }));
  const short = (prefix: string, type: 'branch' | 'tag') =>
    refs.filter((r) => r.ref.startsWith(prefix)).map((r) => ({ name: r.ref.slice(prefix.length), sha: r.sha, type }));
  return json(200, { refs, branches: short('refs/heads/', 'branch'), tags: short('refs/tags/', 'tag'), default_branch: repo.defaultBranch });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const name = apiRefName(ctx.params.ref);
  const sha = ctx.store.getRef(repo.id, name);
  if (!sha) throw notFound('ref', { ref: name });
  return json(200, { ref: name, sha });
}

export async function put(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const name = apiRefName(ctx.params.ref);
  const body = await parseBody(ctx, PutRefBody);
  return json(200, await putRef(ctx.store, repo, name, body.sha, body.expected_sha, { actor: actorOf(ctx) }));
}

export async function remove(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const name = apiRefName(ctx.params.ref);
  const q = parseQuery(ctx, DeleteRefQuery);
  return json(200, await deleteRef(ctx.store, repo, name, q.expected_sha, { actor: actorOf(ctx) }));
}
