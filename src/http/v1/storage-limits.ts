/**
 * What a /v1 route that writes new objects (commits, merges, cherry-picks, a new repo's initial
 * commit) tells the commit path: the org's storage quota, charged before the write and settled
 * after it, the counter the bytes are added to in the write's own transaction, and the
 * server's fsck levels.
 */
import type { StorageLimits } from '../../services/commits.js';
import { quotas } from '../../services/limits.js';
import type { Context } from '../router.js';

export function storageLimits(ctx: Context, org: string): StorageLimits {
  const q = quotas(ctx.store, ctx.config);
  return {
    beforeWrite: (bytes) => q.chargeStorage(org, bytes),
    notWritten: (bytes) => q.refundStorage(org, bytes),
    written: (bytes) => q.storageWritten(org, bytes),
    storageKey: org,
    fsck: ctx.config.fsck,
  };
}
