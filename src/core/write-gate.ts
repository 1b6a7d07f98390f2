/**
 * Writers and the garbage collector. A push writes its objects first and makes them members
 * of its repo only at its ref transaction; until then they look exactly like garbage (objects
 * no repo holds). So every writer that adds members holds this gate from its first object to
 * its ref transaction, any number of them at once, and the collector removes objects only
 * while it holds the gate alone.
 *
 * The collector is patient: it waits for a moment when no writer is inside, without keeping
 * new writers out, for up to `patienceMs`; after that new writers wait until it is done (so a
 * steady stream of overlapping pushes cannot put it off for ever). `entered` counts writers
 * let in: a collector that scanned the store without the gate compares it to know whether a
 * writer came and went meanwhile.
 */
export class WriteGate {
  private writers = 0;
  private collecting = false;
  /** the collector ran out of patience: new writers wait */
  private urgent = false;
  private readonly waitingWriters: Array<() => void> = [];
  private readonly waitingForIdle: Array<() => void> = [];
  private collectors: Promise<unknown> = Promise.resolve();
  entered = 0;

  /** Writers inside now. */
  get inside(): number {
    return this.writers;
  }

  async write<T>(work: () => Promise<T>): Promise<T> {
    while (this.collecting || this.urgent) await new Promise<void>((r) => this.waitingWriters.push(r));
    this.writers++;
    this.entered++;
    try {
      return await work();
    } finally {
      this.writers--;
      if (this.writers === 0) for (const w of this.waitingForIdle.splice(0)) w();
    }
  }

  /** Runs `work` with no writer inside; collectors run one at a time. */
  alone<T>(work: () => Promise<T>, patienceMs: number): Promise<T> {
    const run = this.collectors.then(async () => {
      const timer = setTimeout(() => (this.urgent = true), patienceMs);
      try {
        while (this.writers > 0) await new Promise<void>((r) => this.waitingForIdle.push(r));
      } finally {
        clearTimeout(timer);
      }
      this.collecting = true;
      this.urgent = false;
      try {
        return await work();
      } finally {
        this.collecting = false;
        for (const w of this.waitingWriters.splice(0)) w();
      }
    });
    this.collectors = run.catch(() => undefined);
    return run;
  }
}
