// The pack writer's entry encodings must decode with the WASM core's parser (which agrees with
// git's packs in test/wasm.test.ts): headers of every size, and OFS_DELTA distances.
import { describe, expect, it } from 'vitest';
import { entryHeader, ofsVarint } from '../src/core/pack/writer.js';
import { parseEntryHeader } from '../src/wasm.js';

describe('pack writer encodings', () => {
  it('OFS_DELTA distances and sizes round-trip through parseEntryHeader', () => {
    const distances = [1, 127, 128, 129, 16383, 16384, 16511, 16512, 2_000_000, 2 ** 31 + 5];
    const sizes = [0, 15, 16, 2047, 2048, 1 << 20, 2 ** 33 + 1];
    for (const d of distances) {
      for (const size of sizes) {
        const at = d + 12;
        const entry = Buffer.concat([entryHeader(6, size), ofsVarint(d)]);
        const h = parseEntryHeader(entry, 0, at);
        expect(h.type).toBe(6);
        expect(h.size).toBe(size);
        expect(h.headerLength).toBe(entry.length);
        expect(h.baseOffset).toBe(at - d);
      }
    }
  });
});
