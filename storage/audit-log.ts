/**
 * The audit log in LMDB: db `audit`, key "<org>:<ms, 13 digits>:<seq>:<nonce>" -> AuditRecord
 * (msgpack). One org's entries are one key range, in time order; `seq` orders a process's
 * entries within a millisecond and `nonce` (random per process) keeps the CLI's and the
 * server's apart. The record id is the key without "<org>:".
 *
 * Entries are never written alone: the store puts them inside the transaction of the change they
 * record (a sync transaction's putSync, or the innermost write of updateRefs' conditional
 * batch), so a change that landed has its entry and an entry's change landed.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'lmdb';
import type { Actor, AuditAction, AuditQuery, AuditRecord, RefUpdate, RefUpdateResult, RepoRecord, WriteContext } from './store.js';
import { usageAdd, type Counters } from './usage-counters.js';

const NONCE = randomBytes(3).toString('hex');
let seq = 0;

const INTERNAL: Actor = { credentialId: null, kind: null, door: 'internal' };

const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(13, '0');

export function repoRef(r: RepoRecord): { id: number; path: string } {
  return { id: r.id, path: r.namespace ? `${r.namespace}/${r.slug}` : r.slug };
}

/** A new entry and its key; `now` for the time it is stamped with. */
export function auditEntry(
  org: string,
  action: AuditAction,
  actor: Actor | undefined,
  repo: RepoRecord | null,
  details: Record<string, unknown>,
  now = Date.now(),
): [string, AuditRecord] {
  const id = `${pad(now)}:${(seq++).toString(36).padStart(7, '0')}:${NONCE}`;
  return [`${org}:${id}`, { id, at: new Date(now).toISOString(), org, action, actor: actor ?? INTERNAL, repo: repo ? repoRef(repo) : null, details }];
}

/** Newest first, at most `limit`, filtered as the query says. */
export function listAudit(db: Database<AuditRecord, string>, q: AuditQuery): AuditRecord[] {
  // reverse: `start` is the upper end, `end` the lower
  let start = q.until !== undefined ? `${q.org}:${pad(q.until)}` : `${q.org};`;
  let exclusiveStart = false;
  if (q.before !== undefined && `${q.org}:${q.before}` < start) {
    start = `${q.org}:${q.before}`;
    exclusiveStart = true;
  }
  const end = q.since !== undefined ? `${q.org}:${pad(q.since)}` : `${q.org}:`;
  const out: AuditRecord[] = [];
  for (const { value } of db.getRange({ start, end, reverse: true, exclusiveStart })) {
    if (q.action !== undefined && value.action !== q.action) continue;
    out.push(value);
    if (out.length >= q.limit) break;
  }
  return out;
}

/**
 * What updateRefs writes beside the refs that pass: a ref.updated entry per ref (with
 * push.received for a push, and repo.updated when the first branches move the default to
 * `newDefault`), and the write's usage adds. `repo` undefined: deleted meanwhile, nothing to
 * log under.
 */
export function refUpdateRecords(
  repo: RepoRecord | undefined,
  updates: RefUpdate[],
  passing: number[],
  results: RefUpdateResult[],
  newDefault: string | null,
  ctx: WriteContext,
): { audit: Array<[string, AuditRecord]>; usage: Array<[string, Counters]> } {
  const audit: Array<[string, AuditRecord]> = [];
  if (repo) {
    if (ctx.push) audit.push(auditEntry(repo.org, 'push.received', ctx.actor, repo, { refs: passing.length, bytes: ctx.push.bytes, objects: ctx.push.objects }));
    for (const i of passing) {
      const r = results[i];
      audit.push(auditEntry(repo.org, 'ref.updated', ctx.actor, repo, { ref: updates[i].name, old: r.ok ? r.previous : null, new: updates[i].next }));
    }
    if (newDefault !== null) {
      audit.push(auditEntry(repo.org, 'repo.updated', ctx.actor, repo, { default_branch: { from: repo.defaultBranch, to: newDefault }, reason: 'the first branches' }));
    }
  }
  const usage = Object.entries(ctx.usage ?? {}).map(([key, delta]) => usageAdd(key, delta));
  return { audit, usage };
}
