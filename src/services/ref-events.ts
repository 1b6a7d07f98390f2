/**
 * The moves of refs, as a feed watchers subscribe to: every ref a transaction moved (a push, an
 * API commit, a ref or branch write, a merge, a restore; whatever went through
 * Store.updateRefs) becomes one event the moment it is visible, numbered by a sequence of this
 * process. Each repo keeps its last RECENT events, so that a watcher that reconnects with the
 * number of the last event it saw gets everything after it.
 *
 * An event's number says nothing across restarts: `epoch` (random per process) tells a number
 * of this process from one of another.
 */
import { randomBytes } from 'node:crypto';
import type { RefsUpdated, Store } from '../../storage/index.js';

export interface RefEvent {
  seq: number;
  repoId: number;
  ref: string;
  previous: string | null;
  /** null: the ref was deleted */
  next: string | null;
  /** when it became visible, ms since the epoch */
  ts: number;
}

/** Events kept per repo for reconnecting watchers. */
export const RECENT = 1024;

export type RefListener = (e: RefEvent) => void;

export class RefFeed {
  /** tells this process's sequence numbers from those of another */
  readonly epoch = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly recent = new Map<number, RefEvent[]>();
  /** per repo, the number of the newest event no longer kept */
  private readonly dropped = new Map<number, number>();
  private readonly listeners = new Map<number, Set<RefListener>>();

  constructor(store: Store) {
    store.onRefsUpdated((e) => this.publish(e));
  }

  /** The number of the last event of any repo (0 before the first). */
  get last(): number {
    return this.seq;
  }

  private publish(e: RefsUpdated): void {
    const ts = Date.now();
    for (const u of e.updates) {
      const ev: RefEvent = { seq: ++this.seq, repoId: e.repoId, ref: u.name, previous: u.previous, next: u.next, ts };
      let list = this.recent.get(e.repoId);
      if (!list) this.recent.set(e.repoId, (list = []));
      list.push(ev);
      if (list.length > RECENT) this.dropped.set(e.repoId, list.splice(0, list.length - RECENT).at(-1)!.seq);
      for (const l of this.listeners.get(e.repoId) ?? []) l(ev);
    }
  }

  /**
   * The repo's events after `seq`, oldest first; null when some of them are no longer kept
   * (the caller then knows it may have missed moves).
   */
  since(repoId: number, seq: number): RefEvent[] | null {
    if (seq > this.seq || (this.dropped.get(repoId) ?? 0) > seq) return null;
    const list = this.recent.get(repoId) ?? [];
    const i = list.findIndex((e) => e.seq > seq);
    return i < 0 ? [] : list.slice(i);
  }

  /** Calls `fn` with every later event of the repo; returns the function that stops it. */
  subscribe(repoId: number, fn: RefListener): () => void {
    let set = this.listeners.get(repoId);
    if (!set) this.listeners.set(repoId, (set = new Set()));
    set.add(fn);
    return () => {
      set.delete(fn);
      if (set.size === 0) this.listeners.delete(repoId);
    };
  }
}

const feeds = new WeakMap<Store, RefFeed>();

/** The feed of a store (one per store, made on first use). */
export function refFeed(store: Store): RefFeed {
  let f = feeds.get(store);
  if (!f) feeds.set(store, (f = new RefFeed(store)));
  return f;
}
