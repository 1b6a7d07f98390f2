// Merging the two parents of every merge commit of a real history: gitwell's merge engine
// (src/core/merge, in this process, reading a gitwell LMDB store the repository was ingested
// into, as the merge route does) against `git merge-tree --write-tree` on the same pairs, in
// the same run. git's figure is the wall clock of one `git merge-tree` process per merge, so
// it includes git's process start (a few ms): the price of asking git per merge, which a
// server merging through git would pay too.
//
//   npm run build && node dist/bench/merge.js
//   GITWELL_BENCH_MERGE_REPO=path/to/repo-or.bundle   another history (default: lodash in ../shared/bench-data)
//   GITWELL_BENCH_MERGE_LIMIT=40                        only the first 40 merges (rev-list order)
//   GITWELL_BENCH_RUNS=5                                timed rounds (default 3)
//
// Every merge is checked first: gitwell's tree and cleanness must equal git's, or the run fails.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CommitGraph } from '../src/core/commit-graph.js';
import { mergeCommits } from '../src/core/merge/ort.js';
import type { ObjectFinder } from '../src/core/object/finder.js';
import { ingestPackFile } from '../src/services/ingest.js';
import { repoFinder } from '../src/services/objects.js';
import { openStore } from '../storage/index.js';
import { ROOT, WORK, gitEnv, isMain, runs, scratchDir } from './lib/env.js';
import { check, run } from './lib/proc.js';
import { fixed, median, ratio, table } from './lib/stats.js';

export interface MergeReport {
  repo: string;
  merges: number;
  conflicted: number;
  /** per round: total ms over all merges */
  gitwellMs: number[];
  gitMs: number[];
  mismatches: string[];
  /** where the engine's objects came from */
  finder?: string;
  skipped?: string;
}

/**
 * Commits and trees of `repo` read at once, blobs on first use (the untimed check pass reads
 * every blob the merges need, so timed rounds read memory).
 */
function memoryFinder(repo: string): ObjectFinder {
  const env = gitEnv();
  const types: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
  const listed = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch-check'], { cwd: repo, env, maxBuffer: 1 << 28 }).toString();
  const want = listed.split('\n').filter((l) => l && !l.includes(' blob ')).map((l) => l.slice(0, 40)).join('\n') + '\n';
  const out = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, env, input: want, maxBuffer: 1 << 30 });
  const objects = new Map<string, { type: number; data: Buffer }>();
  for (let p = 0; p < out.length; ) {
    const nl = out.indexOf(10, p);
    const [oid, type, size] = out.toString('latin1', p, nl).split(' ');
    objects.set(Buffer.from(oid, 'hex').toString('latin1'), { type: types[type], data: out.subarray(nl + 1, nl + 1 + Number(size)) });
    p = nl + 1 + Number(size) + 1;
  }
  const get = (oid: Uint8Array) => {
    const key = Buffer.from(oid).toString('latin1');
    let o = objects.get(key);
    if (!o) {
      const data = execFileSync('git', ['cat-file', 'blob', Buffer.from(oid).toString('hex')], { cwd: repo, env, maxBuffer: 1 << 30 });
      objects.set(key, (o = { type: 3, data }));
    }
    return o;
  };
  return { get, info: (oid) => ({ type: get(oid).type, size: get(oid).data.length }) };
}

const DEFAULT_REPO = path.resolve(ROOT, '..', 'shared', 'bench-data', 'lodash.bundle');

/** A bare copy of the history under bench/.work (cloned once). */
async function mirror(source: string): Promise<string> {
  const name = path.basename(source).replace(/\.(bundle|git)$/, '');
  const dest = path.join(WORK, `merge-${name}.git`);
  if (!existsSync(dest)) await check('git', ['clone', '-q', '--mirror', source, dest], { env: gitEnv(), timeoutMs: 600_000 });
  return dest;
}

function largestPack(repo: string): string {
  const dir = path.join(repo, 'objects', 'pack');
  const packs = readdirSync(dir).filter((f) => f.endsWith('.pack')).map((f) => path.join(dir, f));
  if (packs.length !== 1) throw new Error(`${repo}: expected one pack, found ${packs.length} (run git repack -ad there)`);
  return packs.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

export async function benchMerge(): Promise<MergeReport> {
  const source = process.env.GITWELL_BENCH_MERGE_REPO ?? DEFAULT_REPO;
  const empty: MergeReport = { repo: source, merges: 0, conflicted: 0, gitwellMs: [], gitMs: [], mismatches: [] };
  if (!existsSync(source)) return { ...empty, skipped: `${source} is not there (see ../shared/bench-data/README.md)` };
  const repo = await mirror(source);
  const env = gitEnv();
  const lines = (await check('git', ['rev-list', '--all', '--merges', '--min-parents=2', '--max-parents=2', '--parents'], { cwd: repo, env })).stdout.trim().split('\n');
  const limit = Number(process.env.GITWELL_BENCH_MERGE_LIMIT ?? Infinity);
  const pairs = lines.slice(0, limit).map((l) => l.split(' ').slice(1, 3) as [string, string]);

  const scratch = scratchDir('merge');
  const store = openStore(scratch.dir);
  try {
    let finder: ObjectFinder;
    let finderNote: string;
    const r = store.createRepo({ org: 'bench', namespace: null, slug: 'merge', visibility: 'private', defaultBranch: 'main' });
    try {
      await ingestPackFile(store, r.id, largestPack(repo));
      // every object joins the repo, as after a push of the whole history
      const all = (await check('git', ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: repo, env })).stdout.trim().split('\n');
      await store.updateRefs(r.id, [{ name: 'refs/heads/main', expect: null, next: pairs[0]?.[0] ?? all[0] }], all.map((o) => Buffer.from(o, 'hex')), true);
      finder = repoFinder(store, store.getRepo(r.id)!);
      finderNote = 'objects read from a gitwell LMDB store the pack was ingested into';
    } catch (e) {
      // the store refuses some real histories (fsck): read git's objects instead
      finder = memoryFinder(repo);
      finderNote = `objects read from memory (git cat-file; the store refused the pack: ${String((e as Error).message).slice(0, 120)})`;
    }

    const gitMerge = (p1: string, p2: string) => run('git', ['merge-tree', '--write-tree', '--allow-unrelated-histories', p1, p2], { cwd: repo, env });
    // check every merge once (also warms both sides' caches)
    const report: MergeReport = { ...empty, merges: pairs.length, finder: finderNote };
    for (const [p1, p2] of pairs) {
      const g = await gitMerge(p1, p2);
      const mine = mergeCommits(finder, p1, p2, { graph: new CommitGraph(finder) });
      const tree = g.stdout.split('\n')[0];
      if (mine.tree.toString('hex') !== tree || mine.clean !== (g.code === 0)) report.mismatches.push(`${p1} ${p2}`);
      if (!mine.clean) report.conflicted++;
    }
    for (let round = 0; round < runs(3); round++) {
      const gitFirst = round % 2 === 1;
      const timeGit = async () => {
        const t = performance.now();
        for (const [p1, p2] of pairs) await gitMerge(p1, p2);
        report.gitMs.push(performance.now() - t);
      };
      const timeGitwell = () => {
        const t = performance.now();
        for (const [p1, p2] of pairs) mergeCommits(finder, p1, p2, { graph: new CommitGraph(finder) });
        report.gitwellMs.push(performance.now() - t);
      };
      if (gitFirst) {
        await timeGit();
        timeGitwell();
      } else {
        timeGitwell();
        await timeGit();
      }
    }
    return report;
  } finally {
    store.close();
    scratch.done();
  }
}

export function formatMerge(r: MergeReport): string {
  if (r.skipped) return `merge (bench/merge.ts): skipped — ${r.skipped}`;
  const gw = median(r.gitwellMs);
  const g = median(r.gitMs);
  const per = (ms: number) => fixed(ms / r.merges, 2);
  return [
    `Merges: the parents of ${r.merges} merge commits of ${path.basename(r.repo)} (${r.conflicted} conflicted), ` +
      `${r.gitwellMs.length} rounds, median; git's time includes its process start; gitwell: ${r.finder}`,
    table(['', 'total ms', 'ms per merge'], [
      ['gitwell merge engine (in-process)', fixed(gw, 0), per(gw)],
      ['git merge-tree --write-tree', fixed(g, 0), per(g)],
    ]),
    `gitwell / git time: ${ratio(gw, g)} (target ≤ 1.0×)` +
      (r.mismatches.length ? `\nFAILED: ${r.mismatches.length} merges differ from git's: ${r.mismatches.slice(0, 3).join(', ')}` : '; every tree equal to git\'s'),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const r = await benchMerge();
  console.log(formatMerge(r));
  if (r.mismatches.length) process.exitCode = 1;
}
