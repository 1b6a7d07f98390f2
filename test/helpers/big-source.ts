// A source repository big enough that its push takes a while to ingest (so a test can act
// while it runs): `commits` commits on main, each adding one file of `blobBytes` seeded random
// bytes, made with `git fast-import` (fast, and the same bytes for the same seed).
import path from 'node:path';
import { expect } from 'vitest';
import { git, gitOk } from './git.js';

/** xorshift32 bytes: the same seed, the same bytes. */
export function seededBytes(seed: number, n: number): Buffer {
  let s = seed >>> 0 || 1;
  const b = Buffer.allocUnsafe(n);
  for (let j = 0; j + 4 <= n; j += 4) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b.writeUInt32LE(s, j);
  }
  for (let j = n & ~3; j < n; j++) b[j] = j & 0xff;
  return b;
}

/** A bare repo at `parent/name` with main holding `commits` commits. */
export async function makeBigSource(parent: string, name: string, commits: number, blobBytes: number, seed: number): Promise<string> {
  const dir = path.join(parent, name);
  await gitOk(['init', '-q', '--bare', dir]);
  const parts: Buffer[] = [];
  for (let i = 1; i <= commits; i++) {
    parts.push(Buffer.from(`blob\nmark :${2 * i - 1}\ndata ${blobBytes}\n`), seededBytes(seed + i, blobBytes));
    const msg = `commit ${i}\n`;
    parts.push(Buffer.from(`\ncommit refs/heads/main\nmark :${2 * i}\ncommitter C <c@big.test> ${1700000000 + i * 60} +0000\ndata ${msg.length}\n${msg}M 100644 :${2 * i - 1} d${i % 40}/f${i}.bin\n\n`));
  }
  parts.push(Buffer.from('done\n'));
  const r = await git(['-c', 'core.compression=1', 'fast-import', '--quiet', '--done'], { cwd: dir, input: Buffer.concat(parts) });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}
