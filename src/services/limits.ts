/**
 * Quotas and usage counters, per org: repositories, bytes stored, API calls per UTC calendar
 * month, bytes of pushes received per month (transfer: a push counts whether it is accepted or
 * refused, so refused pushes cannot fill a disk outside every quota); and, metered without a
 * quota, git smart HTTP requests and bytes in and out per month. A refusal carries `used` and
 * `limit` where Coregit's error body has them (its free-tier 429s).
 *
 * What a crash may lose, and why:
 * - storage bytes: nothing. They are added in the same transaction as the objects they count
 *   (updateRefs' WriteContext.usage), so the counter and the data are never apart. Here they
 *   are only reserved before the write (the quota check) and settled after it.
 * - API calls and git transfer: at most the last `usageFlushMs` (1 s by default) of counts.
 *   They are counted in memory and written every usageFlushMs, as one queued add per org
 *   that the writer thread commits (the main thread never waits for the disk). Writing each
 *   request's count durably would put a disk commit on every request, the 304s and 429s
 *   of the hot path included, which answer in microseconds. A clean stop (SIGTERM) writes
 *   everything before it exits.
 */
import { GitwellError } from '../core/errors.js';
import type { Store } from '../../storage/index.js';

export interface QuotaLimits {
  quotaRepos: number;
  quotaStorageBytes: number;
  quotaApiCallsPerMonth: number;
  usageFlushMs?: number;
  quotaTransferBytesPerMonth?: number;
}

/** The counters kept per org and month: "<org>:<YYYY-MM>". */
export type MonthCounter = 'api_calls' | 'git_requests' | 'git_bytes_in' | 'git_bytes_out' | 'transfer_bytes';
/** The counters kept per org: "<org>". */
export type OrgCounter = 'storage_bytes';

const COMPACT_EVERY = 60;

let monthAt = 0;
let monthStr = '';
/** "YYYY-MM" (UTC), recomputed at most once a second */
export function currentMonth(): string {
  const now = Date.now();
  if (now - monthAt > 1000) {
    monthStr = new Date(now).toISOString().slice(0, 7);
    monthAt = now;
  }
  return monthStr;
}

type Counts = Record<string, number>;

interface Month {
  month: string;
  /** as read from the store at first use, plus what was written since */
  stored: Counts;
  /** counted here, not written yet */
  pending: Counts;
  /** queued for the writer, not committed yet */
  flying: Counts;
}

const add = (into: Counts, k: string, n: number) => (into[k] = (into[k] ?? 0) + n);

export class Quotas {
  private readonly months = new Map<string, Month>();
  /** org -> bytes: stored (in the store) and reserved (charged, being written) */
  private readonly bytes = new Map<string, { stored: number; reserved: number }>();
  private timer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private flushes = 0;

  constructor(private readonly store: Store, private readonly limits: QuotaLimits) {}

  private counter(org: string): Month {
    const m = currentMonth();
    let c = this.months.get(org);
    if (!c || c.month !== m) {
      if (c) this.write(org, c);
      c = { month: m, stored: this.store.getUsage(`${org}:${m}`), pending: {}, flying: {} };
      this.months.set(org, c);
    }
    return c;
  }

  /** Counts one call, or throws QUOTA_EXCEEDED when the org has used its calls of the month. */
  countCall(org: string): void {
    const c = this.counter(org);
    const used = (c.stored.api_calls ?? 0) + (c.flying.api_calls ?? 0) + (c.pending.api_calls ?? 0);
    if (used >= this.limits.quotaApiCallsPerMonth) {
      throw new GitwellError('QUOTA_EXCEEDED', `the monthly quota of ${this.limits.quotaApiCallsPerMonth} API calls is used up`, {
        quota: 'api_calls_per_month',
        max: this.limits.quotaApiCallsPerMonth,
        month: c.month,
      }, { used, limit: this.limits.quotaApiCallsPerMonth });
    }
    add(c.pending, 'api_calls', 1);
    this.later();
  }

  /** Takes back a call that cost nothing (a 304). Never reads the store. */
  uncountCall(org: string): void {
    const c = this.months.get(org);
    if (c && (c.pending.api_calls ?? 0) > 0) c.pending.api_calls--;
  }

  /** Meters git smart HTTP for the org that owns the repo. */
  countGit(org: string, counts: Partial<Record<'git_requests' | 'git_bytes_in' | 'git_bytes_out', number>>): void {
    const c = this.counter(org);
    for (const [k, n] of Object.entries(counts)) if (n) add(c.pending, k, n);
    this.later();
  }

  private later(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.limits.usageFlushMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Queues one add per org of what was counted; what fails to be written is counted again. */
  private write(org: string, c: Month): void {
    const delta = c.pending;
    if (Object.keys(delta).length === 0) return;
    c.pending = {};
    for (const [k, n] of Object.entries(delta)) add(c.flying, k, n);
    const land = (into: Counts) => {
      for (const [k, n] of Object.entries(delta)) {
        add(c.flying, k, -n);
        add(into, k, n);
      }
    };
    const p = this.store.addUsage(`${org}:${c.month}`, delta).then(
      () => land(c.stored),
      () => {
        // not written (a full disk): counted again, and tried at the next flush
        land(c.pending);
        this.later();
      },
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  flush(): void {
    this.timer = null;
    try {
      for (const [org, c] of this.months) this.write(org, c);
      if (++this.flushes % COMPACT_EVERY === 0) this.store.compactUsage();
    } catch {
      // the store was closed (shutdown) under a timer
    }
  }

  /** A clean stop: waits for the adds under way, then writes what is left before returning. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await Promise.all([...this.inFlight]);
    for (const [org, c] of this.months) this.write(org, c);
    await Promise.all([...this.inFlight]);
  }

  /**
   * What the org used in `month` ("YYYY-MM"), what is not written yet included. The current
   * month is this process's own tally (read from the store once, then kept): an add that is
   * committed but not yet confirmed would be counted twice by reading the store beside it.
   */
  usage(org: string, month: string): Counts {
    if (month !== currentMonth()) return this.store.getUsage(`${org}:${month}`);
    const c = this.counter(org);
    const out = { ...c.stored };
    for (const [k, n] of Object.entries(c.flying)) add(out, k, n);
    for (const [k, n] of Object.entries(c.pending)) add(out, k, n);
    return out;
  }

  storageUsed(org: string): number {
    return this.storage(org).stored;
  }

  checkRepos(org: string): void {
    const n = this.store.listRepos(org).length;
    if (n >= this.limits.quotaRepos) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org has its quota of ${this.limits.quotaRepos} repositories`, { quota: 'repos', max: this.limits.quotaRepos }, { used: n, limit: this.limits.quotaRepos });
    }
  }

  private storage(org: string): { stored: number; reserved: number } {
    let b = this.bytes.get(org);
    if (!b) this.bytes.set(org, (b = { stored: this.store.getUsage(org).storage_bytes ?? 0, reserved: 0 }));
    return b;
  }

  /** Reserves `bytes` of the org's storage for a write, or throws QUOTA_EXCEEDED. */
  chargeStorage(org: string, bytes: number): void {
    const b = this.storage(org);
    const used = b.stored + b.reserved;
    if (used + bytes > this.limits.quotaStorageBytes) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org's storage quota of ${this.limits.quotaStorageBytes} bytes would be exceeded`, {
        quota: 'storage_bytes',
        max: this.limits.quotaStorageBytes,
        used,
        needed: bytes,
      }, { used, limit: this.limits.quotaStorageBytes });
    }
    if (bytes > 0) b.reserved += bytes;
  }

  /** The reserved bytes were written, and counted in the store in the same transaction. */
  storageWritten(org: string, bytes: number): void {
    const b = this.storage(org);
    b.reserved -= bytes;
    b.stored += bytes;
  }

  /**
   * Counts `bytes` of a push received for the org, then throws QUOTA_EXCEEDED when the
   * month's transfer is over the quota: the bytes came whatever the answer, so they count.
   */
  countTransfer(org: string, bytes: number): void {
    const c = this.counter(org);
    add(c.pending, 'transfer_bytes', bytes);
    this.later();
    const max = this.limits.quotaTransferBytesPerMonth ?? Infinity;
    const used = (c.stored.transfer_bytes ?? 0) + (c.flying.transfer_bytes ?? 0) + (c.pending.transfer_bytes ?? 0);
    if (used > max) {
      throw new GitwellError('QUOTA_EXCEEDED', `the org's monthly transfer quota of ${max} bytes of pushes is used up`, { quota: 'transfer_bytes_per_month', max, used, month: c.month }, { used, limit: max });
    }
  }

  /** Gives back bytes reserved for objects that were not written after all. */
  refundStorage(org: string, bytes: number): void {
    const b = this.bytes.get(org);
    if (b) b.reserved -= bytes;
  }

  /** Reads the stored figure again (after a write that may or may not have landed, a push). */
  settleStorage(org: string, reserved: number): void {
    const b = this.storage(org);
    b.reserved -= reserved;
    b.stored = this.store.getUsage(org).storage_bytes ?? 0;
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
