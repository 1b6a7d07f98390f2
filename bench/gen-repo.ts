// Generates the benchmark repository with the real git CLI and caches it.
//
//   git init --bare; git fast-import < synthetic history; git repack -adf --depth=50 --window=10
//
// The result lives in bench/.work/repo-<VERSION>-s<scale>.git with bench-meta.json
// written last, so an interrupted run is regenerated and a finished one is reused.
// Bump VERSION whenever the history generator changes.
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SCALE, WORK, gitEnv, isMain } from './lib/env.js';
import { FastImport } from './lib/fast-import.js';
import { writeHistory, type HistoryStats } from './lib/history.js';
import { check } from './lib/proc.js';
import { mib } from './lib/stats.js';
import { packStats } from './real-repo.js';

const VERSION = 'v1';
const BASE_COMMITS = 5_000;

export interface RepoInfo extends HistoryStats {
  /** what the figures are of: "generated, scale 1" or the real repository's file name */
  label?: string;
  version: string;
  scale: number;
  /** The bare repository. */
  dir: string;
  /** Its single pack after `repack -adf`. */
  pack: string;
  packBytes: number;
  objects: number;
  deltas: number;
  maxChain: number;
  bitmap: boolean;
  refs: number;
  /** the branch HEAD names (refs/heads/main for the generated repo) and its commit */
  headRef?: string;
  head: string;
  generateSeconds: number;
}

export async function ensureRepo(log: (s: string) => void = console.log): Promise<RepoInfo> {
  const dir = path.join(WORK, `repo-${VERSION}-s${SCALE}.git`);
  const metaFile = path.join(dir, 'bench-meta.json');
  if (existsSync(metaFile)) {
    const info = JSON.parse(readFileSync(metaFile, 'utf8')) as RepoInfo;
    if (existsSync(info.pack)) return info;
  }
  rmSync(dir, { recursive: true, force: true });
  const env = gitEnv();
  const t0 = performance.now();
  log(`generating ${dir} (scale ${SCALE}) …`);
  await check('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], { env });
  const fi = new FastImport(dir, env);
  const history = await writeHistory(fi, Math.max(60, Math.round(BASE_COMMITS * SCALE)));
  await fi.done();
  log(`  fast-import: ${history.commits} commits in ${((performance.now() - t0) / 1000).toFixed(1)} s; repacking …`);
  await check('git', ['repack', '-adf', '--depth=50', '--window=10', '-q'], { cwd: dir, env, timeoutMs: 1_800_000 });
  await check('git', ['pack-refs', '--all'], { cwd: dir, env });

  const packDir = path.join(dir, 'objects', 'pack');
  const packs = readdirSync(packDir).filter((f) => f.endsWith('.pack'));
  if (packs.length !== 1) throw new Error(`expected one pack after repack -adf, found ${packs.length}`);
  const pack = path.join(packDir, packs[0]!);
  const chains = await packStats(pack, env);
  const refs = (await check('git', ['for-each-ref', '--format=%(refname)'], { cwd: dir, env })).stdout.trim().split('\n');
  const info: RepoInfo = {
    ...history,
    version: VERSION,
    scale: SCALE,
    dir,
    pack,
    packBytes: statSync(pack).size,
    ...chains,
    bitmap: existsSync(pack.replace(/\.pack$/, '.bitmap')),
    refs: refs.length,
    head: (await check('git', ['rev-parse', 'refs/heads/main'], { cwd: dir, env })).stdout.trim(),
    generateSeconds: (performance.now() - t0) / 1000,
  };
  writeFileSync(metaFile, JSON.stringify(info, null, 2) + '\n');
  return info;
}

export function describeRepo(info: RepoInfo): string {
  return `repo ${info.label ?? path.basename(info.dir)}: ${info.objects} objects (${info.deltas} deltas, max chain ${info.maxChain}), ` +
    `${info.commits} commits, ${info.refs} refs, ${info.files} files; pack ${mib(info.packBytes)} MiB` +
    `${info.bitmap ? ' + bitmap' : ''}; ${info.version === 'real' ? 'prepared' : 'generated'} in ${info.generateSeconds.toFixed(1)} s`;
}

if (isMain(import.meta.url)) {
  const info = await ensureRepo();
  console.log(describeRepo(info));
  console.log(`pack: ${info.pack}`);
}
