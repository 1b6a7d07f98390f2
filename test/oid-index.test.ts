// OidIndex (src/core/oid-index.ts): every id finds its position, ids not in the set are -1
// (also ones sharing the first four bytes with a member, which collide in the table), and a
// repeated id keeps its first position. A Map of hex strings is the reference.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OidIndex } from '../src/core/oid-index.js';

describe('OidIndex', () => {
  it('agrees with a Map on members, non-members, look-alikes and repeats', () => {
    const count = 5000;
    const oids = randomBytes(count * 20);
    // a few repeats and a few ids that differ from a member only after the first four bytes
    oids.copy(oids, 100 * 20, 7 * 20, 8 * 20);
    oids.copy(oids, 101 * 20, 7 * 20, 8 * 20);
    const ref = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const k = oids.toString('hex', i * 20, i * 20 + 20);
      if (!ref.has(k)) ref.set(k, i);
    }
    const index = new OidIndex(oids, count);
    for (let i = 0; i < count; i++) expect(index.indexOf(oids, i * 20)).toBe(ref.get(oids.toString('hex', i * 20, i * 20 + 20)));
    expect(index.indexOf(oids, 100 * 20)).toBe(7);
    for (let n = 0; n < 2000; n++) {
      const probe = randomBytes(20);
      if (n % 2 === 0) oids.copy(probe, 0, (n % count) * 20, (n % count) * 20 + 4); // same first 4 bytes
      expect(index.indexOf(probe)).toBe(ref.get(probe.toString('hex')) ?? -1);
    }
  });

  it('an empty set finds nothing', () => {
    expect(new OidIndex(Buffer.alloc(0), 0).indexOf(randomBytes(20))).toBe(-1);
  });
});
