/**
 * Merge bases, as git finds them (commit-reach.c: paint_down_to_common, merge_bases_many,
 * remove_redundant, get_merge_bases): walk down from both commits newest first (equal times
 * in the order queued), marking what each reaches; a commit both reach is a candidate and
 * what lies below it is stale; of the candidates, drop any another one reaches. Newest first.
 *
 * Commits come from a CommitSource, so a merge can add the virtual commits it makes of merged
 * merge bases (criss-cross histories): time 0 and the two commits they merged as parents, as
 * git's make_virtual_commit leaves them.
 */
import type { CommitInfo } from '../commit-graph.js';
import { Heap } from '../heap.js';
import { finish, type Steps } from '../slice.js';

/** Commits a walk takes between two chances to stop (core/slice.ts). */
const STEP_COMMITS = 256;

export interface CommitSource {
  get(oid: string): CommitInfo | null;
}

const P1 = 1, P2 = 2, STALE = 4, RESULT = 8;

/** git's prio_queue of commits by date: newest first, ties first in first out. */
class DateQueue {
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

/** paint_down_to_common; `flags` keeps the marks (the caller inspects them). */
function* paint(g: CommitSource, one: CommitInfo, twos: CommitInfo[], flags: Map<string, number>): Steps<CommitInfo[]> {
  const mark = (c: CommitInfo, f: number) => flags.set(c.oid, (flags.get(c.oid) ?? 0) | f);
  mark(one, P1);
  if (twos.length === 0) return [one];
  const q = new DateQueue();
  q.push(one);
  for (const t of twos) {
    mark(t, P2);
    q.push(t);
  }
  const result: CommitInfo[] = [];
  const nonStale = () => {
    for (const c of q) if (!((flags.get(c.oid) ?? 0) & STALE)) return true;
    return false;
  };
  for (let n = 1; q.size > 0 && nonStale(); n++) {
    if (n % STEP_COMMITS === 0) yield;
    const c = q.pop();
    let f = (flags.get(c.oid) ?? 0) & (P1 | P2 | STALE);
    if (f === (P1 | P2)) {
      if (!((flags.get(c.oid) ?? 0) & RESULT)) {
        mark(c, RESULT);
        result.push(c);
      }
      f |= STALE;
    }
    for (const p of c.parents) {
      if (((flags.get(p) ?? 0) & f) === f) continue;
      const pc = g.get(p);
      if (!pc) continue; // a shallow or missing parent
      mark(pc, f);
      q.push(pc);
    }
  }
  return result;
}

/** commit_list_insert_by_date: newest first, a later one of equal date after the earlier. */
function byDate(list: CommitInfo[]): CommitInfo[] {
  const out: CommitInfo[] = [];
  for (const c of list) {
    let i = 0;
    while (i < out.length && !(out[i].time < c.time)) i++;
    out.splice(i, 0, c);
  }
  return out;
}

function* removeRedundant(g: CommitSource, array: CommitInfo[]): Steps<CommitInfo[]> {
  const redundant = new Array<boolean>(array.length).fill(false);
  for (let i = 0; i < array.length; i++) {
    if (redundant[i]) continue;
    const work: CommitInfo[] = [];
    const index: number[] = [];
    for (let j = 0; j < array.length; j++) {
      if (i === j || redundant[j]) continue;
      work.push(array[j]);
      index.push(j);
    }
    const flags = new Map<string, number>();
    yield* paint(g, array[i], work, flags);
    if ((flags.get(array[i].oid) ?? 0) & P2) redundant[i] = true;
    work.forEach((w, k) => {
      if ((flags.get(w.oid) ?? 0) & P1) redundant[index[k]] = true;
    });
  }
  return array.filter((_, i) => !redundant[i]);
}

/** get_merge_bases(a, b): the best common ancestors, newest first; [] when unrelated. */
export function mergeBases(g: CommitSource, a: string, b: string): string[] {
  return finish(mergeBasesSteps(g, a, b));
}

/** mergeBases in steps: it stops every few hundred commits (see core/slice.ts). */
export function* mergeBasesSteps(g: CommitSource, a: string, b: string): Steps<string[]> {
  const ca = g.get(a);
  const cb = g.get(b);
  if (!ca || !cb) return [];
  if (a === b) return [a];
  const flags = new Map<string, number>();
  const painted = yield* paint(g, ca, [cb], flags);
  const list = byDate(painted.filter((c) => !((flags.get(c.oid) ?? 0) & STALE)));
  if (list.length <= 1) return list.map((c) => c.oid);
  return byDate(yield* removeRedundant(g, list)).map((c) => c.oid);
}
