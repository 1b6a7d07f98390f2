/**
 * GET /v1/usage?period=YYYY-MM: what the caller's org used in a calendar month (UTC; default
 * this one), each figure with its quota (null where there is none). Master key only. The
 * counts of the current month include what is not written to the store yet (limits.ts says
 * what a crash can lose of them, and why).
 */
import { currentMonth, quotas } from '../../services/limits.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { requireMasterKey } from './access.js';
import { UsageQuery } from './account-schemas.js';
import { json, parseQuery } from './respond.js';

export function usage(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, 'read the org\'s usage');
  const period = parseQuery(ctx, UsageQuery).period ?? currentMonth();
  const q = quotas(ctx.store, ctx.config);
  const m = q.usage(p.org, period);
  const metered = (used: number | undefined, quota: number | null) => ({ used: used ?? 0, quota });
  return json(200, {
    org: p.org,
    period,
    api_calls: metered(m.api_calls, ctx.config.quotaApiCallsPerMonth),
    git_requests: metered(m.git_requests, null),
    git_bytes_in: metered(m.git_bytes_in, null),
    git_bytes_out: metered(m.git_bytes_out, null),
    storage_bytes: metered(q.storageUsed(p.org), ctx.config.quotaStorageBytes),
    repos: metered(ctx.store.listRepos(p.org).length, ctx.config.quotaRepos),
  });
}
