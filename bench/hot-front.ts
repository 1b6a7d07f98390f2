// The synchronous front of /v1 (src/http/v1/hot.ts) alone, in this process, no sockets: the CPU
// time of one call for a replayed raw read with the master key, the same with a scoped token,
// and a 429 of a caller out of tokens. On a shared 2-core machine the HTTP figures of
// v1-http.ts move by ±10 % between runs; CPU time of this process, the least of 12 rounds,
// moves by ~2 %, enough to see what scopes cost (the target: under 5 %) and that a
// refusal costs less than an answer. What it leaves out (uWS, the socket) is the same for all
// three; v1-http.ts measures them whole.
//
//   npm run build && node dist/bench/hot-front.js
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SCRATCH, isMain } from './lib/env.js';
import { fixed, ratio, table } from './lib/stats.js';

const ROUNDS = 12;
const CALLS = 300_000;

interface Row { case: string; ns: number }

const dist = (p: string) => import(pathToFileURL(path.join(ROOT, 'dist', p)).href);

export async function benchHotFront(): Promise<Row[]> {
  const { openStore } = await dist('storage/index.js');
  const { loadConfig } = await dist('src/config.js');
  const { HotCache, hotPath } = await dist('src/http/v1/hot.js');
  const { createKey, createToken } = await dist('src/services/credentials.js');
  const { authenticate } = await dist('src/services/principal.js');
  const { systemClock } = await dist('src/core/clock.js');
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(path.join(SCRATCH, 'hot-front-'));
  const store = openStore(dir);
  try {
    const high = '1000000000';
    const config = loadConfig({ dataDir: dir }, { GITWELL_RATE_LIMIT_PER_MINUTE: high, GITWELL_RATE_LIMIT_PER_HOUR: high });
    const limitedConfig = loadConfig({ dataDir: dir }, { GITWELL_RATE_LIMIT_PER_MINUTE: '1', GITWELL_RATE_LIMIT_PER_HOUR: '1' });
    const repo = store.createRepo({ org: 'bench', namespace: null, slug: 'bench', visibility: 'private', defaultBranch: 'main' });
    const key: string = createKey(store, 'bench', 'k').key;
    const token: string = createToken(store, 'bench', { name: 't', scopes: { 'repos:bench': ['read'] }, expiresIn: 86_400 }, { keyId: null }, systemClock).token;
    for (const s of [key, token]) authenticate(store, s, Date.now());
    const url = '/v1/repos/bench/raw/main/blob-4k.txt';
    const cache = new HotCache(64 << 20);
    const headers = { 'content-type': 'text/plain; charset=utf-8', etag: `"${'a'.repeat(40)}"`, 'cache-control': 'private, max-age=60' };
    cache.offer(`bench\0${url}`, { status: 200, headers, body: Buffer.alloc(4096, 'x') }, { repoId: repo.id, generation: store.repoGeneration(repo.id) }, repo);
    const served = hotPath(store, config, cache, systemClock);
    const refusing = hotPath(store, limitedConfig, cache, systemClock);
    const req = (secret: string) => {
      const h: Record<string, string> = { 'x-api-key': secret };
      return { method: 'get', url, query: '', header: (n: string) => h[n] ?? '', ip: () => '127.0.0.1' };
    };
    const cases: Array<[string, (r: unknown) => { status: number } | null, ReturnType<typeof req>, number]> = [
      ['raw, master key', served, req(key), 200],
      ['raw, scoped token', served, req(token), 200],
      ['429, master key', refusing, req(key), 429],
    ];
    refusing(req(key)); // spends the one token
    for (const [name, h, r, status] of cases) {
      const got = h(r)?.status;
      if (got !== status) throw new Error(`${name}: ${got}, expected ${status}`);
    }
    const best = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, h, r] of cases) {
        const t = process.cpuUsage();
        for (let i = 0; i < CALLS; i++) h(r);
        const u = process.cpuUsage(t);
        best.set(name, Math.min(best.get(name) ?? Infinity, ((u.user + u.system) * 1000) / CALLS));
      }
    }
    return cases.map(([name]) => ({ case: name, ns: best.get(name)! }));
  } finally {
    // the call counts of the replays are written on a timer; let them land before closing
    await new Promise((r) => setTimeout(r, 200));
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatHotFront(rows: Row[]): string {
  const key = rows[0];
  return [
    `the synchronous front of /v1, in-process: CPU ns per call, least of ${ROUNDS} rounds of ${CALLS.toLocaleString('en-US')}`,
    table(['case', 'CPU ns/call', 'speed vs master key'], rows.map((r) => [r.case, fixed(r.ns, 0), ratio(key.ns, r.ns)])),
    `scoped token: ${fixed((rows[1].ns / key.ns - 1) * 100, 1)} % more CPU than the master key (target < 5 %); 429: ${fixed((rows[2].ns / key.ns) * 100, 0)} % of a served read`,
  ].join('\n');
}

if (isMain(import.meta.url)) {
  console.log(formatHotFront(await benchHotFront()));
}
