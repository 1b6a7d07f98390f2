// The standing hostile-input suite: property-based fuzzing (fast-check) of pack entries,
// deltas, pkt-lines, JSON bodies and paths against a real server. The property, for every
// case: the request gets an answer (never a 5xx, never "internal error", never none), the
// server is up, and the target repo's refs are exactly as before, but for refs a push that
// was told "ok" created. Periodically, and at the end of each kind, a fresh mirror clone of
// the repos passes `git fsck --full --strict`, and the server has logged no unexpected error.
//
//   npx vitest run test/hostile-fuzz.test.ts     CI: a fixed seed, GW_FUZZ_RUNS (300) cases a kind
//   npm run fuzz                                  10,000 cases a kind, seed from GW_FUZZ_SEED or
//                                                 random (printed: rerun a failure with it)
// A failing case is shrunk by fast-check and printed with its seed and path; keep it as a
// regression (test/fixtures/regressions, STYLE.md point 9).
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, git, gitOk, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { commitBodies, deltas, packEntries, paths, pktLines, type PushCase } from './helpers/hostile-arbitraries.js';
import { parseReportStatus, pkt } from './helpers/pktline.js';
import { basicAuth, parseAdvertisement, ZERO_OID } from './helpers/raw-git.js';

const LONG = process.env.GW_FUZZ_LONG === '1';
const RUNS = Number(process.env.GW_FUZZ_RUNS ?? (LONG ? 10_000 : 300));
const SEED = process.env.GW_FUZZ_SEED !== undefined ? Number(process.env.GW_FUZZ_SEED) : LONG ? Date.now() % 2 ** 31 : 0x0f0221;
/** cases between two clone-and-fsck checks */
const CHECK_EVERY = LONG ? 2000 : RUNS;
const TIMEOUT_MS = 15_000;

let gw: Gitwell;
let key: string;
let knownOids: string[];
let expectedRefs: string;
const counts: Record<string, Record<string, number>> = {};
let fsckRuns = 0;

beforeAll(async () => {
  // rate limits would answer most of a long run with 429: out of the way (their own tests are elsewhere)
  const limits = { GITWELL_RATE_LIMIT_PER_MINUTE: '100000000', GITWELL_RATE_LIMIT_PER_HOUR: '1000000000', GITWELL_ANON_RATE_LIMIT_PER_MINUTE: '100000000', GITWELL_ANON_RATE_LIMIT_PER_HOUR: '1000000000', GITWELL_GIT_RATE_LIMIT_PER_MINUTE: '100000000', GITWELL_GIT_RATE_LIMIT_PER_HOUR: '1000000000', GITWELL_ANON_GIT_RATE_LIMIT_PER_MINUTE: '100000000', GITWELL_ANON_GIT_RATE_LIMIT_PER_HOUR: '1000000000' };
  gw = await startGitwell({ env: limits });
  key = await gw.createKey('acme');
  await gw.createRepo('acme/target');
  await gw.createRepo('acme/scratch');
  const src = tempDir('gw-fuzz-src-');
  await gitOk(['-c', 'init.defaultBranch=main', 'init', '-q', src]);
  for (let i = 0; i < 3; i++) {
    fs.mkdirSync(path.join(src, `d${i}`), { recursive: true });
    fs.writeFileSync(path.join(src, `d${i}`, 'f.txt'), `file ${i}\n`.repeat(20));
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['commit', '-qm', `c${i}`], { cwd: src });
  }
  await gitOk(['tag', '-a', '-m', 't', 'v1'], { cwd: src });
  for (const repo of ['acme/target', 'acme/scratch']) await gitOk(['push', '-q', repoUrl(gw.url, repo, key), 'main', 'v1'], { cwd: src });
  knownOids = (await gitOk(['rev-list', '--objects', '--all'], { cwd: src })).split('\n').map((l) => l.slice(0, 40));
  expectedRefs = await refsOf('acme/target');
});

afterAll(async () => {
  const lines = Object.entries(counts).map(([kind, c]) => `  ${kind}: ${Object.values(c).reduce((a, b) => a + b, 0)} cases ${JSON.stringify(c)}`);
  console.log(`hostile fuzz, seed ${SEED}, ${RUNS} runs a kind, ${fsckRuns} clone+fsck checks:\n${lines.join('\n')}`);
  await gw?.stop();
});

/** A repo's refs, as its receive-pack advertisement gives them: "oid ref" lines, sorted. */
async function refsOf(repo: string): Promise<string> {
  const res = await fetch(`${gw.url}/${repo}.git/info/refs?service=git-receive-pack`, { headers: { authorization: basicAuth(key) }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  expect(res.status).toBe(200);
  const { refs } = parseAdvertisement(Buffer.from(await res.arrayBuffer()));
  return [...refs].map(([ref, oid]) => `${oid} ${ref}`).sort().join('\n');
}

function tally(kind: string, verdict: string): void {
  const c = (counts[kind] ??= {});
  c[verdict] = (c[verdict] ?? 0) + 1;
}

/** Sends one request; fails the case on no answer, a 5xx or an "internal error". */
async function send(kind: string, url: string, init: RequestInit): Promise<{ status: number; body: Buffer }> {
  let res: Response;
  try {
    res = await fetch(gw.url + url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    throw new Error(`${kind}: no answer (${(e as Error).message}); the server log ends:\n${gw.logs().slice(-1500)}`);
  }
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status >= 500 || /internal error/i.test(body.toString('latin1'))) throw new Error(`${kind}: HTTP ${res.status}: ${body.toString('latin1').slice(0, 300)}`);
  tally(kind, String(res.status));
  return { status: res.status, body };
}

/** Every CHECK_EVERY cases, and at the end: mirror clones pass fsck; no unexpected error was logged. */
let sinceCheck = 0;
let logFrom = 0;
async function checkpoint(force = false): Promise<void> {
  if (!force && ++sinceCheck < CHECK_EVERY) return;
  sinceCheck = 0;
  for (const repo of ['acme/target', 'acme/scratch']) {
    const dir = path.join(tempDir('gw-fuzz-clone-'), 'c.git');
    const c = await git(['clone', '-q', '--mirror', repoUrl(gw.url, repo, key), dir]);
    expect(c.code, `${repo}: ${c.stderr}`).toBe(0);
    const f = await fsck(dir);
    expect(f.code, `${repo}: git fsck of a fresh clone:\n${f.stderr}${f.stdout}`).toBe(0);
    fs.rmSync(path.dirname(dir), { recursive: true, force: true });
    fsckRuns++;
  }
  const bad = gw.logs().slice(logFrom).split('\n').filter((l) => /internal error|unexpected error|uncaught|unhandled/i.test(l));
  logFrom = gw.logs().length;
  expect(bad, 'the server logged unexpected errors').toEqual([]);
}

const params = (): fc.Parameters<unknown> => ({ seed: SEED, numRuns: RUNS, endOnFailure: true, interruptAfterTimeLimit: LONG ? undefined : 60_000 });
let refSeq = 0;

/** Every byte but the unreserved ones percent-encoded (a lone surrogate goes as U+FFFD's bytes). */
const encodeSegment = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');

/** A push of `c` to the target: its ref must be as the report says, every other ref as before. */
async function pushCase(kind: string, c: PushCase): Promise<void> {
  const ref = `refs/heads/fuzz-${refSeq++}`;
  const body = Buffer.concat([pkt(`${ZERO_OID} ${c.tip} ${ref}\0report-status agent=fuzz\n`), Buffer.from('0000'), c.pack]);
  const r = await send(kind, '/acme/target.git/git-receive-pack', { method: 'POST', headers: { authorization: basicAuth(key) }, body });
  if (r.status === 200 && parseReportStatus(r.body).refs.get(ref) === 'ok') {
    tally(kind, 'accepted');
    expectedRefs = [...expectedRefs.split('\n'), `${c.tip} ${ref}`].sort().join('\n');
  }
  expect(await refsOf('acme/target'), `${kind}: the target's refs changed`).toBe(expectedRefs);
  await checkpoint();
}

describe('hostile input, property-based', () => {
  it('pack entries: types, sizes, zlib streams, counts and trailers that lie', async () => {
    await fc.assert(fc.asyncProperty(packEntries(knownOids), (c) => pushCase('pack entries', c)), params());
    await checkpoint(true);
  }, LONG ? 0 : 120_000);

  it('deltas: copies and inserts past their base, wrong sizes, bases that are themselves', async () => {
    await fc.assert(fc.asyncProperty(deltas(), (c) => pushCase('deltas', c)), params());
    await checkpoint(true);
  }, LONG ? 0 : 120_000);

  it('pkt-lines: to upload-pack v0 and v2 and to receive-pack', async () => {
    const target = fc.constantFrom('v0', 'v2', 'receive-pack');
    await fc.assert(
      fc.asyncProperty(pktLines(knownOids), target, async (body, to) => {
        const endpoint = to === 'receive-pack' ? 'git-receive-pack' : 'git-upload-pack';
        const headers: Record<string, string> = { authorization: basicAuth(key), ...(to === 'v2' ? { 'git-protocol': 'version=2' } : {}) };
        await send(`pkt-lines ${to}`, `/acme/target.git/${endpoint}`, { method: 'POST', headers, body });
        expect(await refsOf('acme/target')).toBe(expectedRefs);
        await checkpoint();
      }),
      params(),
    );
    await checkpoint(true);
  }, LONG ? 0 : 120_000);

  it('JSON bodies: commits of the /v1 API', async () => {
    await fc.assert(
      fc.asyncProperty(commitBodies(), async (b) => {
        const body = typeof b === 'string' ? b : JSON.stringify(b);
        const r = await send('json commits', '/v1/repos/scratch/commits', { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body });
        expect([201, 400, 404, 409, 413, 422], r.body.toString().slice(0, 300)).toContain(r.status);
        expect(await refsOf('acme/target')).toBe(expectedRefs);
        await checkpoint();
      }),
      params(),
    );
    await checkpoint(true);
  }, LONG ? 0 : 120_000);

  it('paths: tree, blob and raw reads', async () => {
    const route = fc.constantFrom('tree', 'blob', 'raw');
    await fc.assert(
      fc.asyncProperty(paths, route, fc.constantFrom('main', 'v1', 'nope', 'main~1', '..'), async (p, r, ref) => {
        const url = `/v1/repos/target/${r}/${encodeURIComponent(ref)}/${p.split('/').map(encodeSegment).join('/')}`;
        const res = await send(`paths ${r}`, url, { headers: { 'x-api-key': key } });
        expect([200, 400, 404, 422], `${url}: ${res.body.toString().slice(0, 200)}`).toContain(res.status);
        await checkpoint();
      }),
      params(),
    );
    await checkpoint(true);
  }, LONG ? 0 : 120_000);
});
