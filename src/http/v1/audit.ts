/**
 * GET /v1/audit-log?limit&cursor&action&since&until: the org's audit log, newest first (master
 * key only). Every entry was written in the transaction of the change it records.
 */
import { invalid } from '../../core/errors.js';
import type { AuditAction, AuditRecord } from '../../../storage/index.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { requireMasterKey } from './access.js';
import { AuditQuery } from './account-schemas.js';
import { json, parseQuery } from './respond.js';

export function auditJson(e: AuditRecord) {
  return {
    id: e.id,
    at: e.at,
    action: e.action,
    door: e.actor.door,
    credential: e.actor.credentialId && e.actor.kind ? { id: e.actor.credentialId, kind: e.actor.kind } : null,
    repo: e.repo ? { id: String(e.repo.id), path: e.repo.path } : null,
    details: e.details,
  };
}

export function log(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, 'read the audit log');
  const q = parseQuery(ctx, AuditQuery);
  let before: string | undefined;
  if (q.cursor !== undefined) {
    before = Buffer.from(q.cursor, 'base64url').toString();
    if (!/^\d{13}:/.test(before)) throw invalid('cursor is not one this API gave out', { field: 'cursor' });
  }
  // one more than asked: whether there is a next page
  const entries = ctx.store.listAudit({ org: p.org, limit: q.limit + 1, before, action: q.action as AuditAction | undefined, since: q.since, until: q.until });
  const more = entries.length > q.limit;
  const shown = entries.slice(0, q.limit);
  return json(200, { entries: shown.map(auditJson), next_cursor: more ? Buffer.from(shown[shown.length - 1].id).toString('base64url') : null });
}
