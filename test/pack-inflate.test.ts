// The pack entry inflater (src/core/pack/inflate.ts) and the indexer's use of it: exact sizes,
// every way a stream can disagree with its declared size, and a valid stream longer than the
// indexer's first read window (git accepts it, so we must too).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InflateError, Inflater } from '../src/core/pack/inflate.js';
import { indexPack } from '../src/core/pack/indexer.js';
import { bufferSource } from './helpers/objects.js';

const text = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(50));
const z = zlib.deflateSync(text);

function fault(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InflateError) return e.fault;
    throw e;
  }
  return 'none';
}

describe('Inflater', () => {
  const inf = new Inflater();

  it('inflates into the caller’s buffer at an offset and says how many input bytes the stream took', () => {
    const out = Buffer.alloc(7 + text.length + 1);
    const used = inf.inflateInto(Buffer.concat([z, Buffer.from('next entry')]), out, 7, text.length);
    expect(used).toBe(z.length);
    expect(out.subarray(7, 7 + text.length).equals(text)).toBe(true);
  });

  it('refuses streams that disagree with the declared size, or are damaged', () => {
    expect(fault(() => inf.inflateInto(z, Buffer.alloc(101), 0, 100))).toBe('too-long');
    expect(fault(() => inf.inflateInto(z, Buffer.alloc(text.length + 11), 0, text.length + 10))).toBe('too-short');
    expect(fault(() => inf.inflateInto(z.subarray(0, z.length - 5), Buffer.alloc(text.length + 1), 0, text.length))).toBe('corrupt');
    const badAdler = Buffer.from(z);
    badAdler[badAdler.length - 1] ^= 1;
    expect(fault(() => inf.inflateInto(badAdler, Buffer.alloc(text.length + 1), 0, text.length))).toBe('corrupt');
    expect(fault(() => inf.inflateInto(Buffer.from('not zlib at all'), Buffer.alloc(10), 0, 9))).toBe('corrupt');
    // and it is still good for the next entry after all that
    const out = Buffer.alloc(text.length + 1);
    expect(inf.inflateInto(z, out, 0, text.length)).toBe(z.length);
    expect(out.subarray(0, text.length).equals(text)).toBe(true);
  });

  it('wants one spare byte after the output', () => {
    expect(() => inf.inflateInto(z, Buffer.alloc(text.length), 0, text.length)).toThrow(RangeError);
  });

  it('handles empty objects', () => {
    const e = zlib.deflateSync(Buffer.alloc(0));
    expect(inf.inflateInto(e, Buffer.alloc(1), 0, 0)).toBe(e.length);
  });
});

/** A zlib stream of `data` with `pad` empty stored blocks in front: valid, and as long as we like. */
function paddedZlib(data: Buffer, pad: number): Buffer {
  const empty = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]); // BFINAL=0 BTYPE=00, LEN=0, NLEN=~0
  const adler = Buffer.alloc(4);
  let a = 1;
  let b = 0;
  for (const c of data) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  adler.writeUInt32BE(((b << 16) | a) >>> 0);
  return Buffer.concat([Buffer.from([0x78, 0x01]), Buffer.concat(new Array(pad).fill(empty)), zlib.deflateRawSync(data), adler]);
}

function packOfBlobs(streams: Array<{ size: number; z: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.write('PACK', 0, 'latin1');
  head.writeUInt32BE(2, 4);
  head.writeUInt32BE(streams.length, 8);
  parts.push(head);
  for (const s of streams) {
    const h: number[] = [];
    let n = s.size;
    let c = (3 << 4) | (n & 15);
    n = Math.floor(n / 16);
    while (n > 0) {
      h.push(c | 0x80);
      c = n & 0x7f;
      n = Math.floor(n / 128);
    }
    h.push(c);
    parts.push(Buffer.from(h), s.z);
  }
  const body = Buffer.concat(parts);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

describe('indexPack and long zlib streams', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gitwell-inflate-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a valid entry whose stream is far longer than its content, as git does', async () => {
    const small = Buffer.from('tiny\n');
    // 40,000 empty blocks: 200 KB of stream for 5 bytes, past the first 64 KiB window
    const pack = packOfBlobs([
      { size: small.length, z: paddedZlib(small, 40_000) },
      { size: text.length, z },
    ]);
    const got: string[] = [];
    const reads: Array<[number, number]> = [];
    const r = await indexPack(bufferSource(pack, reads), {
      sink: (oid, type, data) => {
        got.push(`${oid.toString('hex')} ${type} ${data.length}`);
      },
    });
    expect(r.objects).toBe(2);
    // the stream (at 13: after the 12-byte pack header and a 1-byte entry header) did not end
    // inside the first window, and a larger one was read
    expect(reads.filter(([at]) => at === 13).map(([, n]) => n).slice(0, 2)).toEqual([65536, 262144]);
    // git is the oracle: it indexes the same pack to the same ids
    const packPath = path.join(dir, 'long.pack');
    writeFileSync(packPath, pack);
    execFileSync('git', ['index-pack', packPath], { stdio: 'pipe' });
    const idx = execFileSync('git', ['verify-pack', '-v', packPath.replace(/\.pack$/, '.idx')], { encoding: 'utf8' });
    const gitIds = idx.split('\n').filter((l) => / blob /.test(l)).map((l) => l.split(' ')[0]).sort();
    expect(got.map((g) => g.split(' ')[0]).sort()).toEqual(gitIds);
    expect(got).toContain(`${execFileSync('git', ['hash-object', '--stdin'], { input: small, encoding: 'utf8' }).trim()} 3 5`);
    expect(readFileSync(packPath).length).toBe(pack.length);
  });

  it('refuses an entry that declares more bytes than its stream could hold, before allocating them', async () => {
    const pack = packOfBlobs([{ size: 2 ** 40, z }]);
    await expect(indexPack(bufferSource(pack), { sink: () => {} })).rejects.toThrow(/declares 1099511627776 bytes/);
  });

  it('refuses entries that inflate to another size than declared', async () => {
    for (const size of [text.length - 1, text.length + 1]) {
      const pack = packOfBlobs([{ size, z }]);
      await expect(indexPack(bufferSource(pack), { sink: () => {} })).rejects.toThrow(/inflates (past|to less than) its declared size/);
    }
  });
});
