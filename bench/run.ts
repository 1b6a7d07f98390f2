// All benchmarks in sequence: generate (or reuse) the repo, pack ingest, smart HTTP, the REST
// /v1 read path under load, line diff, merges of a real history.
//
//   npm run bench                                   full run (~5,000 commits, ≥50,000 objects)
//   GITWELL_BENCH_SCALE=0.1 npm run bench           quick smoke run (scales ingest and clone only)
//   GITWELL_BENCH_ONLY=ingest|clone|http|myers|merge  one part only (or several: http,myers)
//   GITWELL_BENCH_REPO=../shared/bench-data/lodash.bundle   ingest and clone also on a real
//                                                   repository (a bare repo or a bundle)
//
// Every figure for gitwell is printed beside the peer's from the same run, and the raw
// samples are written to bench/.work/results-<scale>.json.
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchClone, formatClone, type CloneReport } from './clone.js';
import { describeRepo, ensureRepo, type RepoInfo } from './gen-repo.js';
import { ensureRealRepo, realRepoSource } from './real-repo.js';
import { benchIngest, formatIngest, type IngestReport } from './ingest.js';
import { SCALE, WORK, gitEnv } from './lib/env.js';
import { check, run } from './lib/proc.js';
import { fixed } from './lib/stats.js';
import { benchHotFront, formatHotFront } from './hot-front.js';
import { benchV1Http, formatV1Http, v1HttpFailed, type V1HttpReport } from './v1-http.js';

const PARTS = ['ingest', 'clone', 'http', 'myers', 'merge'] as const;
type Part = (typeof PARTS)[number];
const only = selectParts(process.env.GITWELL_BENCH_ONLY);
const t0 = performance.now();

const gitVersion = (await check('git', ['--version'], { env: gitEnv() })).stdout.trim();
console.log(`gitwell benchmarks — node ${process.version}, ${gitVersion}, ${cpus().length} cpus ` +
  `(${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, scale ${SCALE}, ${load()}\n`);

let info: RepoInfo | undefined;
if (only.has('ingest') || only.has('clone')) {
  info = await ensureRepo();
  console.log(describeRepo(info) + '\n');
}

let ingest: IngestReport | undefined;
let clone: CloneReport | undefined;
let v1Http: V1HttpReport | undefined;
let hotFront: Awaited<ReturnType<typeof benchHotFront>> | undefined;
let myers: MyersOutcome | undefined;
let merge: ChildOutcome | undefined;
if (info && only.has('ingest')) {
  ingest = await benchIngest(info);
  console.log(formatIngest(ingest) + '\n');
}
if (info && only.has('clone')) {
  clone = await benchClone(info);
  console.log(formatClone(clone) + '\n');
}
// the same parts on a real repository, beside the generated one (GITWELL_BENCH_REPO)
const realSource = realRepoSource();
let real: { repo: RepoInfo; ingest?: IngestReport; clone?: CloneReport } | undefined;
if (realSource && (only.has('ingest') || only.has('clone'))) {
  const repo = await ensureRealRepo(realSource);
  real = { repo };
  console.log(`real repository (GITWELL_BENCH_REPO): ${describeRepo(repo)}\n`);
  if (only.has('ingest')) {
    real.ingest = await benchIngest(repo);
    console.log(formatIngest(real.ingest) + '\n');
  }
  if (only.has('clone')) {
    real.clone = await benchClone(repo);
    console.log(formatClone(real.clone) + '\n');
  }
}
if (only.has('http')) {
  v1Http = await benchV1Http();
  console.log(formatV1Http(v1Http) + '\n');
  if (v1HttpFailed(v1Http)) process.exitCode = 1;
  // the same three requests without sockets, by CPU time: steadier on a shared machine
  if (!v1Http.skipped) {
    hotFront = await benchHotFront();
    console.log(formatHotFront(hotFront) + '\n');
  }
}
if (only.has('myers')) {
  myers = await benchMyersChild();
  console.log((myers.text ?? `line diff (bench/myers.ts): skipped — ${myers.skipped}`) + '\n');
}
if (only.has('merge')) {
  merge = await benchChild('merge.js', 'benchMerge', 'formatMerge', 1_800_000);
  console.log((merge.text ?? `merge (bench/merge.ts): skipped — ${merge.skipped}`) + '\n');
  if ((merge.rows as { mismatches?: unknown[] } | undefined)?.mismatches?.length) process.exitCode = 1;
}

const out = path.join(WORK, `results-s${SCALE}.json`);
writeFileSync(out, JSON.stringify({
  at: new Date().toISOString(), node: process.version, git: gitVersion, repo: info, ingest, clone, real, v1Http, hotFront,
  myers: myers && { rows: myers.rows, skipped: myers.skipped },
  merge: merge && { report: merge.rows, skipped: merge.skipped },
}, null, 2) + '\n');
console.log(`raw samples: ${path.relative(process.cwd(), out)}; ${fixed((performance.now() - t0) / 1000, 0)} s in all; ` +
  `${load()} (other work on the machine makes every figure noisier)`);
if (process.exitCode) console.log('FAILED: a case did not pass its checks (see above)');

function load(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}

function selectParts(raw: string | undefined): Set<Part> {
  if (!raw) return new Set(PARTS);
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(PARTS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) throw new Error(`GITWELL_BENCH_ONLY: expected ${PARTS.join(', ')} (comma-separated), got ${JSON.stringify(raw)}`);
  return new Set(names as Part[]);
}

interface MyersOutcome { text?: string; rows?: unknown; skipped?: string }
type ChildOutcome = MyersOutcome;

/**
 * bench/myers.ts (WASM Myers vs jsdiff and fast-myers-diff) in a fresh Node process: a clean
 * heap for a micro-benchmark after the heavy parts, and a crash there does not end the run.
 * Loaded by URL at run time, so this file builds whether or not myers.ts exists or builds.
 */
async function benchMyersChild(): Promise<MyersOutcome> {
  return benchChild('myers.js', 'benchMyers', 'formatMyers', 300_000);
}

/** A part in a fresh Node process (its `bench` export, then `format` of what it returned). */
async function benchChild(name: string, bench: string, format: string, timeoutMs: number): Promise<ChildOutcome> {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), name);
  if (!existsSync(file)) return { skipped: `${path.relative(process.cwd(), file)} is missing (not built)` };
  // argv[1] is a file: URL, so the part's own "am I the entry point" test stays false
  const script = `
    const m = await import(process.argv[1]);
    if (typeof m.${bench} !== 'function' || typeof m.${format} !== 'function') throw new Error('${name} exports no ${bench}/${format}');
    const rows = await m.${bench}();
    process.stdout.write('PART_JSON ' + JSON.stringify({ text: m.${format}(rows), rows }) + '\\n');`;
  try {
    const r = await run(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], { timeoutMs });
    const line = r.stdout.split('\n').find((l) => l.startsWith('PART_JSON '));
    if (r.code !== 0 || !line) {
      const why = (r.stderr.trim().split('\n').find((l) => /Error/.test(l)) ?? r.stderr.trim().split('\n').pop() ?? '').slice(0, 300);
      return { skipped: `it exited ${r.code ?? `on a signal (killed after ${timeoutMs / 1000} s?)`}: ${why}` };
    }
    return JSON.parse(line.slice('PART_JSON '.length)) as ChildOutcome;
  } catch (err) {
    return { skipped: String(err) };
  }
}
