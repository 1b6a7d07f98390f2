/**
 * Commit-graph questions upload-pack asks: which commits to send given wants and haves, where
 * a shallow history is cut, whether negotiation may stop. Commits come from an ObjectFinder and
 * are parsed by the WASM core; each request keeps its own cache of parsed commits, and may
 * share one kept across requests (services/commit-cache.ts).
 */
import { parseCommitLinks } from '../wasm.js';
import type { ObjectFinder } from './object/finder.js';
import { oidFromHex, oidToHex } from './oid.js';
import { parseTag } from './object/tag.js';
import { Heap } from './heap.js';

export interface CommitInfo {
  oid: string;
  tree: string;
  parents: string[];
  time: number;
}

/** Parsed commits of one repo shared across requests: only commits the finder gave are put. */
export interface SharedCommits {
  get(oid: string): CommitInfo | undefined;
  set(oid: string, info: CommitInfo): void;
}

/** A commit's links, parsed (WASM) from its content. */
export function commitInfo(oid: string, data: Uint8Array): CommitInfo {
  const l = parseCommitLinks(data);
  return { oid, tree: oidToHex(l.tree), parents: l.parents.map(oidToHex), time: l.commitTime };
}

export class CommitGraph {
  private readonly cache = new Map<string, CommitInfo | null>();
  constructor(
    private readonly finder: ObjectFinder,
    private readonly shared?: SharedCommits,
  ) {}

  get(oid: string): CommitInfo | null {
    let c = this.cache.get(oid);
    if (c !== undefined) return c;
    c = this.shared?.get(oid) ?? null;
    if (c === null) {
      const o = this.finder.get(oidFromHex(oid));
      if (o && o.type === 1) {
        c = commitInfo(oid, o.data);
        this.shared?.set(oid, c);
      }
    }
    this.cache.set(oid, c);
    return c;
  }

  /** Follows annotated tags down to what they name; returns the tag oids passed on the way. */
  peel(oid: string): { target: string; type: number; tags: string[] } | null {
    const tags: string[] = [];
    for (let i = 0; i < 64; i++) {
      const o = this.finder.get(oidFromHex(oid));
      if (!o) return null;
      if (o.type !== 4) return { target: oid, type: o.type, tags };
      tags.push(oid);
      oid = parseTag(o.data).object;
    }
    return null;
  }

  /** True if some commit in `targets` is reachable from `from` (bounded). */
  reaches(from: string, targets: Set<string>, limit = 10_000): boolean {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0 && seen.size < limit) {
      const c = stack.pop()!;
      if (targets.has(c)) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      const info = this.get(c);
      if (info) stack.push(...info.parents);
    }
    return false;
  }
}

/**
 * Newest commit first, as git's revision walk goes. On equal times an uninteresting entry
 * comes first, so "the client has it" spreads before we send. `good` counts entries pushed
 * as interesting and not yet popped.
 */
class DateQueue {
  private readonly heap = new Heap<{ c: CommitInfo; bad: boolean }>(
    (x, y) => x.c.time > y.c.time || (x.c.time === y.c.time && x.bad && !y.bad),
  );
  good = 0;
  get size(): number {
    return this.heap.size;
  }
  peek(): { c: CommitInfo; bad: boolean } {
    return this.heap.peek();
  }
  push(c: CommitInfo, bad: boolean): void {
    if (!bad) this.good++;
    this.heap.push({ c, bad });
  }
  pop(): { c: CommitInfo; bad: boolean } {
    const top = this.heap.pop();
    if (!top.bad) this.good--;
    return top;
  }
}

const SLICE_COMMITS = 1024;

/** Clock skew we tolerate: uninteresting commits keep spreading this far below the oldest sent one. */
const SLOP_SECONDS = 24 * 3600;

export interface CommitSelection {
  /** commits to send, newest first */
  send: CommitInfo[];
  /** commits the client has whose trees bound the object walk */
  edges: CommitInfo[];
}

/**
 * Commits reachable from `wants` but not from `haves` (git's rev-list wants ^haves).
 * `cut`: commits whose parents are not followed (client shallow boundary on the have side,
 * new shallow boundary on the want side). `extraStarts`: parents to send although a have
 * reaches them (the history behind an unshallowed commit).
 */
export async function selectCommits(
  g: CommitGraph,
  wants: string[],
  haves: string[],
  opts: { haveCut?: Set<string>; wantCut?: Set<string>; excludeSince?: number; excluded?: Set<string> } = {},
): Promise<CommitSelection> {
  const state = new Map<string, 'good' | 'bad'>();
  const q = new DateQueue();
  const send: CommitInfo[] = [];
  const edgeSet = new Set<string>();
  for (const h of haves) {
    const c = g.get(h);
    if (c && state.get(h) !== 'bad') {
      state.set(h, 'bad');
      q.push(c, true);
    }
  }
  for (const w of wants) {
    const c = g.get(w);
    if (c && !state.has(w)) {
      state.set(w, 'good');
      q.push(c, false);
    }
  }
  let oldestSent = Infinity;
  // a long history is walked in slices, with the event loop running between them (commits
  // not parsed yet cost a store read and a parse each)
  for (let popped = 0; q.size > 0; popped++) {
    if (popped % SLICE_COMMITS === SLICE_COMMITS - 1) await new Promise<void>((r) => setImmediate(r));
    // only uninteresting commits left: they can still reach (and take back) commits we chose
    // to send, until they are older than all of those by more than the skew we tolerate
    if (q.good === 0 && (send.length === 0 || q.peek().c.time < oldestSent - SLOP_SECONDS)) break;
    const { c } = q.pop();
    const bad = state.get(c.oid) === 'bad';
    if (bad) {
      if (opts.haveCut?.has(c.oid)) continue;
      for (const p of c.parents) {
        if (state.get(p) === 'bad') continue;
        const pc = g.get(p);
        if (!pc) continue;
        state.set(p, 'bad');
        q.push(pc, true);
      }
      continue;
    }
    if (opts.excluded?.has(c.oid)) continue;
    if (opts.excludeSince !== undefined && c.time < opts.excludeSince) continue;
    send.push(c);
    if (c.time < oldestSent) oldestSent = c.time;
    if (opts.wantCut?.has(c.oid)) continue;
    for (const p of c.parents) {
      const s = state.get(p);
      if (s === 'bad') {
        edgeSet.add(p);
        continue;
      }
      if (s === 'good') continue;
      const pc = g.get(p);
      if (!pc) continue;
      state.set(p, 'good');
      q.push(pc, false);
    }
  }
  // a commit first queued as good and later found bad was still sent: drop it now
  const finalSend = send.filter((c) => state.get(c.oid) !== 'bad');
  for (const c of send) for (const p of c.parents) if (state.get(p) === 'bad') edgeSet.add(p);
  const edges = [...edgeSet].map((o) => g.get(o)).filter((c): c is CommitInfo => c !== null);
  return { send: finalSend, edges };
}

/**
 * The shallow boundary for `deepen N`: commits at depth N from the starts (depth 1 = the starts)
 * keep no parents. Returns the boundary and every commit within the depth.
 */
export function shallowByDepth(g: CommitGraph, starts: string[], depth: number): { boundary: Set<string>; within: Set<string> } {
  const boundary = new Set<string>();
  const best = new Map<string, number>();
  let frontier = starts.filter((s) => g.get(s));
  for (const s of frontier) best.set(s, 1);
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const oid of frontier) {
      const c = g.get(oid)!;
      if (d >= depth) {
        if (c.parents.length > 0) boundary.add(oid);
        continue;
      }
      for (const p of c.parents) {
        const known = best.get(p);
        if (known !== undefined && known <= d + 1) continue;
        if (!g.get(p)) continue;
        best.set(p, d + 1);
        boundary.delete(p);
        next.push(p);
      }
    }
    frontier = next;
  }
  // a commit reached at a shallower depth by another path is not a boundary
  for (const b of [...boundary]) if ((best.get(b) ?? 0) < depth) boundary.delete(b);
  return { boundary, within: new Set(best.keys()) };
}

/** Boundary for deepen-since / deepen-not: sent commits whose parents are all or partly not sent. */
export function shallowByExclusion(g: CommitGraph, sent: CommitInfo[]): Set<string> {
  const sentSet = new Set(sent.map((c) => c.oid));
  const boundary = new Set<string>();
  for (const c of sent) if (c.parents.some((p) => !sentSet.has(p))) boundary.add(c.oid);
  return boundary;
}
