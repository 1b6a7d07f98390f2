/**
 * /v1/repos/:slug/snapshots (Coregit's routes/snapshots.ts): named restore points.
 *   POST   /snapshots                {name, branch?, metadata?} -> 201 the snapshot
 *   GET    /snapshots                {snapshots}, oldest first
 *   GET    /snapshots/:name          the snapshot
 *   DELETE /snapshots/:name          {deleted: true}
 *   POST   /snapshots/:name/restore  {target_branch?} -> {restored: true, branch, sha}
 */
import { GitwellError } from '../../core/errors.js';
import { createSnapshot, deleteSnapshot, getSnapshot, restoreSnapshot } from '../../services/snapshots.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, repoFor } from './access.js';
import * as present from './present.js';
import { json, parseBody } from './respond.js';
import { CreateSnapshotBody, RestoreSnapshotBody } from './schemas.js';

export async function create(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  const body = await parseBody(ctx, CreateSnapshotBody);
  return json(201, present.snapshot(createSnapshot(ctx.store, repo, body.name, body.branch, body.metadata ?? null)));
}

export function list(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, { snapshots: ctx.store.listSnapshots(repo.id).map(present.snapshot) });
}

export function get(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  return json(200, present.snapshot(getSnapshot(ctx.store, repo, ctx.params.name)));
}

export function remove(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'write');
  deleteSnapshot(ctx.store, repo, ctx.params.name);
  return json(200, { deleted: true });
}

export async function restore(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'write');
  let body: { target_branch?: string };
  try {
    body = await parseBody(ctx, RestoreSnapshotBody);
  } catch (e) {
    // Coregit reads a body that is not JSON (or none) as {}
    if (!(e instanceof GitwellError && e.code === 'VALIDATION_ERROR' && e.details?.field === 'body')) throw e;
    body = {};
  }
  const r = await restoreSnapshot(ctx.store, repo, ctx.params.name, body.target_branch, { actor: actorOf(ctx) });
  return json(200, { restored: true, branch: r.branch, sha: r.sha });
}
