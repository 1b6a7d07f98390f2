// The soak: many clients at once for a long while (10 minutes by default) on one server,
// mixing what a host sees all day: git clone, git fetch, git push, REST reads (raw, tree,
// commits, compare) and REST commits, with online gc running on a short schedule. It checks
// every answer (exit codes, statuses, content against git), samples the server's RSS every
// second, and at the end checks the final state against git: every branch a client pushed
// or committed to is where that client left it, and a mirror clone passes fsck --strict.
//
//   npm run soak                                   10 minutes, 12 clients
//   GITWELL_SOAK_SECONDS=60 npm run soak           a smoke run
//   GITWELL_SOAK_CLIENTS=24 GITWELL_SOAK_SECONDS=600 npm run soak
//
// It passes when nothing failed, the final state checks out, and RSS did not grow after the
// first minute (or the first third of a shorter run): the median of the last 30 s is within
// RSS_SLACK of the median of the 30 s after the warm-up, and (on runs of 6 minutes or more)
// the slope fitted after the warm-up is under RSS_SLOPE_MIB_PER_MIN. Prints its figures either way; exits 1 on failure.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gitEnv, scratchDir } from './lib/env.js';
import { gitwellMissing, CLI, prepareRepo, startServer } from './lib/gitwell.js';
import { run } from './lib/proc.js';
import { rng } from './lib/rng.js';
import { fixed, table } from './lib/stats.js';

const SECONDS = Number(process.env.GITWELL_SOAK_SECONDS ?? 600);
const CLIENTS = Number(process.env.GITWELL_SOAK_CLIENTS ?? 12);
const WARMUP_S = Math.min(60, Math.floor(SECONDS / 3));
const RSS_SLACK = 1.1;
const RSS_SLACK_MIB = 16;
const RSS_SLOPE_MIB_PER_MIN = 2;

type Kind = 'clone' | 'fetch' | 'push' | 'rest-read' | 'rest-commit';
const WEIGHTS: Array<[Kind, number]> = [['clone', 1], ['fetch', 3], ['push', 3], ['rest-read', 8], ['rest-commit', 3]];

interface Tally { ok: number; failed: number; ms: number[] }
const tallies = new Map<Kind, Tally>(WEIGHTS.map(([k]) => [k, { ok: 0, failed: 0, ms: [] }]));
const failures: string[] = [];

function fail(kind: Kind, what: string): void {
  tallies.get(kind)!.failed++;
  if (failures.length < 50) failures.push(`${kind}: ${what}`);
}

const env = gitEnv({ GIT_AUTHOR_NAME: 'Soak', GIT_AUTHOR_EMAIL: 'soak@gitwell.test', GIT_COMMITTER_NAME: 'Soak', GIT_COMMITTER_EMAIL: 'soak@gitwell.test' });
const git = (args: string[], cwd?: string, input?: string) => run('git', args, { cwd, env, input, timeoutMs: 120_000 });

async function gitOk(args: string[], cwd?: string, input?: string): Promise<string> {
  const r = await git(args, cwd, input);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.slice(-500)}`);
  return r.stdout.trim();
}

function rssMiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Least-squares slope of ys over xs. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? NaN;

async function main(): Promise<void> {
  const missing = gitwellMissing(CLI);
  if (missing) throw new Error(missing);
  const work = scratchDir('soak');
  const dataDir = path.join(work.dir, 'data');
  const key = await prepareRepo(dataDir, 'acme', 'soak');
  // the rate limits are for a fleet of strangers, not one soak: out of its way
  const limits = { GITWELL_RATE_LIMIT_PER_MINUTE: '10000000', GITWELL_RATE_LIMIT_PER_HOUR: '100000000', GITWELL_ANON_RATE_LIMIT_PER_MINUTE: '10000000', GITWELL_ANON_RATE_LIMIT_PER_HOUR: '100000000', GITWELL_GIT_RATE_LIMIT_PER_MINUTE: '10000000', GITWELL_GIT_RATE_LIMIT_PER_HOUR: '100000000', GITWELL_ANON_GIT_RATE_LIMIT_PER_MINUTE: '10000000', GITWELL_ANON_GIT_RATE_LIMIT_PER_HOUR: '100000000' };
  const server = await startServer(dataDir, 30_000, { ...limits, GITWELL_GC_INTERVAL_SECONDS: '30', GITWELL_GC_GRACE_SECONDS: '10' });
  const url = new URL(`${server.url}/acme/soak.git`);
  url.username = 'soak';
  url.password = key;
  const repoUrl = url.toString();
  const api = (p: string, init: RequestInit = {}) => fetch(`${server.url}/v1/repos/soak${p}`, { ...init, headers: { 'x-api-key': key, 'content-type': 'application/json', ...init.headers }, signal: AbortSignal.timeout(60_000) });

  // the starting history: 200 commits over 50 files
  const seed = path.join(work.dir, 'seed');
  await gitOk(['init', '-q', '-b', 'main', seed]);
  for (let i = 0; i < 200; i++) {
    mkdirSync(path.join(seed, `d${i % 10}`), { recursive: true });
    writeFileSync(path.join(seed, `d${i % 10}`, `f${i % 50}.txt`), `line ${i}\n`.repeat(20 + i));
    await gitOk(['add', '-A'], seed);
    await gitOk(['commit', '-qm', `seed ${i}`], seed);
  }
  await gitOk(['push', '-q', repoUrl, 'main'], seed);
  const mainTip = await gitOk(['rev-parse', 'main'], seed);
  const known = readFileSync(path.join(seed, 'd3', 'f13.txt'));

  /** where each client's own branches must end up */
  const expected = new Map<string, string>();
  const rss: Array<[number, number]> = [];
  const t0 = performance.now();
  const sampler = setInterval(() => rss.push([(performance.now() - t0) / 1000, rssMiB(server.pid)]), 1000);
  const until = Date.now() + SECONDS * 1000;

  const client = async (id: number) => {
    const rand = rng(0x50a4 + id);
    const total = WEIGHTS.reduce((a, [, w]) => a + w, 0);
    const local = path.join(work.dir, `client-${id}`);
    await gitOk(['clone', '-q', repoUrl, local]);
    const branch = `soak/${id}`;
    const apiBranch = `api-${id}`;
    let apiTip: string | null = null;
    let n = 0;
    while (Date.now() < until) {
      let r = rand() * total;
      const kind = WEIGHTS.find(([, w]) => (r -= w) < 0)![0];
      const started = performance.now();
      const failedBefore = tallies.get(kind)!.failed;
      try {
        if (kind === 'clone') {
          const dir = path.join(work.dir, `clone-${id}-${n}`);
          const c = await git(['-c', `protocol.version=${rand() < 0.5 ? 0 : 2}`, 'clone', '-q', '--bare', repoUrl, dir]);
          if (c.code !== 0) fail(kind, c.stderr.slice(-300));
          else if ((await git(['cat-file', '-e', mainTip], dir)).code !== 0) fail(kind, 'the clone lacks the seed history');
          rmSync(dir, { recursive: true, force: true });
        } else if (kind === 'fetch') {
          const f = await git(['fetch', '-q', 'origin'], local);
          if (f.code !== 0) fail(kind, f.stderr.slice(-300));
        } else if (kind === 'push') {
          writeFileSync(path.join(local, `c${id}.txt`), `client ${id} push ${n}\n`);
          await gitOk(['add', '-A'], local);
          await gitOk(['commit', '-qm', `push ${n}`], local);
          const p = await git(['push', '-q', 'origin', `HEAD:refs/heads/${branch}`], local);
          if (p.code !== 0) fail(kind, p.stderr.slice(-300));
          else expected.set(`refs/heads/${branch}`, await gitOk(['rev-parse', 'HEAD'], local));
        } else if (kind === 'rest-read') {
          const which = Math.floor(rand() * 4);
          const res = await (which === 0 ? api('/raw/main/d3/f13.txt') : which === 1 ? api('/tree/main?recursive=true') : which === 2 ? api('/commits?ref=main&limit=50') : api(`/compare?base=main~20&head=main`));
          const body = Buffer.from(await res.arrayBuffer());
          if (res.status !== 200) fail(kind, `HTTP ${res.status} ${body.toString().slice(0, 200)}`);
          else if (which === 0 && !body.equals(known)) fail(kind, 'raw bytes differ from git');
          else if (which === 3 && (JSON.parse(body.toString()) as { ahead_by: number }).ahead_by !== 20) fail(kind, 'compare ahead_by is not 20');
        } else {
          const change = { action: 'create', path: `api/${id}/${n}.txt`, content: `api commit ${n} of client ${id}\n` };
          const body = { branch: apiBranch, message: `api ${n}`, author: { name: 'Soak', email: 'soak@gitwell.test' }, changes: [change], ...(apiTip ? { parent_sha: apiTip } : { parent_sha: mainTip }) };
          if (!apiTip) await api('/branches', { method: 'POST', body: JSON.stringify({ name: apiBranch, from_sha: mainTip }) });
          const res = await api('/commits', { method: 'POST', body: JSON.stringify(body) });
          const j = (await res.json()) as { sha?: string };
          if (res.status !== 201 || !j.sha) fail(kind, `HTTP ${res.status} ${JSON.stringify(j).slice(0, 200)}`);
          else expected.set(`refs/heads/${apiBranch}`, (apiTip = j.sha));
        }
        const t = tallies.get(kind)!;
        if (t.failed === failedBefore) t.ok++;
        t.ms.push(performance.now() - started);
      } catch (e) {
        fail(kind, (e as Error).message.slice(0, 300));
      }
      n++;
    }
  };
  console.log(`soak: ${CLIENTS} clients for ${SECONDS} s against ${server.url} (pid ${server.pid}); RSS warm-up ${WARMUP_S} s`);
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  clearInterval(sampler);

  // the final state against git
  const ls = await gitOk(['ls-remote', repoUrl]);
  const remote = new Map(ls.split('\n').map((l) => [l.slice(41), l.slice(0, 40)]));
  for (const [ref, oid] of expected) if (remote.get(ref) !== oid) failures.push(`final state: ${ref} is ${remote.get(ref)}, the client left it at ${oid}`);
  const mirror = path.join(work.dir, 'final.git');
  await gitOk(['clone', '-q', '--mirror', repoUrl, mirror]);
  const f = await git(['fsck', '--full', '--strict', '--no-dangling'], mirror);
  if (f.code !== 0) failures.push(`final state: fsck of a mirror clone: ${f.stderr.slice(-500)}`);
  await server.stop();

  // RSS after the warm-up
  const after = rss.filter(([t]) => t >= WARMUP_S);
  const early = after.filter(([t]) => t < WARMUP_S + 30).map(([, m]) => m);
  const late = rss.filter(([t]) => t >= SECONDS - 30).map(([, m]) => m);
  const base = median(early);
  const end = median(late);
  const perMin = slope(after.map(([t]) => t / 60), after.map(([, m]) => m));
  // a slope fitted to a few minutes says little: it is judged on runs of five minutes or more
  const judgeSlope = SECONDS - WARMUP_S >= 300;
  const rssOk = end <= base * RSS_SLACK + RSS_SLACK_MIB && (!judgeSlope || perMin < RSS_SLOPE_MIB_PER_MIN);
  if (!rssOk) failures.push(`RSS grew after the warm-up: ${fixed(base, 1)} -> ${fixed(end, 1)} MiB, ${fixed(perMin)} MiB/min`);

  console.log(table(['operation', 'ok', 'failed', 'p50 ms', 'p99 ms'], [...tallies].map(([k, t]) => [k, String(t.ok), String(t.failed), fixed(pct(t.ms, 50), 0), fixed(pct(t.ms, 99), 0)])));
  console.log(`RSS (MiB): start ${fixed(rss[0]?.[1] ?? NaN, 1)}, after warm-up ${fixed(base, 1)}, last 30 s ${fixed(end, 1)}, max ${fixed(Math.max(...rss.map(([, m]) => m)), 1)}, slope after warm-up ${fixed(perMin)} MiB/min (${rss.length} samples)`);
  console.log(`final state: ${expected.size} branches checked against ls-remote, mirror clone fsck ${f.code === 0 ? 'clean' : 'FAILED'}`);
  for (const m of failures) console.log(`FAIL ${m}`);
  console.log(failures.length === 0 ? 'soak: PASS' : `soak: FAIL (${failures.length})`);
  work.done();
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
