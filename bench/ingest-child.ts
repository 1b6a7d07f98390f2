// Runs gitwell's pack ingest in its own process, so its RSS is its own.
//   node dist/bench/ingest-child.js <data-dir> <pack>  → one JSON line on stdout
//
// The modules are imported by path at run time: the benchmarks must compile even
// when the server's build output does not exist yet. The types below are the
// contract the benchmark expects (see storage/index.ts, src/services/ingest.ts).
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { INGEST_MODULE, STORE_MODULE } from './lib/gitwell.js';

interface BenchStore {
  createRepo(r: { org: string; namespace: string | null; slug: string; visibility: 'private' | 'public'; defaultBranch: string }): { id: number };
  close(): void;
}
interface StoreModule { openStore(dir: string): BenchStore }
interface IngestModule {
  ingestPackFile(store: BenchStore, repoId: number, packPath: string): Promise<{ objects: number; deltas: number; bytes: number }>;
}

export interface IngestChildResult {
  /** openStore → createRepo → ingestPackFile → close, in this process. */
  seconds: number;
  /** ingestPackFile alone. */
  ingestSeconds: number;
  /** CPU time (user + system, every thread) of ingestPackFile alone. */
  ingestCpuSeconds: number;
  objects: number;
  deltas: number;
  bytes: number;
  /** getrusage(RUSAGE_SELF).ru_maxrss, KiB. */
  maxRssKb: number;
  /** RSS after the modules loaded, before the store opened, KiB: Node's floor. */
  baseRssKb: number;
}

const [dataDir, packPath] = process.argv.slice(2);
if (!dataDir || !packPath) throw new Error('usage: node dist/bench/ingest-child.js <data-dir> <pack>');
const { openStore } = (await import(pathToFileURL(STORE_MODULE).href)) as StoreModule;
const { ingestPackFile } = (await import(pathToFileURL(INGEST_MODULE).href)) as IngestModule;

const baseRssKb = Math.round(process.memoryUsage().rss / 1024);
const t0 = performance.now();
const store = openStore(dataDir);
const repo = store.createRepo({ org: 'bench', namespace: null, slug: 'big', visibility: 'private', defaultBranch: 'main' });
const t1 = performance.now();
const cpu0 = process.cpuUsage();
const result = await ingestPackFile(store, repo.id, packPath);
const t2 = performance.now();
const cpu = process.cpuUsage(cpu0);
store.close();
const t3 = performance.now();

const out: IngestChildResult = {
  seconds: (t3 - t0) / 1000,
  ingestSeconds: (t2 - t1) / 1000,
  ingestCpuSeconds: (cpu.user + cpu.system) / 1e6,
  ...result,
  maxRssKb: process.resourceUsage().maxRSS,
  baseRssKb,
};
console.log(JSON.stringify(out));
