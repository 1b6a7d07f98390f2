/**
 * POST /v1/repos/[:namespace/]:slug/branches/:name/merge   merge branches (services/merge.ts)
 *   200 {merged: true, sha, strategy, target, source, already_up_to_date}
 *   409 {merged: false, conflicts: [{path, kind, message}]} on conflicts; 409 {merged: false}
 *       when a fast-forward is impossible or the branch moved (details.current_sha)
 *   422 without a common ancestor
 * POST /v1/repos/[:namespace/]:slug/cherry-pick             replay base..head onto onto
 *   200 {sha, branch, commits: [{sha, source}], skipped}
 *   409 {commit, conflicts} when a commit does not apply; nothing moves
 * New objects are charged to the org's storage quota like API commits.
 */
import { cherryPick } from '../../services/cherry-pick.js';
import { mergeBranch } from '../../services/merge.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import { json, parseBody } from './respond.js';
import { storageLimits } from './storage-limits.js';
import { CherryPickBody, MergeBody } from './schemas.js';

export async function merge(ctx: Context): Promise<HttpReply> {
  const { repo, key } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, MergeBody);
  return json(200, await mergeBranch(ctx.store, repo, { ...body, branch: ctx.params.name }, storageLimits(ctx, key!.org), { actor: actorOf(ctx) }));
}

export async function pick(ctx: Context): Promise<HttpReply> {
  const { repo, key } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CherryPickBody);
  return json(200, await cherryPick(ctx.store, repo, body, storageLimits(ctx, key!.org), { actor: actorOf(ctx) }));
}
