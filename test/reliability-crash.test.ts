// Reliability: SIGKILL the server in the middle of a big push and restart it on the same data
// dir. DESIGN.md "Storage": a push is atomic; a crash at any moment leaves every repo as it was
// before the push or after it. So after each crash: every ref is all-old or all-new (never a
// mix; all-new whenever the client was told ok), `git ls-remote` works, a fresh clone passes
// `git fsck --full --strict`, objects of an unfinished push are not readable through the repo,
// and pushing the same data again succeeds and clones back identical. Also: a crash while
// another repo is being cloned, and kill -9 right after the push is acknowledged.
//
// The big push is ~20 MB in 2,500 commits (10,000 objects, trees as deltas), made with
// `git fast-import` from seeded bytes, so ingest takes long enough to be hit. Kill points: the
// git client at fixed times, and a raw push at fractions of a clean ingest measured in
// beforeAll. Clones are watched: one that stops making progress is reported as a stall (the
// regression at the end: streamed replies once stopped for good under back-pressure) and the
// crash checks go on with a reader that never falls behind. GW_DEBUG=1 prints a timeline.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fsck, git, gitBytes, gitEnv, gitOk, lsRemote, objectIds, repoUrl } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { decodePkts, demux, pkt, pktLines, parseReportStatus } from './helpers/pktline.js';
import { basicAuth, ZERO_OID } from './helpers/raw-git.js';

const BIG_COMMITS = 2500;
const BLOB_BYTES = 8192;

/** refs of the source repo: what the server holds before the push, and what the push sets */
interface Source {
  dir: string;
  before: { main: string; old: string; v0: string };
  after: { main: string; feature: string; v1: string; v1Peeled: string; v0: string };
  /** sorted `ls-remote` lines of each state */
  beforeRefs: string[];
  afterRefs: string[];
  afterObjects: string[];
  /** the raw push: commands from the before state to the after state, and the pack */
  pushBody: Buffer;
}

const BASELINE_REFSPECS = ['base-main:refs/heads/main', 'base-old:refs/heads/old', 'refs/tags/v0:refs/tags/v0'];
const BIG_REFSPECS = ['main:refs/heads/main', 'feature:refs/heads/feature', 'refs/tags/v1:refs/tags/v1', ':refs/heads/old'];

/**
 * A fast-import stream: `commits` commits on main, each adding one file of `blobBytes` seeded
 * random bytes under one of 40 directories; refs on the way: v0 (commit 10), base-old (50),
 * base-main (100), feature (3/4 of the way), tag v1 (annotated, 7/8), main at the end.
 */
function fastImportStream(commits: number, blobBytes: number, seed: number): Buffer {
  let s = seed >>> 0 || 1;
  const parts: Buffer[] = [];
  const text = (t: string) => parts.push(Buffer.from(t));
  const marks: Record<number, string> = { 10: 'refs/tags/v0', 50: 'refs/heads/base-old', 100: 'refs/heads/base-main', [Math.floor((commits * 3) / 4)]: 'refs/heads/feature' };
  const tagAt = Math.floor((commits * 7) / 8);
  for (let i = 1; i <= commits; i++) {
    const b = Buffer.allocUnsafe(blobBytes);
    for (let j = 0; j + 4 <= blobBytes; j += 4) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      b.writeUInt32LE(s, j);
    }
    text(`blob\nmark :${2 * i - 1}\ndata ${blobBytes}\n`);
    parts.push(b);
    const msg = `commit ${i}\n`;
    text(`\ncommit refs/heads/main\nmark :${2 * i}\ncommitter C O Mitter <committer@crash.test> ${1700000000 + i * 60} +0000\ndata ${msg.length}\n${msg}`);
    text(`M 100644 :${2 * i - 1} d${i % 40}/f${i}.bin\n\n`);
    if (marks[i]) text(`reset ${marks[i]}\nfrom :${2 * i}\n\n`);
    if (i === tagAt) text(`tag v1\nfrom :${2 * i}\ntagger T Agger <tagger@crash.test> 1700000000 +0000\ndata 7\nv1 tag\n\n`);
  }
  text('done\n');
  return Buffer.concat(parts);
}

async function makeSource(parent: string, name: string, commits: number, blobBytes: number, seed: number): Promise<string> {
  const dir = path.join(parent, name);
  await gitOk(['init', '-q', '--bare', dir]);
  const r = await git(['-c', 'core.compression=1', 'fast-import', '--quiet', '--done'], { cwd: dir, input: fastImportStream(commits, blobBytes, seed) });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

async function describeSource(dir: string): Promise<Source> {
  const rev = (r: string) => gitOk(['rev-parse', r], { cwd: dir });
  const before = { main: await rev('base-main'), old: await rev('base-old'), v0: await rev('refs/tags/v0') };
  const after = { main: await rev('main'), feature: await rev('feature'), v1: await rev('refs/tags/v1'), v1Peeled: await rev('v1^{}'), v0: before.v0 };
  const beforeRefs = [`${before.main}\tHEAD`, `${before.main}\trefs/heads/main`, `${before.old}\trefs/heads/old`, `${before.v0}\trefs/tags/v0`].sort();
  const afterRefs = [
    `${after.main}\tHEAD`,
    `${after.main}\trefs/heads/main`,
    `${after.feature}\trefs/heads/feature`,
    `${after.v1}\trefs/tags/v1`,
    `${after.v1Peeled}\trefs/tags/v1^{}`,
    `${after.v0}\trefs/tags/v0`,
  ].sort();
  const afterObjects = await objectIds(dir, ['main', 'feature', 'refs/tags/v1', 'refs/tags/v0']);
  const pack = await gitBytes(['pack-objects', '--revs', '--stdout', '-q'], {
    cwd: dir,
    input: ['main', 'feature', 'refs/tags/v1', '^base-main', '^base-old', '^refs/tags/v0', ''].join('\n'),
  });
  expect(pack.code, pack.stderr).toBe(0);
  const caps = 'report-status side-band-64k atomic agent=crash-tests';
  const pushBody = Buffer.concat([
    pkt(`${before.main} ${after.main} refs/heads/main\0${caps}\n`),
    pkt(`${ZERO_OID} ${after.feature} refs/heads/feature\n`),
    pkt(`${ZERO_OID} ${after.v1} refs/tags/v1\n`),
    pkt(`${before.old} ${ZERO_OID} refs/heads/old\n`),
    Buffer.from('0000'),
    pack.stdout,
  ]);
  return { dir, before, after, beforeRefs, afterRefs, afterObjects, pushBody };
}

/** GW_DEBUG=1: a timeline on stderr (where each kill landed, how long each step took) */
const T0 = Date.now();
const dbg = (...a: unknown[]) => {
  if (process.env.GW_DEBUG) console.error(((Date.now() - T0) / 1000).toFixed(2), ...a);
};

// ---- servers, started and cleaned up per test ------------------------------------------------

let work: string;
let src: Source;
const servers: Gitwell[] = [];

/** A server with its spool files under our own TMPDIR; `dataDir` to restart on old data. */
async function server(tmp: string, dataDir?: string, track = true): Promise<Gitwell> {
  const gw = await startGitwell({ dataDir, env: { TMPDIR: tmp } });
  if (track) servers.push(gw);
  return gw;
}

/** SIGKILL, and wait until the process is really gone (its LMDB lock released). */
async function crash(gw: Gitwell) {
  gw.kill9();
  const e = await gw.exited;
  expect(e.signal).toBe('SIGKILL');
}

/** A server that took the whole push cleanly (kept for the slow-reader regression), and how long its ingest took. */
let clean: { gw: Gitwell; key: string; ingestMs: number };

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-crash-'));
  src = await describeSource(await makeSource(work, 'big.git', BIG_COMMITS, BLOB_BYTES, 0x9e3779b9));
  // calibration: body sent -> answer, for a clean raw push into a fresh store
  const tmp = scratch('tmp-');
  const { gw, key } = await seeded(tmp, 'acme/big', false);
  let sentAt = 0;
  const r = await rawPush(gw, 'acme/big', key, src.pushBody, () => (sentAt = Date.now()));
  expect(rawPushOk(r), `the clean push failed: ${r.error ?? r.body?.toString('latin1')}`).toBe(true);
  clean = { gw, key, ingestMs: Date.now() - sentAt };
  dbg('clean ingest ms', clean.ingestMs);
});
afterEach(async () => {
  // restarted servers keep their data dir; the first server of a dir removes it, so it goes last
  for (const gw of servers.reverse()) await gw.stop();
  servers.length = 0;
});
afterAll(async () => {
  await clean?.gw.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function scratch(prefix: string): string {
  return fs.mkdtempSync(path.join(work, prefix));
}

// ---- the push, the kill ----------------------------------------------------------------------

/** The raw push over node:http, so we know when the last byte of the body left. */
function rawPush(gw: Gitwell, fullName: string, key: string, body: Buffer, onBodySent: () => void): Promise<{ status?: number; body?: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const u = new URL(`${gw.url}/${fullName}.git/git-receive-pack`);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { authorization: basicAuth(key), 'content-type': 'application/x-git-receive-pack-request', 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
        res.on('error', (e) => resolve({ status: res.statusCode, error: e.message }));
      },
    );
    req.on('error', (e) => resolve({ error: e.message }));
    req.on('finish', onBodySent);
    req.end(body);
  });
}

/** true when the raw push's answer says every ref moved */
function rawPushOk(r: { status?: number; body?: Buffer }): boolean {
  if (r.status !== 200 || !r.body) return false;
  try {
    const rep = parseReportStatus(r.body);
    return rep.unpack === 'ok' && rep.refs.size === 4 && [...rep.refs.values()].every((v) => v === 'ok');
  } catch {
    return false;
  }
}

// ---- checks ----------------------------------------------------------------------------------

interface Bounded {
  code: number;
  stdout: string;
  stderr: string;
  /** killed: no progress for `stallMs` (see `progress`), or past `timeoutMs` */
  stalled: boolean;
  timedOut: boolean;
}

/**
 * Runs git in its own process group and kills the whole group (git-remote-http blocks on the
 * socket and would outlive its parent) when it runs past `timeoutMs`, or when `progress()` -
 * polled every 250 ms - stays the same for `stallMs`.
 */
function gitBounded(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number; stallMs?: number; progress?: (stderr: string) => string }): Promise<Bounded> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { cwd: opts.cwd, env: gitEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let stalled = false;
    let timedOut = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const started = Date.now();
    let mark = '';
    let lastProgress = started;
    const poll = setInterval(() => {
      if (Date.now() - started > opts.timeoutMs) {
        timedOut = true;
        killGroup();
      }
      if (!opts.progress) return;
      const now = opts.progress(stderr);
      if (now !== mark) {
        mark = now;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > (opts.stallMs ?? 6000)) {
        stalled = true;
        killGroup();
      }
    }, 250);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-8000)));
    child.on('exit', (code) => {
      clearInterval(poll);
      // stdio may stay open in a killed group's orphans: do not wait for 'close'
      setTimeout(() => resolve({ code: code ?? -1, stdout, stderr, stalled, timedOut }), 50);
    });
  });
}

/** Bytes under `dir`, recursively (0 while it does not exist). */
function du(dir: string): number {
  let n = 0;
  try {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      n += e.isDirectory() ? du(p) : fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    }
  } catch {
    // not there yet, or a temp file renamed under us
  }
  return n;
}

/**
 * `git clone --mirror`, watched: a clone that makes no progress for 6 s (no bytes in its pack
 * dir, no object counted in its progress lines; git repaints its throughput every second even
 * when nothing arrives) is reported as stalled (see the slow-reader regression below).
 */
function cloneMirror(url: string, dir: string): Promise<Bounded> {
  return gitBounded(['-c', 'protocol.version=2', 'clone', '--mirror', '--progress', url, dir], {
    timeoutMs: 45_000,
    progress: (stderr) => {
      const counts = stderr.match(/\(\d+\/\d+\)/g);
      return `${du(dir)} ${counts ? counts[counts.length - 1] : ''}`;
    },
  });
}

/** `git push --porcelain` of the source repo, bounded, with HTTP headers traced for a post-mortem. */
function pushBounded(url: string, refspecs: string[], timeoutMs = 30_000): Promise<Bounded> {
  return gitBounded(['push', '--porcelain', url, ...refspecs], {
    cwd: src.dir,
    timeoutMs,
    env: { GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' },
  });
}

/**
 * The same objects, fetched by a reader that never falls behind (v2 fetch over fetch(), pack
 * indexed by `git index-pack`): lets the crash checks go on when a git clone stalls.
 */
async function fetchAllFast(url: string, key: string, refs: string[], dir: string): Promise<void> {
  await gitOk(['init', '-q', '--bare', dir]);
  const tips = [...new Set(refs.filter((l) => !l.endsWith('^{}')).map((l) => l.slice(0, 40)))];
  const body = Buffer.concat([pkt('command=fetch\n'), Buffer.from('0001'), ...tips.map((t) => pkt(`want ${t}\n`)), pkt('ofs-delta\n'), pkt('no-progress\n'), pkt('done\n'), Buffer.from('0000')]);
  const res = await fetch(`${url}/git-upload-pack`, {
    method: 'POST',
    headers: { authorization: basicAuth(key), 'git-protocol': 'version=2', 'content-type': 'application/x-git-upload-pack-request' },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  const all = Buffer.from(await res.arrayBuffer());
  const { pkts } = decodePkts(all);
  const start = pkts.findIndex((p) => p.kind === 'data' && p.payload.toString('latin1') === 'packfile\n');
  expect(start, all.subarray(0, 300).toString('latin1')).toBeGreaterThanOrEqual(0);
  const pack = demux(pkts.slice(start + 1)).data;
  const ix = await git(['index-pack', '--stdin', '--strict'], { cwd: dir, input: pack });
  expect(ix.code, ix.stderr).toBe(0);
  for (const l of refs) {
    const [oid, ref] = l.split('\t') as [string, string];
    if (ref !== 'HEAD' && !ref.endsWith('^{}')) await gitOk(['update-ref', ref, oid], { cwd: dir });
  }
}

/** Which state the server's refs are in; fails on anything else (a mix, a lost ref). */
function stateOf(refs: string[], context: string): 'before' | 'after' {
  if (JSON.stringify(refs) === JSON.stringify(src.beforeRefs)) return 'before';
  if (JSON.stringify(refs) === JSON.stringify(src.afterRefs)) return 'after';
  expect.fail(`${context}: refs are neither all-old nor all-new:\n${refs.join('\n')}\n--- before ---\n${src.beforeRefs.join('\n')}\n--- after ---\n${src.afterRefs.join('\n')}`);
}

/** A fresh clone passes `git fsck --full --strict` and holds exactly `objects`; stalls are reported, then checked the fast way. */
async function expectCloneHealthy(url: string, key: string, refs: string[], objects: string[], stalls: string[], context: string) {
  const dir = path.join(scratch('clone-'), 'c.git');
  const auth = new URL(url);
  auth.username = 'any';
  auth.password = key;
  dbg(context, 'cloning');
  const c = await cloneMirror(auth.toString(), dir);
  dbg(context, 'cloned', c.code, c.stalled);
  if (c.stalled) {
    stalls.push(`${context}: git clone made no progress for 6 s (the server stopped writing)`);
    fs.rmSync(dir, { recursive: true, force: true });
    await fetchAllFast(url, key, refs, dir);
  } else {
    expect(c.code, `${context}: clone failed:\n${c.stderr}`).toBe(0);
  }
  dbg(context, 'fsck');
  const f = await fsck(dir);
  dbg(context, 'fsck done');
  expect(f.code, `${context}: fsck of a fresh clone:\n${f.stderr}${f.stdout}`).toBe(0);
  expect(await objectIds(dir), `${context}: the clone's objects`).toEqual(objects);
}

/** What a repo in the before state holds (computed once). */
let beforeObjects: string[] | undefined;
async function objectsBefore(): Promise<string[]> {
  beforeObjects ??= await objectIds(src.dir, ['base-main', 'base-old', 'refs/tags/v0']);
  return beforeObjects;
}

/** An object of the unfinished push must not be served through the repo (membership not written). */
async function expectNotServed(url: string, key: string, oid: string) {
  const body = Buffer.concat([pkt('command=fetch\n'), Buffer.from('0001'), pkt(`want ${oid}\n`), pkt('done\n'), Buffer.from('0000')]);
  const res = await fetch(`${url}/git-upload-pack`, {
    method: 'POST',
    headers: { authorization: basicAuth(key), 'git-protocol': 'version=2' },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  const text = Buffer.from(await res.arrayBuffer());
  const first = pktLines(decodePkts(text).pkts)[0] ?? '';
  expect(first, `want ${oid} of an unfinished push`).toMatch(/^ERR /);
}

/** Seeds a fresh server: key, repo, the before state pushed by git. */
async function seeded(tmp: string, fullName = 'acme/big', track = true) {
  const gw = await server(tmp, undefined, track);
  const key = await gw.createKey(fullName.split('/')[0]!);
  await gw.createRepo(fullName);
  const r = await git(['push', '-q', repoUrl(gw.url, fullName, key), ...BASELINE_REFSPECS], { cwd: src.dir });
  expect(r.code, r.stderr).toBe(0);
  expect((await lsRemote(repoUrl(gw.url, fullName, key))).refs).toEqual(src.beforeRefs);
  return { gw, key };
}

/** After a crash and restart: the one-state check, the orphans, a clone, the push again, the clone back. */
async function expectRecovered(gw: Gitwell, key: string, fullName: string, pushSaidOk: boolean, context: string, stalls: string[]) {
  const url = `${gw.url}/${fullName}.git`;
  const auth = repoUrl(gw.url, fullName, key);
  dbg(context, 'restarted');
  const ls = await lsRemote(auth);
  dbg(context, 'ls-remote done');
  expect(ls.code, `${context}: git ls-remote after restart:\n${ls.stderr}\n${gw.logs()}`).toBe(0);
  const state = stateOf(ls.refs, context);
  if (pushSaidOk) expect(state, `${context}: the client was told ok, so the push must have survived`).toBe('after');
  if (state === 'before') {
    await expectNotServed(url, key, src.after.main);
    await expectCloneHealthy(url, key, src.beforeRefs, await objectsBefore(), stalls, `${context}, before state`);
  }
  dbg(context, 'state', state);
  // the same data again, with the stock client
  const again = await pushBounded(auth, state === 'before' ? BIG_REFSPECS : BIG_REFSPECS.slice(0, 3));
  dbg(context, 'pushed again', again.code);
  expect(again.timedOut, `${context}: pushing again did not finish in 30 s:\n${again.stderr}\n--- server log ---\n${gw.logs().slice(-2000)}`).toBe(false);
  expect(again.code, `${context}: pushing again after the crash:\n${again.stderr}\n${again.stdout}\n${gw.logs().slice(-2000)}`).toBe(0);
  expect((await lsRemote(auth)).refs, `${context}: refs after pushing again`).toEqual(src.afterRefs);
  await expectCloneHealthy(url, key, src.afterRefs, src.afterObjects, stalls, `${context}, pushed again`);
  return state;
}

// ---- 1. crash during a big push --------------------------------------------------------------

type KillPlan = { how: 'git'; afterMs: number } | { how: 'raw'; ofIngest: number };

describe('kill -9 during a big push, restart on the same data', () => {
  it.each<[string, KillPlan]>([
    ['git push, killed 100 ms in', { how: 'git', afterMs: 100 }],
    ['git push, killed 300 ms in', { how: 'git', afterMs: 300 }],
    ['git push, killed 800 ms in', { how: 'git', afterMs: 800 }],
    ['raw push, killed as the last byte of the body leaves', { how: 'raw', ofIngest: 0 }],
    ['raw push, killed half-way through a clean ingest', { how: 'raw', ofIngest: 0.5 }],
    ['raw push, killed at 95% of a clean ingest (walk, ref transaction)', { how: 'raw', ofIngest: 0.95 }],
  ])('%s: all-old or all-new, healthy, and the push can be redone', async (context, plan) => {
    const tmp = scratch('tmp-');
    const { gw, key } = await seeded(tmp);
    const stalls: string[] = [];
    let pushSaidOk: boolean;
    if (plan.how === 'git') {
      const push = pushBounded(repoUrl(gw.url, 'acme/big', key), BIG_REFSPECS);
      await new Promise((r) => setTimeout(r, plan.afterMs));
      await crash(gw);
      pushSaidOk = (await push).code === 0;
    } else {
      let killed: Promise<void> | undefined;
      const r = await rawPush(gw, 'acme/big', key, src.pushBody, () => {
        killed = new Promise((res) => setTimeout(res, plan.ofIngest * clean.ingestMs)).then(() => crash(gw));
      });
      // no 'finish' (the request failed early): the server must still die before the restart
      await (killed ?? crash(gw));
      pushSaidOk = rawPushOk(r);
    }
    dbg(context, 'killed; push said ok:', pushSaidOk, 'left in TMPDIR:', fs.readdirSync(tmp));
    const again = await server(tmp, gw.dataDir);
    await expectRecovered(again, key, 'acme/big', pushSaidOk, context, stalls);
    expect(stalls, 'clones that stalled (the crash checks went on with a fast reader)').toEqual([]);
  });
});

// ---- 2. crash while another repo is being cloned ---------------------------------------------

describe('kill -9 during a push to one repo while another is being cloned', () => {
  it('both repos are intact after restart', async () => {
    const tmp = scratch('tmp-');
    const { gw, key } = await seeded(tmp, 'acme/big');
    // repo B: other content, all of it pushed before the crash
    const bSrc = await makeSource(work, 'b.git', 300, 4096, 0x1234567);
    await gw.createRepo('acme/other');
    const bUrl = repoUrl(gw.url, 'acme/other', key);
    await gitOk(['push', '-q', bUrl, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: bSrc });
    const bBefore = (await lsRemote(bUrl)).refs;
    const bObjects = await objectIds(bSrc);

    // clones of B, back to back on two connections, until the server dies under them
    let stop = false;
    const cloned: number[] = [0, 0];
    const loops = [0, 2].map(async (protocol, i) => {
      for (let n = 0; !stop; n++) {
        const dir = path.join(scratch('b-'), 'b.git');
        const r = await git(['-c', `protocol.version=${protocol}`, 'clone', '-q', '--mirror', bUrl, dir], { timeoutMs: 30_000 });
        if (r.code === 0) cloned[i]!++;
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const push = pushBounded(repoUrl(gw.url, 'acme/big', key), BIG_REFSPECS);
    await new Promise((r) => setTimeout(r, 700));
    await crash(gw);
    stop = true;
    const pushSaidOk = (await push).code === 0;
    await Promise.all(loops);
    expect(cloned[0]! + cloned[1]!, 'B was being cloned while A was pushed').toBeGreaterThan(0);

    const again = await server(tmp, gw.dataDir);
    const bUrl2 = repoUrl(again.url, 'acme/other', key);
    const ls = await lsRemote(bUrl2);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.refs, 'repo B after the crash').toEqual(bBefore);
    const stalls: string[] = [];
    await expectCloneHealthy(`${again.url}/acme/other.git`, key, bBefore, bObjects, stalls, 'repo B after the crash');
    await expectRecovered(again, key, 'acme/big', pushSaidOk, 'repo A after the crash', stalls);
    expect(stalls, 'clones that stalled').toEqual([]);
  });
});

// ---- 3. the ack means durable ----------------------------------------------------------------

describe('kill -9 right after a push is acknowledged', () => {
  it('every acknowledged push is there after restart (create, update with a tag, delete)', async () => {
    const tmp = scratch('tmp-');
    let { gw, key } = await seeded(tmp);
    const first = gw;
    const url = () => repoUrl(gw.url, 'acme/big', key);
    const restart = async () => {
      gw = await server(tmp, first.dataDir);
    };

    // 1. git push creates a branch; the moment git exits 0, kill
    const c1 = await git(['push', '--porcelain', url(), 'refs/tags/v0:refs/heads/from-v0'], { cwd: src.dir });
    expect(c1.code, c1.stderr).toBe(0);
    await crash(gw);
    await restart();
    expect((await lsRemote(url())).refs).toContain(`${src.before.v0}\trefs/heads/from-v0`);

    // 2. raw push of the whole big update; kill on the first byte of the answer
    let killedOnAnswer = false;
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const u = new URL(`${gw.url}/acme/big.git/git-receive-pack`);
      const req = http.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { authorization: basicAuth(key), 'content-length': src.pushBody.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => {
            if (!killedOnAnswer) {
              killedOnAnswer = true;
              gw.kill9();
            }
            chunks.push(c);
          });
          res.on('end', () => resolve(Buffer.concat(chunks)));
          res.on('error', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', reject);
      req.end(src.pushBody);
    });
    await gw.exited;
    const rep = parseReportStatus(answer);
    expect(rep.unpack, rep.lines.join('\n')).toBe('ok');
    await restart();
    const ls = await lsRemote(url());
    expect(ls.refs, 'the acknowledged big push after kill -9').toEqual([...src.afterRefs, `${src.before.v0}\trefs/heads/from-v0`].sort());

    // 3. git push deletes a branch; kill the moment git exits 0
    const c3 = await git(['push', '--porcelain', url(), ':refs/heads/from-v0'], { cwd: src.dir });
    expect(c3.code, c3.stderr).toBe(0);
    await crash(gw);
    await restart();
    expect((await lsRemote(url())).refs).toEqual(src.afterRefs);
  });
});

// ---- regressions found here ------------------------------------------------------------------

describe('regression: big responses to a slow reader', () => {
  it('a ~20 MB fetch read slowly does not stall (the server keeps writing after back-pressure)', async () => {
    const { gw, key } = clean;
    // a v2 fetch of everything, read with a pause after every chunk, as index-pack would
    const body = Buffer.concat([pkt('command=fetch\n'), Buffer.from('0001'), pkt(`want ${src.after.main}\n`), pkt('done\n'), Buffer.from('0000')]);
    const res = await fetch(`${gw.url}/acme/big.git/git-upload-pack`, { method: 'POST', headers: { authorization: basicAuth(key), 'git-protocol': 'version=2' }, body });
    const reader = res.body!.getReader();
    let got = 0;
    let last = Date.now();
    let stalledAt = -1;
    const watchdog = setInterval(() => {
      if (Date.now() - last > 5000 && stalledAt < 0) {
        stalledAt = got;
        void reader.cancel();
      }
    }, 250);
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        got += value.length;
        last = Date.now();
        await new Promise((r) => setTimeout(r, 2));
      }
    } catch {
      // cancelled by the watchdog
    } finally {
      clearInterval(watchdog);
    }
    expect(stalledAt, `the server stopped writing after ${stalledAt} bytes and never resumed`).toBe(-1);
    expect(got).toBeGreaterThan(BIG_COMMITS * BLOB_BYTES);
  });
});
