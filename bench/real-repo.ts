// A real repository for the benchmarks, named by GITWELL_BENCH_REPO: a bare repository or a
// bundle (`git bundle create --branches --tags`), e.g. ../shared/bench-data/lodash.bundle.
// It is copied (or mirror-cloned) once into bench/.work/real-<name>-<hash>.git and repacked
// into one pack with a reachability bitmap, as a maintained git host keeps its repositories
// (the peer, http-backend, then serves clones from the bitmap). Nothing of it is generated.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RepoInfo } from './gen-repo.js';
import { WORK, gitEnv, isMain } from './lib/env.js';
import { check, run } from './lib/proc.js';
import { mib } from './lib/stats.js';

/** The source named by GITWELL_BENCH_REPO, or null when unset. */
export function realRepoSource(): string | null {
  const s = process.env.GITWELL_BENCH_REPO;
  return s ? path.resolve(s) : null;
}

export async function ensureRealRepo(source: string, log: (s: string) => void = console.log): Promise<RepoInfo> {
  if (!existsSync(source)) throw new Error(`GITWELL_BENCH_REPO: ${source} does not exist`);
  const st = statSync(source);
  const tag = createHash('sha1').update(`${source} ${st.size} ${st.mtimeMs}`).digest('hex').slice(0, 8);
  const name = path.basename(source).replace(/\.(bundle|git)$/, '');
  const dir = path.join(WORK, `real-${name}-${tag}.git`);
  const metaFile = path.join(dir, 'bench-meta.json');
  if (existsSync(metaFile)) {
    const info = JSON.parse(readFileSync(metaFile, 'utf8')) as RepoInfo;
    if (existsSync(info.pack)) return info;
  }
  rmSync(dir, { recursive: true, force: true });
  const env = gitEnv();
  const t0 = performance.now();
  log(`preparing ${dir} from ${source} …`);
  if (st.isFile()) await check('git', ['clone', '--quiet', '--mirror', source, dir], { env, timeoutMs: 1_800_000 });
  else cpSync(source, dir, { recursive: true });
  // one pack with a bitmap; existing deltas kept (-d without -f): the repository as its host has it
  await check('git', ['repack', '-a', '-d', '-b', '-q'], { cwd: dir, env, timeoutMs: 1_800_000 });
  await check('git', ['pack-refs', '--all'], { cwd: dir, env });
  const packDir = path.join(dir, 'objects', 'pack');
  const packs = readdirSync(packDir).filter((f) => f.endsWith('.pack'));
  if (packs.length !== 1) throw new Error(`expected one pack after repack -a -d, found ${packs.length}`);
  const pack = path.join(packDir, packs[0]!);
  const stats = await packStats(pack, env);
  const out = async (args: string[]) => (await check('git', args, { cwd: dir, env })).stdout.trim();
  const headRef = await branchForHead(dir, env);
  await check('git', ['symbolic-ref', 'HEAD', headRef], { cwd: dir, env });
  const info: RepoInfo = {
    label: path.basename(source),
    version: 'real',
    scale: 1,
    dir,
    pack,
    packBytes: statSync(pack).size,
    ...stats,
    commits: Number(await out(['rev-list', '--all', '--count'])),
    tags: (await out(['for-each-ref', '--format=x', 'refs/tags'])).split('\n').filter(Boolean).length,
    topics: 0,
    renames: 0,
    files: (await out(['ls-tree', '-r', '--name-only', headRef])).split('\n').filter(Boolean).length,
    bitmap: existsSync(pack.replace(/\.pack$/, '.bitmap')),
    refs: (await out(['for-each-ref', '--format=%(refname)'])).split('\n').filter(Boolean).length,
    headRef,
    head: await out(['rev-parse', headRef]),
    generateSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaFile, JSON.stringify(info, null, 2) + '\n');
  return info;
}

/**
 * The branch HEAD names if it exists, else main, else master, else the first branch (a
 * bundle's HEAD may name a branch the bundle does not carry).
 */
async function branchForHead(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const branches = (await check('git', ['for-each-ref', '--format=%(refname)', 'refs/heads'], { cwd: dir, env })).stdout.split('\n').filter(Boolean);
  const head = (await run('git', ['symbolic-ref', '-q', 'HEAD'], { cwd: dir, env })).stdout.trim();
  for (const b of [head, 'refs/heads/main', 'refs/heads/master']) if (branches.includes(b)) return b;
  if (branches.length === 0) throw new Error(`${dir} has no branches`);
  return branches[0]!;
}

/** Object count, delta count and longest delta chain, from `git verify-pack -s`. */
export async function packStats(pack: string, env: NodeJS.ProcessEnv): Promise<{ objects: number; deltas: number; maxChain: number }> {
  const out = (await check('git', ['verify-pack', '-s', pack.replace(/\.pack$/, '.idx')], { env, cwd: path.dirname(pack) })).stdout;
  let objects = 0;
  let deltas = 0;
  let maxChain = 0;
  for (const m of out.matchAll(/^non delta: (\d+) objects?$/gm)) objects += Number(m[1]);
  for (const m of out.matchAll(/^chain length = (\d+): (\d+) objects?$/gm)) {
    deltas += Number(m[2]);
    maxChain = Math.max(maxChain, Number(m[1]));
  }
  return { objects: objects + deltas, deltas, maxChain };
}

if (isMain(import.meta.url)) {
  const source = realRepoSource();
  if (!source) throw new Error('set GITWELL_BENCH_REPO to a bare repository or a bundle');
  const info = await ensureRealRepo(source);
  console.log(`${info.label}: ${info.objects} objects (${info.deltas} deltas, max chain ${info.maxChain}), ${info.commits} commits, ` +
    `${info.refs} refs; pack ${mib(info.packBytes)} MiB${info.bitmap ? ' + bitmap' : ''}; head ${info.headRef}`);
}
