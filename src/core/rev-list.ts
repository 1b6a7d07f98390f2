/**
 * Listing history as git does (revision.c: limit_list; `git rev-list include ^exclude`) and
 * ordering it parents first, on CommitGraph's parsed-commit cache. compare uses it for
 * ahead/behind and its commit list, cherry-pick for the commits it replays.
 */
import type { CommitGraph, CommitInfo } from './commit-graph.js';
import { Heap } from './heap.js';
import { finish, type Steps } from './slice.js';

/** Commits a walk takes between two chances to stop (core/slice.ts). */
const STEP_COMMITS = 256;

/** A max-heap on commit time; among equal times, first in first out (git's prio_queue). */
class CommitQueue implements Iterable<CommitInfo> {
  private seq = 0;
  private readonly heap = new Heap<{ c: CommitInfo; seq: number }>((a, b) => a.c.time > b.c.time || (a.c.time === b.c.time && a.seq < b.seq));
  get size(): number {
    return this.heap.size;
  }
  *[Symbol.iterator](): Iterator<CommitInfo> {
    for (const x of this.heap) yield x.c;
  }
  push(c: CommitInfo): void {
    this.heap.push({ c, seq: this.seq++ });
  }
  pop(): CommitInfo {
    return this.heap.pop().c;
  }
}

const UNINTERESTING = 1, SEEN = 2;
const SLOP = 5;

/**
 * `git rev-list include ^exclude`, newest first (git's limit_list): a date-ordered walk where
 * reaching a commit from an excluded one marks it and its already-walked ancestors excluded.
 * The walk stops once every queued commit is excluded and none of them is as new as a listed
 * commit (so a queued one could not reach it without a clock skew), plus SLOP more steps.
 */
export function revList(g: CommitGraph, include: string[], exclude: string[]): CommitInfo[] {
  return finish(revListSteps(g, include, exclude));
}

/** revList in steps: it stops every few hundred commits (see core/slice.ts). */
export function* revListSteps(g: CommitGraph, include: string[], exclude: string[]): Steps<CommitInfo[]> {
  const flags = new Map<string, number>();
  const q = new CommitQueue();
  const enqueue = (oid: string, f: number) => {
    const c = g.get(oid);
    if (!c) return;
    flags.set(oid, (flags.get(oid) ?? 0) | f | SEEN);
    q.push(c);
  };
  const markExcluded = (start: string) => {
    const stack = [start];
    while (stack.length > 0) {
      const oid = stack.pop()!;
      const f = flags.get(oid) ?? 0;
      if (f & UNINTERESTING) continue;
      if (!(f & SEEN)) {
        enqueue(oid, UNINTERESTING);
        continue;
      }
      flags.set(oid, f | UNINTERESTING);
      const c = g.get(oid);
      if (c) stack.push(...c.parents);
    }
  };
  for (const x of exclude) if (!((flags.get(x) ?? 0) & UNINTERESTING)) enqueue(x, UNINTERESTING);
  for (const x of include) if (!flags.has(x)) enqueue(x, 0);

  const listed: CommitInfo[] = [];
  let oldestListed = Infinity;
  let slop = SLOP;
  for (let n = 1; q.size > 0; n++) {
    if (n % STEP_COMMITS === 0) yield;
    const c = q.pop();
    if (flags.get(c.oid)! & UNINTERESTING) {
      for (const p of c.parents) markExcluded(p);
    } else {
      listed.push(c);
      oldestListed = Math.min(oldestListed, c.time);
      for (const p of c.parents) if (!flags.has(p)) enqueue(p, 0);
    }
    let allExcluded = true;
    let newest = -Infinity;
    for (const x of q) {
      if (!(flags.get(x.oid)! & UNINTERESTING)) {
        allExcluded = false;
        break;
      }
      newest = Math.max(newest, x.time);
    }
    if (!allExcluded || newest >= oldestListed) slop = SLOP;
    else if (--slop <= 0) break;
  }
  return listed.filter((c) => !(flags.get(c.oid)! & UNINTERESTING));
}

/** Parents before children; otherwise oldest first. */
export function oldestFirst(commits: CommitInfo[]): CommitInfo[] {
  const byOid = new Map(commits.map((c) => [c.oid, c]));
  const done = new Set<string>();
  const out: CommitInfo[] = [];
  for (let i = commits.length - 1; i >= 0; i--) {
    const stack: Array<{ c: CommitInfo; next: number }> = [{ c: commits[i], next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (done.has(top.c.oid)) {
        stack.pop();
        continue;
      }
      const p = top.c.parents[top.next++];
      if (p === undefined) {
        done.add(top.c.oid);
        out.push(top.c);
        stack.pop();
      } else {
        const pc = byOid.get(p);
        if (pc && !done.has(p)) stack.push({ c: pc, next: 0 });
      }
    }
  }
  return out;
}
