/**
 * A fixed set of object ids (20 bytes each, packed in one buffer) and the position of each:
 * an open-addressing hash table over the ids' own bytes (SHA-1 output is uniform, so its first
 * four bytes are a fine hash). No strings, no per-id objects: for the tens of thousands of ids
 * of a clone, that is most of what a Map<string, number> would cost.
 */
export class OidIndex {
  private readonly slots: Int32Array;
  private readonly mask: number;

  /** `oids`: `count` ids of 20 bytes, back to back. A repeated id keeps its first position. */
  constructor(private readonly oids: Uint8Array, readonly count: number) {
    let size = 16;
    while (size < count * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (let i = 0; i < count; i++) {
      let s = this.hash(oids, i * 20);
      for (;;) {
        const at = this.slots[s];
        if (at === -1) {
          this.slots[s] = i;
          break;
        }
        if (this.same(at, oids, i * 20)) break;
        s = (s + 1) & this.mask;
      }
    }
  }

  private hash(b: Uint8Array, off: number): number {
    return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) & this.mask;
  }

  private same(i: number, b: Uint8Array, off: number): boolean {
    const o = this.oids;
    const at = i * 20;
    for (let k = 0; k < 20; k++) if (o[at + k] !== b[off + k]) return false;
    return true;
  }

  /** The position of `oid` (20 bytes at `off`), or -1. */
  indexOf(oid: Uint8Array, off = 0): number {
    for (let s = this.hash(oid, off); ; s = (s + 1) & this.mask) {
      const at = this.slots[s];
      if (at === -1 || this.same(at, oid, off)) return at;
    }
  }
}
