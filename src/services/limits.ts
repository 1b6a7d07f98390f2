/**
 * Quotas, per org: repositories, bytes of objects written through the API, API calls per UTC
 * calendar month, bytes of pushes received per UTC calendar month (transfer: a push counts
 * whether it is accepted or refused, so refused pushes cannot fill a disk outside every quota). Call counts and bytes written are kept in memory and added to the store
 * every few seconds (one small write transaction, not one per request: a synchronous
 * transaction waits for the disk, and every request would wait behind it). A crash loses the
 * last few seconds of counts.
 */
import { GitwellError } from '../core/errors.js';
import type { Store } from '../../storage/index.js';

export interface QuotaLimits {
  quotaRepos: number;
  quotaStorageBytes: number;
  quotaApiCallsPerMonth: number;
  quotaTransferBytesPerMonth: number;
}

const FLUSH_MS = 5_000;

let monthAt = 0;
let monthStr = '';
/** "YYYY-MM" (UTC), recomputed at most once a second */
function month(): string {
  const now = Date.now();
  if (now - monthAt > 1000) {
    monthStr = new Date(now).toISOString().slice(0, 7);
    monthAt = now;
  }
  return monthStr;
}

export class Quotas {
  /** org -> API calls of the current month: stored + not yet flushed */
  private readonly calls = new Map<string, { month: string; stored: number; pending: number }>();
  /** org -> bytes written through the API: stored + not yet flushed */
  private readonly bytes = new Map<string, { stored: number; pending: number }>();
  /** org -> bytes of pushes received this month: stored + not yet flushed */
  private readonly transfer = new Map<string, { month: string; stored: number; pending: number }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly store: Store, private readonly limits: QuotaLimits) {}

  private counter(org: string) {
    const m = month();
    let c = this.calls.get(org);
    if (!c || c.month !== m) {
      if (c && c.pending > 0) this.store.addUsage(`${org}:${c.month}`, { api_calls: c.pending });
      c = { month: m, stored: this.store.getUsage(`${org}:${m}`).api_calls ?? 0, pending: 0 };
      this.calls.set(org, c);
    }
    return c;
  }

  /** Counts one call, or throws QUOTA_EXCEEDED when the org has used its calls of the month. */
  countCall(org: string): void {
    const c = this.counter(org);
    if (c.stored + c.pending >= this.limits.quotaApiCallsPerMonth) {
      throw new GitwellError('QUOTA_EXCEEDED', `the monthly quota of ${this.limits.quotaApiCallsPerMonth} API calls is used up`, {
        quota: 'api_calls_per_month',
        max: this.limits.quotaApiCallsPerMonth,
        month: c.month,
      });
    }
    c.pending++;
    this.later();
  }

  private later(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Takes back a call that cost nothing (a 304). Never reads the store. */
  uncountCall(org: string): void {
    const c = this.calls.get(org);
    if (c && c.pending > 0) c.pending--;
  }

  flush(): void {
    this.timer = null;
    try {
      for (const [org, c] of this.calls) {
        if (c.pending === 0) continue;
        this.store.addUsage(`${org}:${c.month}`, { api_calls: c.pending });
        c.stored += c.pending;
        c.pending = 0;
      }
      for (const [org, t] of this.transfer) {
        if (t.pending === 0) continue;
        this.store.addUsage(`${org}:${t.month}`, { transfer_bytes: t.pending });
        t.stored += t.pending;
        t.pending = 0;
      }
      for (const [org, b] of this.bytes) {
        if (b.pending === 0) continue;
        this.store.addUsage(org, { storage_bytes: b.pending });
        b.stored += b.pending;
        b.pending = 0;
      }
    } catch {
      // the store was closed (shutdown): the last few seconds of counts are lost, by design
    }
  }

  checkRepos(org: string): void {
    const n = this.store.listRepos(org).length;
    if (n >= this.limits.quotaRepos) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org has its quota of ${this.limits.quotaRepos} repositories`, { quota: 'repos', max: this.limits.quotaRepos });
    }
  }

  /** Counts `bytes` of new objects against the org's storage, or throws QUOTA_EXCEEDED. */
  chargeStorage(org: string, bytes: number): void {
    let b = this.bytes.get(org);
    if (!b) {
      b = { stored: this.store.getUsage(org).storage_bytes ?? 0, pending: 0 };
      this.bytes.set(org, b);
    }
    const used = b.stored + b.pending;
    if (used + bytes > this.limits.quotaStorageBytes) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org's storage quota of ${this.limits.quotaStorageBytes} bytes would be exceeded`, {
        quota: 'storage_bytes',
        max: this.limits.quotaStorageBytes,
        used,
        needed: bytes,
      });
    }
    if (bytes > 0) {
      b.pending += bytes;
      this.later();
    }
  }

  /**
   * Counts `bytes` of a push received for the org, then throws QUOTA_EXCEEDED when the
   * month's transfer is over the quota: the bytes came whatever the answer, so they count.
   */
  countTransfer(org: string, bytes: number): void {
    const m = month();
    let t = this.transfer.get(org);
    if (!t || t.month !== m) {
      if (t && t.pending > 0) this.store.addUsage(`${org}:${t.month}`, { transfer_bytes: t.pending });
      t = { month: m, stored: this.store.getUsage(`${org}:${m}`).transfer_bytes ?? 0, pending: 0 };
      this.transfer.set(org, t);
    }
    t.pending += bytes;
    this.later();
    const used = t.stored + t.pending;
    if (used > this.limits.quotaTransferBytesPerMonth) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org's monthly transfer quota of ${this.limits.quotaTransferBytesPerMonth} bytes of pushes is used up`, {
        quota: 'transfer_bytes_per_month',
        max: this.limits.quotaTransferBytesPerMonth,
        used,
        month: m,
      });
    }
  }

  /** Gives back bytes charged for objects that were not written after all. */
  refundStorage(org: string, bytes: number): void {
    const b = this.bytes.get(org);
    if (b && bytes > 0) {
      b.pending -= bytes;
      this.later();
    }
  }
}

const quotaByStore = new WeakMap<Store, Quotas>();

/** The one Quotas of a store (its counts are in memory until flushed). */
export function quotas(store: Store, limits: QuotaLimits): Quotas {
  let q = quotaByStore.get(store);
  if (!q) {
    q = new Quotas(store, limits);
    quotaByStore.set(store, q);
  }
  return q;
}
