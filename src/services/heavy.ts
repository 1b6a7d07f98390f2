/**
 * Requests whose work grows with the repository (diff, compare, recursive tree listings, batch
 * reads) run in time slices (core/slice.ts), at most HEAVY_AT_ONCE of them at a time, each
 * within HEAVY_DEADLINE_MS of work.
 *
 * Why a gate as well as slices: in one turn the event loop runs every slice that was queued
 * before it reads its sockets again, so eight compares in slices of 8 ms would still hold
 * every other request ~64 ms a turn; two at a time bound it to ~16 ms. Those waiting queue in
 * arrival order and cost nothing meanwhile. The deadline is the cost limit of work whose size
 * is not known before it runs (a compare of two long unrelated histories): past it the
 * request fails with TIMEOUT (504) instead of holding its share of the server.
 */
import { GitwellError } from '../core/errors.js';
import { Gate } from '../core/gate.js';
import { finishSliced, Slicer, type Steps } from '../core/slice.js';

export const HEAVY_AT_ONCE = 2;
export const HEAVY_DEADLINE_MS = 20_000;
/** shorter than other work's slices: two of them may run in one turn of the event loop */
export const HEAVY_SLICE_MS = 4;

const gate = new Gate(HEAVY_AT_ONCE);

/** Runs the steps `start()` makes, in slices, once a place is free. */
export function heavy<T>(what: string, start: () => Steps<T>): Promise<T> {
  return gate.run(() => {
    const deadline = performance.now() + HEAVY_DEADLINE_MS;
    const overrun = () => new GitwellError('TIMEOUT', `${what} took longer than ${HEAVY_DEADLINE_MS / 1000} s: ask for less`, { limit_ms: HEAVY_DEADLINE_MS });
    return finishSliced(start(), new Slicer(HEAVY_SLICE_MS), deadline, overrun);
  });
}
