// kill -9 in the middle of a push, at known points, proven to have landed there. The server
// tells each push's phases on stderr (GITWELL_TRACE_PUSH=1: received, ingest-began, ingest-done,
// connected, refs-committed) and can hold a push at one phase (GITWELL_TRACE_PUSH_HOLD), so
// the SIGKILL lands at that phase and the log shows the next one never came. After each kill
// and a restart on the same data dir: the refs are all-old (killed before the ref
// transaction) or all-new (after it: durable before the client hears ok), the new tip is not
// served if the push did not land, a fresh clone passes `git fsck --full --strict`, and the
// same push made again succeeds. (reliability-crash.test.ts kills at guessed times; this one
// knows where it killed.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBigSource } from './helpers/big-source.js';
import { fsck, git, gitOk, lsRemote, repoUrl } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { decodePkts, FLUSH, pkt, pktLines } from './helpers/pktline.js';
import { basicAuth } from './helpers/raw-git.js';

const COMMITS = 1500;
const HOLD_MS = 4000;

let work: string;
let src: string;
let base: string;
let tip: string;
/** ms between ingest-began and ingest-done of a clean push, as the test sees the log */
let ingestMs: number;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const phaseLine = (phase: string) => `gitwell: push acme/big ${phase}`;

async function waitForLog(gw: Gitwell, line: string, from = 0, timeoutMs = 60_000): Promise<number> {
  const t0 = Date.now();
  while (!gw.logs().slice(from).includes(line)) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`no "${line}" in the server log:\n${gw.logs().slice(-2000)}`);
    await sleep(2);
  }
  return Date.now();
}

/** A data dir with a key and acme/big at `base`, made by a server stopped since. */
async function seeded(): Promise<{ dataDir: string; key: string }> {
  const dataDir = fs.mkdtempSync(path.join(work, 'data-'));
  const gw = await startGitwell({ dataDir });
  const key = await gw.createKey('acme');
  await gw.createRepo('acme/big');
  await gitOk(['push', '-q', repoUrl(gw.url, 'acme/big', key), `${base}:refs/heads/main`], { cwd: src });
  await gw.stop();
  return { dataDir, key };
}

/** A server on `dataDir` with the push trace on, holding pushes at `hold` if given. */
function serve(dataDir: string, hold?: string): Promise<Gitwell> {
  const env: Record<string, string> = { GITWELL_TRACE_PUSH: '1', TMPDIR: work };
  if (hold) env.GITWELL_TRACE_PUSH_HOLD = `${hold}:${HOLD_MS}`;
  return startGitwell({ dataDir, env });
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-kill-'));
  src = await makeBigSource(work, 'big.git', COMMITS, 8192, 0x6b11);
  tip = await gitOk(['rev-parse', 'main'], { cwd: src });
  base = await gitOk(['rev-parse', 'main~1400'], { cwd: src });
  // calibration: how long a clean ingest of this push takes here
  const { dataDir, key } = await seeded();
  const gw = await serve(dataDir);
  const push = git(['push', '-q', repoUrl(gw.url, 'acme/big', key), 'main:refs/heads/main'], { cwd: src });
  const began = await waitForLog(gw, phaseLine('ingest-began'));
  const done = await waitForLog(gw, phaseLine('ingest-done'));
  ingestMs = done - began;
  expect((await push).code).toBe(0);
  await gw.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 180_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Refs as git ls-remote shows them, minus HEAD: one of the two states, or a failure. */
async function stateOf(gw: Gitwell, key: string): Promise<'before' | 'after'> {
  const ls = await lsRemote(repoUrl(gw.url, 'acme/big', key));
  expect(ls.code, ls.stderr).toBe(0);
  const main = ls.refs.find((l) => l.endsWith('\trefs/heads/main'))?.slice(0, 40);
  expect(ls.refs.length, ls.refs.join('\n')).toBe(2);
  if (main === base) return 'before';
  if (main === tip) return 'after';
  return expect.fail(`refs are neither before nor after the push:\n${ls.refs.join('\n')}`);
}

async function expectNotServed(gw: Gitwell, key: string, oid: string) {
  const body = Buffer.concat([pkt('command=fetch\n'), Buffer.from('0001'), pkt(`want ${oid}\n`), pkt('done\n'), FLUSH]);
  const res = await fetch(`${gw.url}/acme/big.git/git-upload-pack`, { method: 'POST', headers: { authorization: basicAuth(key), 'git-protocol': 'version=2' }, body });
  expect(pktLines(decodePkts(Buffer.from(await res.arrayBuffer())).pkts)[0]).toMatch(/^ERR /);
}

type KillPoint = { phase: string; hold: boolean; after?: number; next: string; expect: 'before' | 'after' };

describe('kill -9 at known points of a push', () => {
  it.each<[string, KillPoint]>([
    ['the body is spooled, ingest not begun', { phase: 'received', hold: true, next: 'ingest-began', expect: 'before' }],
    ['ingest has just begun', { phase: 'ingest-began', hold: false, next: 'ingest-done', expect: 'before' }],
    ['half-way through the ingest', { phase: 'ingest-began', hold: false, after: 0.5, next: 'ingest-done', expect: 'before' }],
    ['the objects are stored, the history not yet walked', { phase: 'ingest-done', hold: true, next: 'connected', expect: 'before' }],
    ['the history is walked, the ref transaction not begun', { phase: 'connected', hold: true, next: 'refs-committed', expect: 'before' }],
    ['the refs are committed, the client not yet told', { phase: 'refs-committed', hold: true, next: '(none)', expect: 'after' }],
  ])('%s', async (_name, point) => {
    const { dataDir, key } = await seeded();
    try {
      const gw = await serve(dataDir, point.hold ? point.phase : undefined);
      const push = git(['push', '--porcelain', repoUrl(gw.url, 'acme/big', key), 'main:refs/heads/main'], { cwd: src, timeoutMs: 60_000 });
      await waitForLog(gw, phaseLine(point.phase));
      if (point.after) await sleep(point.after * ingestMs);
      const logAtKill = gw.logs();
      gw.kill9();
      expect((await gw.exited).signal).toBe('SIGKILL');
      // the proof that the kill landed where it was meant to: the next phase never came
      expect(logAtKill, `killed too late (ingest takes ${ingestMs} ms here)`).not.toContain(phaseLine(point.next));
      expect((await push).code, 'the client cannot have been told ok').not.toBe(0);

      const again = await serve(dataDir);
      try {
        expect(await stateOf(again, key)).toBe(point.expect);
        if (point.expect === 'before') await expectNotServed(again, key, tip);
        const dir = path.join(fs.mkdtempSync(path.join(work, 'clone-')), 'c.git');
        expect((await git(['clone', '-q', '--mirror', repoUrl(again.url, 'acme/big', key), dir])).code).toBe(0);
        const f = await fsck(dir);
        expect(f.code, f.stderr).toBe(0);
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
        const redo = await git(['push', '--porcelain', repoUrl(again.url, 'acme/big', key), 'main:refs/heads/main'], { cwd: src, timeoutMs: 60_000 });
        expect(redo.code, redo.stderr).toBe(0);
        expect(await stateOf(again, key)).toBe('after');
      } finally {
        await again.stop();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
