// RequestBody without a socket: a body over its limit is refused the moment that is known,
// and whoever waits for it hears so then (the old body never settled once it was too large:
// its last chunk returned early, and the request hung for good).
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { BodyTooLarge, RequestBody } from '../src/http/request-body.js';

const chunk = (n: number) => new Uint8Array(n).fill(97).buffer;
const settled = async (p: Promise<unknown>) => {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('RequestBody limits', () => {
  it('crossing the limit rejects the waiting consumer at once, before the last chunk', async () => {
    const body = new RequestBody();
    const waiting = body.buffer(1000);
    body.push(chunk(600), false);
    expect(await settled(waiting)).toBe(false);
    body.push(chunk(600), false);
    await expect(waiting).rejects.toBeInstanceOf(BodyTooLarge);
    // the rest of the body is dropped, and its last chunk still marks it received
    body.push(chunk(600), true);
    expect(body.received).toBe(true);
  });

  it('a declared length over the limit is refused as soon as the limit is stated', async () => {
    const body = new RequestBody(Infinity, 10_000);
    await expect(body.buffer(1000)).rejects.toBeInstanceOf(BodyTooLarge);
    expect(body.received).toBe(false);
  });

  it('a body already over the limit when the consumer asks is refused at once', async () => {
    const body = new RequestBody();
    body.push(chunk(2000), false);
    await expect(body.file(1000)).rejects.toThrow('request body exceeds 1000 bytes');
  });

  it('the front end cap refuses a body no consumer has claimed', async () => {
    const body = new RequestBody(1000);
    body.push(chunk(1500), false);
    expect(body.tooLarge).toBe(true);
    await expect(body.buffer(5000)).rejects.toBeInstanceOf(BodyTooLarge);
  });

  it('a spooled body refused past its limit leaves no temp file', async () => {
    const body = new RequestBody();
    const waiting = body.file(3 * 1024 * 1024);
    body.push(chunk(2 * 1024 * 1024), false); // past the memory limit: spooled
    const spools = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith(`gitwell-spool-${process.pid}-`));
    expect(spools().length).toBe(1);
    body.push(chunk(2 * 1024 * 1024), false);
    await expect(waiting).rejects.toBeInstanceOf(BodyTooLarge);
    for (let i = 0; i < 20 && spools().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(spools()).toEqual([]);
  });

  it('a body within its limit is whole, in memory or spooled', async () => {
    const small = new RequestBody();
    const a = small.buffer(100);
    small.push(chunk(10), false);
    small.push(chunk(20), true);
    expect((await a).length).toBe(30);
    const big = new RequestBody(Infinity, 2 * 1024 * 1024 + 5);
    const f = big.file(4 * 1024 * 1024);
    big.push(chunk(2 * 1024 * 1024), false);
    big.push(chunk(5), true);
    const spool = await f;
    expect(spool.size).toBe(2 * 1024 * 1024 + 5);
    big.dispose();
  });
});
