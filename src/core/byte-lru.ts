/**
 * Values by key, bounded by the sum of their lengths; the least recently used go first. A value
 * longer than `maxEntry` is not kept, or, with `keepOneLarge`, kept alone in a slot of its own
 * (the newest such value replaces the last), so that a large object used several times in a
 * row is not made again for each use.
 */
export class ByteLru<K, V extends { length: number }> {
  private readonly map = new Map<K, V>();
  private bytes = 0;
  private largeKey: K | undefined;
  private large: V | undefined;

  constructor(
    private readonly cap: number,
    private readonly opts: { maxEntry?: number; keepOneLarge?: boolean } = {},
  ) {}

  get(k: K): V | undefined {
    if (this.large !== undefined && k === this.largeKey) return this.large;
    const v = this.map.get(k);
    if (v !== undefined) {
      this.map.delete(k);
      this.map.set(k, v);
    }
    return v;
  }

  delete(k: K): void {
    if (this.large !== undefined && k === this.largeKey) {
      this.large = undefined;
      this.largeKey = undefined;
    }
    const v = this.map.get(k);
    if (v === undefined) return;
    this.map.delete(k);
    this.bytes -= v.length;
  }

  set(k: K, v: V): void {
    if (v.length > (this.opts.maxEntry ?? this.cap / 4)) {
      if (this.opts.keepOneLarge) {
        this.largeKey = k;
        this.large = v;
      }
      return;
    }
    if (this.map.has(k)) return;
    this.map.set(k, v);
    this.bytes += v.length;
    for (const [key, old] of this.map) {
      if (this.bytes <= this.cap) break;
      this.map.delete(key);
      this.bytes -= old.length;
    }
  }
}
