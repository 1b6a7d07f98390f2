// Pack ingest: the generated repo's single pack, indexed by `git index-pack`
// (one thread, default threads) and ingested by gitwell into a fresh LMDB store.
// Runs alternate between the three, each into a fresh output; median of N.
//
//   node dist/bench/ingest.js        (GITWELL_BENCH_RUNS, GITWELL_BENCH_SCALE)
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureRepo, describeRepo, type RepoInfo } from './gen-repo.js';
import type { IngestChildResult } from './ingest-child.js';
import { gitEnv, isMain, runs, scratchDir } from './lib/env.js';
import { INGEST_MODULE, STORE_MODULE, gitwellMissing } from './lib/gitwell.js';
import { run } from './lib/proc.js';
import { fixed, max, median, mib, min, ratio, table } from './lib/stats.js';

interface Sample { seconds: number; peakRssKb: number; outBytes: number; ingestSeconds?: number; baseRssKb?: number }
export interface IngestCase { name: string; samples: Sample[]; error?: string }
export interface IngestReport { objects: number; packBytes: number; cases: IngestCase[] }

const CHILD = path.join(path.dirname(new URL(import.meta.url).pathname), 'ingest-child.js');

export async function benchIngest(info: RepoInfo, n = runs(3)): Promise<IngestReport> {
  readFileSync(info.pack); // warm the page cache so the first run is not the only cold one
  const cases: IngestCase[] = [
    { name: 'git index-pack --threads=1', samples: [] },
    { name: 'git index-pack', samples: [] },
    { name: 'gitwell ingestPackFile', samples: [], error: gitwellMissing(STORE_MODULE, INGEST_MODULE) ?? undefined },
  ];
  const expectedPackHash = path.basename(info.pack).replace(/^pack-|\.pack$/g, '');
  for (let i = 0; i < n; i++) {
    for (const [k, threads] of [[0, ['--threads=1']], [1, []]] as const) {
      const c = cases[k]!;
      if (c.error) continue;
      const s = scratchDir('index-pack');
      const idx = path.join(s.dir, 'out.idx');
      // cwd outside any repository: inside one, index-pack would also collision-check every object
      const r = await run('git', ['index-pack', ...threads, '-o', idx, info.pack], { cwd: s.dir, env: gitEnv(), trackRss: true });
      if (r.code !== 0) c.error = `exit ${r.code}: ${r.stderr.slice(-500)}`;
      else if (!r.stdout.includes(expectedPackHash)) c.error = `unexpected pack hash ${r.stdout.trim()}`;
      else c.samples.push({ seconds: r.seconds, peakRssKb: r.peakRssKb, outBytes: statSync(idx).size });
      s.done();
    }
    const g = cases[2]!;
    if (g.error) continue;
    const s = scratchDir('ingest');
    const r = await run(process.execPath, [CHILD, s.dir, info.pack], { trackRss: true, timeoutMs: 1_800_000 });
    if (r.code !== 0) {
      g.error = `exit ${r.code}: ${errorLine(r.stderr)}`;
    } else {
      const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as IngestChildResult;
      if (out.objects !== info.objects) g.error = `ingested ${out.objects} objects, the pack has ${info.objects}`;
      g.samples.push({ seconds: out.seconds, ingestSeconds: out.ingestSeconds, baseRssKb: out.baseRssKb, peakRssKb: Math.max(out.maxRssKb, r.peakRssKb), outBytes: dirBytes(s.dir) });
    }
    s.done();
  }
  return { objects: info.objects, packBytes: info.packBytes, cases };
}

export function formatIngest(rep: IngestReport): string {
  const secs = (c: IngestCase) => median(c.samples.map((s) => s.seconds));
  const rss = (c: IngestCase) => max(c.samples.map((s) => s.peakRssKb)) * 1024;
  const rows = rep.cases.map((c) => c.samples.length === 0
    ? [c.name, '—', '—', '—', '—', '—', '—']
    : [c.name, fixed(secs(c), 3), fixed(min(c.samples.map((s) => s.seconds)), 3),
      fixed(rep.objects / secs(c) / 1000, 1), fixed(rep.packBytes / secs(c) / 1e6, 1),
      mib(rss(c)), mib(c.samples[0]!.outBytes)]);
  const lines = [`ingest of one pack: ${rep.objects} objects, ${mib(rep.packBytes)} MiB (median of ${rep.cases[0]!.samples.length})`,
    table(['', 'median s', 'min s', 'kobj/s', 'MB/s', 'peak RSS MiB', 'output MiB'], rows)];
  const gw = rep.cases[2]!;
  if (gw.samples.length) {
    lines.push(`gitwell: ingestPackFile alone ${fixed(median(gw.samples.map((s) => s.ingestSeconds ?? NaN)), 3)} s median; ` +
      `the rest is openStore, createRepo and close; RSS before the store opened ${mib(max(gw.samples.map((s) => s.baseRssKb ?? NaN)) * 1024)} MiB`);
  }
  for (const peer of rep.cases.slice(0, 2)) {
    lines.push(`gitwell / ${peer.name}: time ${ratio(secs(gw), secs(peer))}, peak RSS ${ratio(rss(gw), rss(peer))}`);
  }
  for (const c of rep.cases) if (c.error) lines.push(`${c.name}: ${c.error}`);
  return lines.join('\n');
}

/** The line that names the error in a Node stack dump, else the last line. */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.find((l) => /^\w*Error\b|^GitwellError|^\s*code:/.test(l)) ?? lines.at(-1) ?? '';
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += statSync(path.join(e.parentPath ?? e.path, e.name)).size;
  }
  return total;
}

if (isMain(import.meta.url)) {
  const info = await ensureRepo();
  console.log(describeRepo(info));
  console.log(formatIngest(await benchIngest(info)));
}
