/**
 * Cooperative time slices for long work on the event loop's thread (a push's ingest, a walk
 * over a big history): the work calls `due()` between small steps, and when its slice is
 * spent awaits `pause()`, which lets the event loop run (other requests, I/O callbacks)
 * before it goes on. Slices are measured in time, not steps: a step may be a 20-byte tree or
 * a 50 MiB blob.
 */
import { performance } from 'node:perf_hooks';

/** A slice's length: short enough that a request waiting behind it is barely delayed. */
export const SLICE_MS = 8;

export class Slicer {
  private until: number;

  constructor(private readonly ms = SLICE_MS) {
    this.until = performance.now() + ms;
  }

  /** True when the current slice is spent. */
  due(): boolean {
    return performance.now() >= this.until;
  }

  /** Resolves on a later turn of the event loop; the next slice starts then. */
  pause(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        this.until = performance.now() + this.ms;
        resolve();
      }),
    );
  }

  /** `pause()` when the slice is spent, else nothing to wait for. */
  tick(): Promise<void> | undefined {
    return this.due() ? this.pause() : undefined;
  }
}

/**
 * Work written as a generator that yields wherever it may stop for a while (between two trees
 * of a diff, two commits of a walk). The same code runs straight through (`finish`) for
 * callers that need a value now, or in slices (`finishSliced`) on a request path.
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end without stopping. */
export function finish<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Runs `steps` in time slices, letting the event loop run whenever a slice is spent. Past
 * `deadline` (a performance.now() time) it stops with `overrun()`'s error: a cost limit for
 * work whose size the caller cannot know in advance.
 */
export async function finishSliced<T>(steps: Steps<T>, slicer: Slicer = new Slicer(), deadline = Infinity, overrun?: () => Error): Promise<T> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (slicer.due()) {
      if (performance.now() > deadline) {
        steps.return(undefined as T);
        throw overrun ? overrun() : new Error('work ran past its deadline');
      }
      await slicer.pause();
    }
  }
}
