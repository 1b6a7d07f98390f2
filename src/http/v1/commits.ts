/**
 * /v1/repos/:slug/commits (Coregit's routes/commits.ts):
 *   GET ?ref&limit&cursor   first-parent history, newest first. `cursor` is the sha of the last
 *                           commit of the previous page (`next_cursor`); the page after it
 *                           starts at that commit's first parent
 *   GET /:sha               one commit (400 when the object is not a commit)
 *   POST                    a commit from `changes[]`; 201 {sha, tree_sha, branch, parent}
 *                           ("" for a root commit), 409 with current_sha when parent_sha (or the
 *                           head read) is stale
 */
import type { z } from 'zod';
import { invalid } from '../../core/errors.js';
import { createCommit, type CommitInput } from '../../services/commits.js';
import { getCommit, logFirstParentSliced } from '../../services/history.js';
import { isSha, resolveCommit } from '../../services/objects.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import * as present from './present.js';
import { json, parseBody, parseQuery } from './respond.js';
import { storageLimits } from './storage-limits.js';
import { CreateCommitBody, ListCommitsQuery } from './schemas.js';

export async function list(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, ListCommitsQuery);
  const ref = q.ref ?? q.branch ?? repo.defaultBranch;
  let start: Buffer;
  // a cursor that is no sha is ignored, as Coregit ignores it: the list starts at the ref
  if (q.cursor !== undefined && isSha(q.cursor)) {
    const oid = Buffer.from(q.cursor, 'hex');
    if (!ctx.store.hasRepoObject(repo.id, oid)) throw invalid('Cursor commit not found', { field: 'cursor' });
    if (ctx.store.objectInfo(oid)?.type !== 1) throw invalid('Cursor is not a commit', { field: 'cursor' });
    const parent = getCommit(ctx.store, repo, q.cursor).commit.parents[0];
    if (parent === undefined || !ctx.store.hasObject(Buffer.from(parent, 'hex'))) {
      return json(200, { commits: [], ref, has_more: false, next_cursor: null });
    }
    start = Buffer.from(parent, 'hex');
  } else start = resolveCommit(ctx.store, repo, ref);
  const page = await logFirstParentSliced(ctx.store, start, q.limit);
  const more = page.next !== null && page.commits.length >= q.limit;
  return json(200, { commits: page.commits.map(present.commit), ref, has_more: more, next_cursor: more ? page.commits[page.commits.length - 1].sha : null });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, present.commit(getCommit(ctx.store, repo, ctx.params.sha)));
}

export async function create(ctx: Context): Promise<HttpReply> {
  const { repo, key } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CreateCommitBody);
  const result = await createCommit(ctx.store, repo, commitInput(body), {
    maxFiles: ctx.config.commitMaxFiles,
    maxFileBytes: ctx.config.commitMaxFileBytes,
    ...storageLimits(ctx, key!.org),
  }, { actor: actorOf(ctx) });
  return json(201, present.commitCreated(result));
}

/** The request body as the commit service takes it ("modify" is Coregit's docs' name of create). */
function commitInput(body: z.output<typeof CreateCommitBody>): CommitInput {
  return {
    branch: body.branch,
    message: body.message,
    author: body.author,
    committer: body.committer,
    parentSha: body.parent_sha,
    changes: body.changes.map((c) => ({
      action: c.action === 'modify' ? 'create' : c.action,
      path: c.path,
      content: c.content,
      encoding: c.encoding,
      mode: c.mode,
      newPath: c.new_path,
      // a range wins when an edit has both, as in Coregit
      edits: c.edits?.map((e) => (e.range !== undefined ? { range: e.range, content: e.content ?? '' } : { oldString: e.old_string!, newString: e.new_string })),
    })),
  };
}
