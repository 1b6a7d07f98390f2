/**
 * /v1/repos/:slug/commits:
 *   GET ?ref&limit&cursor   first-parent history, newest first; `next_cursor` is the sha the
 *                           next page starts at (null at the root)
 *   GET /:sha               one commit
 *   POST                    a commit from `changes[]`; 201 {sha, tree_sha, branch, parent},
 *                           409 with current_sha when parent_sha (or the head read) is stale
 */
import { invalid } from '../../core/errors.js';
import { createCommit } from '../../services/commits.js';
import { getCommit, logFirstParentSliced } from '../../services/history.js';
import { isSha, resolveCommit } from '../../services/objects.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import { quotas } from '../../services/limits.js';
import { json, parseBody, parseQuery } from './respond.js';
import { CreateCommitBody, ListCommitsQuery } from './schemas.js';

export async function list(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, ListCommitsQuery);
  const ref = q.ref ?? q.branch ?? repo.defaultBranch;
  let start: Buffer;
  if (q.cursor !== undefined) {
    if (!isSha(q.cursor)) throw invalid('cursor is not one this API gave out', { field: 'cursor' });
    start = resolveCommit(ctx.store, repo, q.cursor);
  } else start = resolveCommit(ctx.store, repo, ref);
  const page = await logFirstParentSliced(ctx.store, start, q.limit);
  return json(200, { commits: page.commits, ref, has_more: page.next !== null, next_cursor: page.next });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, getCommit(ctx.store, repo, ctx.params.sha));
}

export async function create(ctx: Context): Promise<HttpReply> {
  const { repo, key } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CreateCommitBody);
  const q = quotas(ctx.store, ctx.config);
  const result = await createCommit(ctx.store, repo, body, {
    maxFiles: ctx.config.commitMaxFiles,
    maxFileBytes: ctx.config.commitMaxFileBytes,
    beforeWrite: (bytes) => q.chargeStorage(key!.org, bytes),
    notWritten: (bytes) => q.refundStorage(key!.org, bytes),
    written: (bytes) => q.storageWritten(key!.org, bytes),
    storageKey: key!.org,
    fsck: ctx.config.fsck,
  }, { actor: actorOf(ctx) });
  return json(201, result);
}
