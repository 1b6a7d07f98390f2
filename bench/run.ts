// All benchmarks in sequence: generate (or reuse) the repo, pack ingest, smart HTTP.
//
//   npm run bench                                   full run (~5,000 commits, ≥50,000 objects)
//   GITWELL_BENCH_SCALE=0.1 npm run bench           quick smoke run
//   GITWELL_BENCH_ONLY=ingest|clone                 one part only
//
// Every figure for gitwell is printed beside the peer's from the same run, and the raw
// samples are written to bench/.work/results-<scale>.json.
import { cpus, loadavg, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchClone, formatClone, type CloneReport } from './clone.js';
import { describeRepo, ensureRepo } from './gen-repo.js';
import { benchIngest, formatIngest, type IngestReport } from './ingest.js';
import { SCALE, WORK, gitEnv } from './lib/env.js';
import { check } from './lib/proc.js';

const only = process.env.GITWELL_BENCH_ONLY;
const gitVersion = (await check('git', ['--version'], { env: gitEnv() })).stdout.trim();
console.log(`gitwell benchmarks — node ${process.version}, ${gitVersion}, ${cpus().length} cpus ` +
  `(${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, scale ${SCALE}, ${load()}\n`);

const info = await ensureRepo();
console.log(describeRepo(info) + '\n');

let ingest: IngestReport | undefined;
let clone: CloneReport | undefined;
if (!only || only === 'ingest') {
  ingest = await benchIngest(info);
  console.log(formatIngest(ingest) + '\n');
}
if (!only || only === 'clone') {
  clone = await benchClone(info);
  console.log(formatClone(clone) + '\n');
}

const out = path.join(WORK, `results-s${SCALE}.json`);
writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), node: process.version, git: gitVersion, repo: info, ingest, clone }, null, 2) + '\n');
console.log(`raw samples: ${path.relative(process.cwd(), out)}; ${load()} (other work on the machine makes every figure noisier)`);

function load(): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`;
}
