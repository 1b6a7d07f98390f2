/**
 * Garbage collection of the object store, online: beside a running server (on a schedule, or
 * asked for with `gitwell gc`), or with none.
 *
 * What goes: objects no repo holds (a refused push's, a push's cut short by a crash, a deleted
 * repo's), once they have been seen so for `graceMs`; memberships of repos that no longer
 * exist; and with `pruneUnreachable`, a repo's hold on objects none of its refs or snapshots
 * reaches (force pushes, deleted branches), as `git gc --prune=now` would. What a kept object's
 * stored delta is made on stays, down its chain.
 *
 * Why it is safe beside pushes: a push's objects are held by no repo until its ref transaction,
 * so writers hold the store's WriteGate (core/write-gate.ts) from their first object to their
 * ref transaction, and objects are removed only with the gate held alone. The store is scanned
 * first without the gate (reads go on as usual); if a writer came or went meanwhile, it is
 * scanned again with the gate held, so what is removed was garbage at the moment it went.
 * Every scan runs in time slices, so requests are served throughout. A fork adds members too
 * (services/forks.ts): it holds the gate as well.
 */
import { walkObjectsAsync } from '../core/walk.js';
import { oidFromHex } from '../core/oid.js';
import { Slicer } from '../core/slice.js';
import { WriteGate } from '../core/write-gate.js';
import type { Membership, Store } from '../../storage/index.js';
import { repoFinder } from './objects.js';

export interface GcOptions {
  /** objects are removed once they have been held by no repo for this long (0: at once) */
  graceMs: number;
  pruneUnreachable?: boolean;
  /** how long to wait for a moment with no push in flight before holding new ones back */
  patienceMs?: number;
  /** true while another process adds objects to the store (services/other-writers.ts): nothing is removed then */
  othersWriting?: () => boolean;
}

export interface GcReport {
  repos: number;
  /** memberships dropped because no ref of the repo reaches the object */
  unreachable: number;
  /** memberships dropped because their repo no longer exists */
  orphanMembers: number;
  kept: number;
  removed: number;
  removedBytes: number;
  /** objects held by no repo, kept for now: seen so for less than the grace period */
  deferred: number;
  ms: number;
}

const PAGE = 4096;
const DEFAULT_PATIENCE_MS = 60_000;

interface Scan {
  live: Set<string>;
  orphanMembers: Membership[];
  /** objects no repo holds, and none of what it holds is a delta on */
  garbage: Buffer[];
}

export class Collector {
  /** object (latin1 key) -> when it was first seen held by no repo (this process's memory) */
  private readonly firstSeen = new Map<string, number>();

  constructor(
    private readonly store: Store,
    readonly gate: WriteGate,
  ) {}

  run(opts: GcOptions): Promise<GcReport> {
    const patience = opts.patienceMs ?? DEFAULT_PATIENCE_MS;
    const t0 = Date.now();
    const slicer = new Slicer();
    if (opts.pruneUnreachable) {
      // dropping holds while a push walks down to what its repo holds would let it land on
      // objects about to go: the whole run keeps writers out
      return this.gate.alone(async () => {
        const unreachable = await this.pruneUnreachable(slicer);
        return this.sweep(await this.scan(slicer), opts, slicer, t0, unreachable);
      }, patience);
    }
    return (async () => {
      const quiet = this.gate.inside === 0;
      const mark = this.gate.entered;
      const first = await this.scan(slicer);
      return this.gate.alone(async () => {
        const scan = quiet && this.gate.entered === mark ? first : await this.scan(slicer);
        return this.sweep(scan, opts, slicer, t0, 0);
      }, patience);
    })();
  }

  /** Removes what the scan found (called with the gate held alone). */
  private async sweep(scan: Scan, opts: GcOptions, slicer: Slicer, t0: number, unreachable: number): Promise<GcReport> {
    const now = Date.now();
    const graceMs = opts.graceMs;
    // an import in another process may be between its objects and its refs: its objects are
    // held by no repo yet and must stay, so nothing goes this round
    const hold = opts.othersWriting?.() ?? false;
    const seen = new Map<string, number>();
    const due: Buffer[] = [];
    for (const oid of scan.garbage) {
      const k = oid.toString('latin1');
      const since = this.firstSeen.get(k) ?? now;
      seen.set(k, since);
      if (!hold && now - since >= graceMs) due.push(oid);
    }
    // forget what is no longer garbage (it joined a repo again)
    this.firstSeen.clear();
    for (const [k, since] of seen) this.firstSeen.set(k, since);
    let removed = 0;
    let removedBytes = 0;
    for (let i = 0; i < due.length; i += PAGE) {
      const r = this.store.removeObjects(due.slice(i, i + PAGE));
      removed += r.removed;
      removedBytes += r.bytes;
      for (const oid of due.slice(i, i + PAGE)) this.firstSeen.delete(oid.toString('latin1'));
      if (slicer.due()) await slicer.pause();
    }
    for (let i = 0; i < scan.orphanMembers.length; i += PAGE) {
      this.store.removeMemberships(scan.orphanMembers.slice(i, i + PAGE));
      if (slicer.due()) await slicer.pause();
    }
    return {
      repos: this.store.allRepos().length,
      unreachable,
      orphanMembers: scan.orphanMembers.length,
      kept: scan.live.size,
      removed,
      removedBytes,
      deferred: scan.garbage.length - due.length,
      ms: Date.now() - t0,
    };
  }

  /** What every repo holds (with what that is a delta on), and what no repo does. */
  private async scan(slicer: Slicer): Promise<Scan> {
    const store = this.store;
    const live = new Set<string>();
    const orphanMembers: Membership[] = [];
    const exists = new Map<number, boolean>();
    for (let page = store.membershipPage(null, PAGE); page.length > 0; page = store.membershipPage(page[page.length - 1], PAGE)) {
      for (const m of page) {
        let known = exists.get(m.repoId);
        if (known === undefined) exists.set(m.repoId, (known = store.getRepo(m.repoId) !== undefined));
        if (known) live.add(m.oid.toString('latin1'));
        else orphanMembers.push(m);
      }
      if (slicer.due()) await slicer.pause();
    }
    // what a kept entry is a delta on is kept too, down its whole chain
    const todo = [...live];
    for (let n = 0; todo.length > 0; n++) {
      const base = store.viewPacked(Buffer.from(todo.pop()!, 'latin1'))?.base;
      if (base) {
        const b = Buffer.from(base).toString('latin1');
        if (!live.has(b)) {
          live.add(b);
          todo.push(b);
        }
      }
      if ((n & 1023) === 0 && slicer.due()) await slicer.pause();
    }
    const garbage: Buffer[] = [];
    for (let page = store.objectPage(null, PAGE); page.length > 0; page = store.objectPage(page[page.length - 1], PAGE)) {
      for (const oid of page) if (!live.has(oid.toString('latin1'))) garbage.push(oid);
      if (slicer.due()) await slicer.pause();
    }
    return { live, orphanMembers, garbage };
  }

  private async pruneUnreachable(slicer: Slicer): Promise<number> {
    let unreachable = 0;
    for (const repo of this.store.allRepos()) {
      const reached = new Set<string>();
      // a snapshot is a ref by another name: its commit stays restorable
      const tips = [...this.store.listRefs(repo.id).map((r) => r.oid), ...this.store.listSnapshots(repo.id).map((s) => s.commitSha)].map(oidFromHex);
      await walkObjectsAsync(repoFinder(this.store, repo), tips, { visit: (oid) => reached.add(oid.toString('latin1')) });
      unreachable += this.store.retainMembers(repo.id, (oid) => reached.has(oid.toString('latin1')));
      if (slicer.due()) await slicer.pause();
    }
    return unreachable;
  }
}

/** One line for a person. */
export function gcSummary(r: GcReport): string {
  return `${r.removed} objects removed (${r.removedBytes} bytes), ${r.kept} kept, ${r.deferred} held by no repo kept for the grace period, ${r.unreachable} unreachable memberships dropped, ${r.orphanMembers} memberships of deleted repos dropped, over ${r.repos} repos in ${r.ms} ms`;
}

const collectors = new WeakMap<Store, Collector>();

/** The one collector of a store, and with it the store's WriteGate. */
export function collectorOf(store: Store): Collector {
  let c = collectors.get(store);
  if (!c) collectors.set(store, (c = new Collector(store, new WriteGate())));
  return c;
}

/** The gate every writer that adds members to a repo holds from its first object on. */
export function writeGate(store: Store): WriteGate {
  return collectorOf(store).gate;
}
