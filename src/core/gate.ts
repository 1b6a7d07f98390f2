/**
 * A first-come, first-served semaphore: at most `limit` holders at once, the rest wait in
 * arrival order. Bounds work whose memory is large, so that N of them at once cost N bounded
 * shares instead of whatever arrives.
 */
export class Gate {
  private holders = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!(limit >= 1)) throw new RangeError(`Gate: limit must be at least 1, got ${limit}`);
  }

  /** Holders now, and callers waiting. */
  get load(): { holding: number; waiting: number } {
    return { holding: this.holders, waiting: this.waiting.length };
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.holders < this.limit) this.holders++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      // the place passes straight to the next in line (holders stays the same)
      const next = this.waiting.shift();
      if (next) next();
      else this.holders--;
    }
  }
}
