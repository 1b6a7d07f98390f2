// Smart HTTP: push the generated repo into gitwell and into `git http-backend`
// (behind the CGI bridge), then clone it back from each — bare and with checkout,
// protocol v2 and v0 — alternating A/B so drift hits both sides alike. Then the small
// operations agents and CI repeat all day on the same big repo: push one small commit,
// fetch it into another clone, and fetch when there is nothing new.
//
//   node dist/bench/clone.js        (GITWELL_BENCH_RUNS, GITWELL_BENCH_SCALE)
//
// The http-backend side serves the generated repo as `git repack -adf` left it (one
// pack plus, for a bare repo, a reachability bitmap): a maintained git host.
import { appendFileSync, cpSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startBridge } from './cgi-bridge.js';
import { describeRepo, ensureRepo, type RepoInfo } from './gen-repo.js';
import { gitEnv, isMain, runs, scratchDir } from './lib/env.js';
import { CLI, gitwellMissing, prepareRepo, startServer, type Server } from './lib/gitwell.js';
import { check, run } from './lib/proc.js';
import { fixed, median, mib, min, ratio, table } from './lib/stats.js';

export interface CloneCase { name: string; gitwell: number[]; peer: number[]; errors: string[] }
export interface CloneReport {
  cases: CloneCase[];
  gitwellServerPeakKb: number;
  /** peak RSS during each push: gitwell's server process, and http-backend with its git children */
  pushPeakKb: { gitwell: number[]; peer: number[] };
  notes: string[];
}

const REFSPECS = ['refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'];
const CLONES = [
  { name: 'clone --bare, protocol v2', args: ['-c', 'protocol.version=2', 'clone', '--bare', '--no-local'], bare: true },
  { name: 'clone --bare, protocol v0', args: ['-c', 'protocol.version=0', 'clone', '--bare', '--no-local'], bare: true },
  { name: 'clone + checkout, v2', args: ['-c', 'protocol.version=2', 'clone', '--no-local'], bare: false },
  { name: 'clone + checkout, v0', args: ['-c', 'protocol.version=0', 'clone', '--no-local'], bare: false },
] as const;
const SMALL = ['push of one small commit', 'fetch of that commit', 'fetch, nothing new'] as const;

export async function benchClone(info: RepoInfo, n = runs(5)): Promise<CloneReport> {
  const env = gitEnv();
  const notes: string[] = [];
  const root = scratchDir('bridge');
  cpSync(info.dir, path.join(root.dir, 'big.git'), { recursive: true });
  const bridge = await startBridge(root.dir);
  const missing = gitwellMissing(CLI);
  const push: CloneCase = { name: 'push (all refs, fresh repo)', gitwell: [], peer: [], errors: missing ? [missing] : [] };
  const cases: CloneCase[] = [push, ...CLONES.map((c) => ({ name: c.name, gitwell: [], peer: [], errors: missing ? [missing] : [] }))];
  const small: CloneCase[] = SMALL.map((name) => ({ name, gitwell: [], peer: [], errors: missing ? [missing] : [] }));
  const stores: { server: Server; dataDir: string; data: () => void; key: string }[] = [];
  let gitwellServerPeakKb = 0;
  const pushPeakKb = { gitwell: [] as number[], peer: [] as number[] };
  const firstAfterPush: CloneCase = { name: 'clone --bare v2, the first after the push', gitwell: [], peer: [], errors: missing ? [missing] : [] };
  const uncached: CloneCase = { name: 'clone --bare v2, pack cache off (each clone walks and packs)', gitwell: [], peer: [], errors: missing ? [missing] : [] };
  const afterSmallPush: CloneCase = { name: 'clone --bare v2, the first after a small push', gitwell: [], peer: [], errors: missing ? [missing] : [] };
  try {
    // pushes: each into a fresh repo (gitwell: a fresh data dir and server, since objects are shared store-wide)
    const pushes = Math.max(1, Math.min(n, 3));
    for (let i = 0; i < pushes; i++) {
      for (const side of i % 2 ? ['peer', 'gitwell'] as const : ['gitwell', 'peer'] as const) {
        if (side === 'peer') {
          const repo = path.join(root.dir, `push-${i}.git`);
          await check('git', ['init', '--quiet', '--bare', '--initial-branch=main', repo], { env });
          await check('git', ['config', 'http.receivepack', 'true'], { cwd: repo, env });
          bridge.takePeakKb();
          await timed(push, 'peer', ['push', '--quiet', `${bridge.url}/push-${i}.git`, ...REFSPECS], info.dir, env);
          pushPeakKb.peer.push(bridge.takePeakKb());
        } else if (push.errors.length === 0) {
          const data = scratchDir('gitwell-data');
          try {
            const key = await prepareRepo(data.dir, 'bench', 'big', (info.headRef ?? 'refs/heads/main').replace('refs/heads/', ''));
            const server = await startServer(data.dir);
            stores.push({ server, dataDir: data.dir, data: data.done, key });
            const url = `${server.url.replace('://', `://x:${encodeURIComponent(key)}@`)}/bench/big.git`;
            await timed(push, 'gitwell', ['push', '--quiet', url, ...REFSPECS], info.dir, env);
            pushPeakKb.gitwell.push(vmHwmKb(server.pid));
          } catch (err) {
            push.errors.push(String(err));
            data.done();
          }
        }
      }
    }
    const served = stores.at(-1);
    if (served && push.errors.length === 0) {
      const remote = await run('git', ['ls-remote', `${served.server.url}/bench/big.git`], { env });
      const local = await run('git', ['for-each-ref', '--format=%(objectname)\t%(refname)'], { cwd: info.dir, env });
      const strip = (s: string) => s.split('\n').filter((l) => l.includes('\trefs/') && !l.endsWith('^{}')).sort().join('\n');
      const [want, got] = [strip(local.stdout), strip(remote.stdout)];
      if (want !== got) {
        const first = want.split('\n').find((l) => !got.includes(l)) ?? got.split('\n').find((l) => !want.includes(l));
        push.errors.push(`refs on gitwell after push differ from the source repo, e.g. ${first}`);
      }
    }
    if (!served) for (const c of cases.slice(1)) if (c.errors.length === 0) c.errors.push('no gitwell repo to clone from (push failed)');

    for (const [k, spec] of CLONES.entries()) {
      const c = cases[k + 1]!;
      for (let i = 0; i < n; i++) {
        for (const side of (i + k) % 2 ? ['peer', 'gitwell'] as const : ['gitwell', 'peer'] as const) {
          if (side === 'gitwell' && (c.errors.length > 0 || !served)) continue;
          const url = side === 'peer' ? `${bridge.url}/big.git` : `${served!.server.url}/bench/big.git`;
          const dest = scratchDir('clone');
          await timed(c, side, [...spec.args, '--quiet', url, path.join(dest.dir, 'c')], dest.dir, env);
          if (i === 0 && k === 0) firstAfterPush[side].push(c[side].at(-1) ?? NaN);
          if (i === 0) await verifyClone(c, side, path.join(dest.dir, 'c'), spec.bare, info, env);
          dest.done();
        }
      }
    }
    if (served) gitwellServerPeakKb = vmHwmKb(served.server.pid);

    // the cold path on its own: an earlier push's data dir served again with the pack cache
    // off, so that every clone walks the repo and packs it (what a clone of a repo that
    // changed and was not cloned lately costs)
    if (stores.length >= 2 && uncached.errors.length === 0) {
      const s0 = stores[0]!;
      await s0.server.stop();
      s0.server = await startServer(s0.dataDir, 30_000, { GITWELL_PACK_CACHE_BYTES: '0' });
      for (let i = 0; i < n; i++) {
        for (const side of i % 2 ? ['peer', 'gitwell'] as const : ['gitwell', 'peer'] as const) {
          const url = side === 'peer' ? `${bridge.url}/big.git` : `${s0.server.url}/bench/big.git`;
          const dest = scratchDir('clone-uncached');
          await timed(uncached, side, [...CLONES[0].args, '--quiet', url, path.join(dest.dir, 'c')], dest.dir, env);
          if (i === 0) await verifyClone(uncached, side, path.join(dest.dir, 'c'), true, info, env);
          dest.done();
        }
      }
    }

    // small operations on the served repo: a working clone pushes, another fetches
    await check('git', ['config', 'http.receivepack', 'true'], { cwd: path.join(root.dir, 'big.git'), env });
    const sides = { peer: { push: `${bridge.url}/big.git`, fetch: `${bridge.url}/big.git` } } as Record<'gitwell' | 'peer', { push: string; fetch: string }>;
    if (served && small[0].errors.length === 0) {
      sides.gitwell = { push: `${served.server.url.replace('://', `://x:${encodeURIComponent(served.key)}@`)}/bench/big.git`, fetch: `${served.server.url}/bench/big.git` };
    }
    const work = scratchDir('small');
    try {
      for (const side of Object.keys(sides) as Array<'gitwell' | 'peer'>) {
        await check('git', ['clone', '--quiet', sides[side].push, path.join(work.dir, `${side}-push`)], { env });
        await check('git', ['clone', '--quiet', '--bare', sides[side].fetch, path.join(work.dir, `${side}-fetch`)], { env });
      }
      for (let i = 0; i < n; i++) {
        for (const side of i % 2 ? ['peer', 'gitwell'] as const : ['gitwell', 'peer'] as const) {
          if (!sides[side]) continue;
          const pusher = path.join(work.dir, `${side}-push`);
          const fetcher = path.join(work.dir, `${side}-fetch`);
          appendFileSync(path.join(pusher, 'bench-small.txt'), `change ${i}\n`);
          await check('git', ['add', 'bench-small.txt'], { cwd: pusher, env });
          await check('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@gitwell.test', 'commit', '--quiet', '-m', `small ${i}`], { cwd: pusher, env });
          await timed(small[0], side, ['push', '--quiet', 'origin', 'HEAD:main'], pusher, env);
          await timed(small[1], side, ['fetch', '--quiet', 'origin', '+refs/heads/*:refs/heads/*'], fetcher, env);
          await timed(small[2], side, ['fetch', '--quiet', 'origin', '+refs/heads/*:refs/heads/*'], fetcher, env);
        }
      }
      // a clone now is the first since the repo changed: no cached pack for gitwell
      for (const side of Object.keys(sides) as Array<'gitwell' | 'peer'>) {
        const dest = scratchDir('clone-after-small');
        await timed(afterSmallPush, side, [...CLONES[0].args, '--quiet', sides[side].fetch, path.join(dest.dir, 'c')], dest.dir, env);
        dest.done();
      }
      for (const side of Object.keys(sides) as Array<'gitwell' | 'peer'>) {
        const a = await run('git', ['rev-parse', 'HEAD'], { cwd: path.join(work.dir, `${side}-push`), env });
        const b = await run('git', ['rev-parse', 'refs/heads/main'], { cwd: path.join(work.dir, `${side}-fetch`), env });
        if (a.stdout.trim() !== b.stdout.trim()) small[1].errors.push(`${side}: the fetching clone has ${b.stdout.trim()}, the pusher ${a.stdout.trim()}`);
      }
    } finally {
      work.done();
    }
  } finally {
    for (const s of stores) { await s.server.stop(); s.data(); }
    await bridge.close();
    root.done();
  }
  if (info.bitmap) notes.push('http-backend serves a repacked repo with a reachability bitmap');
  return { cases: [...cases, firstAfterPush, uncached, ...small, afterSmallPush], gitwellServerPeakKb, pushPeakKb, notes };
}

async function timed(c: CloneCase, side: 'gitwell' | 'peer', args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  const r = await run('git', args, { cwd, env, timeoutMs: 900_000 });
  if (r.code === 0) c[side].push(r.seconds);
  else c.errors.push(`${side}: git ${args.filter((a) => !a.includes('@')).join(' ')} exited ${r.code}: ${r.stderr.trim().slice(-600)}`);
}

async function verifyClone(c: CloneCase, side: string, dir: string, bare: boolean, info: RepoInfo, env: NodeJS.ProcessEnv): Promise<void> {
  const head = await run('git', ['rev-parse', bare ? info.headRef ?? 'refs/heads/main' : 'HEAD'], { cwd: dir, env });
  const count = await run('git', ['count-objects', '-v'], { cwd: dir, env });
  const objects = Number(/^in-pack: (\d+)$/m.exec(count.stdout)?.[1] ?? NaN);
  if (head.stdout.trim() !== info.head) c.errors.push(`${side}: cloned ${info.headRef ?? 'main'} is ${head.stdout.trim() || '(none)'}, expected ${info.head}`);
  if (objects !== info.objects) c.errors.push(`${side}: clone holds ${objects} objects, the repo has ${info.objects}`);
}

function vmHwmKb(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function formatClone(rep: CloneReport): string {
  // seconds, with three decimals where the case takes well under one
  const sec = (x: number) => fixed(x, x < 0.5 ? 3 : 2);
  const rows = rep.cases.map((c) => [c.name, sec(median(c.gitwell)), sec(min(c.gitwell)),
    sec(median(c.peer)), sec(min(c.peer)), ratio(median(c.gitwell), median(c.peer)),
    `${c.gitwell.length}/${c.peer.length}`]);
  const lines = [table(['smart HTTP (seconds)', 'gitwell med', 'min', 'http-backend med', 'min', 'gitwell/peer', 'runs'], rows)];
  if (rep.pushPeakKb.gitwell.length || rep.pushPeakKb.peer.length) {
    const top = (xs: number[]) => (xs.length ? `${mib(Math.max(...xs) * 1024)} MiB` : '—');
    lines.push(`peak RSS during a push: gitwell server ${top(rep.pushPeakKb.gitwell)}, http-backend and its git children ${top(rep.pushPeakKb.peer)}`);
  }
  if (rep.gitwellServerPeakKb) lines.push(`gitwell server peak RSS over the clones: ${mib(rep.gitwellServerPeakKb * 1024)} MiB`);
  for (const note of rep.notes) lines.push(`note: ${note}`);
  for (const c of rep.cases) for (const e of new Set(c.errors)) lines.push(`${c.name}: ${e}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) {
  const info = await ensureRepo();
  console.log(describeRepo(info));
  console.log(formatClone(await benchClone(info)));
}
