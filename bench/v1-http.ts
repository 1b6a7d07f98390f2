// REST /v1 read path under load, in one run, with the same load generator (autocannon) for all:
//
//   bare uWS     a bare uWebSockets.js handler returning the same 4 KiB (the ceiling)
//   healthz      gitwell's plainest route (the cost of its HTTP front end, routing, request id)
//   raw          authenticated GET /v1/repos/bench/raw/main/blob-4k.txt
//   raw 304      the same with If-None-Match
//   tree         GET /v1/repos/bench/tree/main?recursive=true over 5,000 entries
//
// For each: requests/s, p99 latency, the ratio to bare uWS, and the server's CPU time per
// request (from /proc/<pid>/stat: comparable even when the load generator saturates first).
//
//   npm run build && node dist/bench/v1-http.js
//   GITWELL_BENCH_HTTP_SECONDS=10 GITWELL_BENCH_HTTP_CONNECTIONS=64 node dist/bench/v1-http.js
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, cliJson } from './lib/gitwell.js';
import { ROOT, SCRATCH } from './lib/env.js';
import { fixed, ratio } from './lib/stats.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; this is the part of its result used here
type Result = { requests: { average: number; total: number }; latency: { p99: number }; non2xx: number; errors: number };
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<Result>;

const SECONDS = Number(process.env.GITWELL_BENCH_HTTP_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.GITWELL_BENCH_HTTP_CONNECTIONS ?? 50);
const BLOB = Buffer.from('gitwell benchmark line of text.\n'.repeat(128)); // 4 KiB

interface Proc {
  url: string;
  pid: number;
  child: ChildProcess;
}

function spawnJsonLine(args: string[], env: NodeJS.ProcessEnv): Promise<Proc> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      child.removeAllListeners('exit');
      child.stdout!.resume();
      const { url } = JSON.parse(line) as { url: string };
      resolve({ url, pid: child.pid!, child });
    });
  });
}

function stop(p: Proc): Promise<void> {
  return new Promise((resolve) => {
    if (p.child.exitCode !== null) return resolve();
    p.child.once('exit', () => resolve());
    p.child.kill('SIGTERM');
  });
}

/** CPU seconds (user + system) a process has used so far; NaN off Linux. */
function cpuSeconds(pid: number): number {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return NaN;
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

const BARE = `
const { createRequire } = require('node:module');
const uWS = createRequire(${JSON.stringify(path.join(ROOT, 'package.json'))})('@trufflesuite/uws-js-unofficial');
const body = Buffer.from(${JSON.stringify(BLOB.toString('base64'))}, 'base64');
uWS.App().get('/*', (res) => {
  res.cork(() => res.writeStatus('200 OK').writeHeader('content-type', 'text/plain; charset=utf-8').end(body));
}).listen('127.0.0.1', 0, (sock) => {
  console.log(JSON.stringify({ url: 'http://127.0.0.1:' + uWS.us_socket_local_port(sock) }));
});`;

interface Row {
  name: string;
  rps: number;
  p99: number;
  usPerReq: number;
  bad: number;
}

async function measure(name: string, proc: Proc, urlPath: string, headers: Record<string, string> = {}): Promise<Row> {
  await autocannon({ url: proc.url + urlPath, connections: CONNECTIONS, duration: 1, headers }); // warm-up
  const before = cpuSeconds(proc.pid);
  const r = await autocannon({ url: proc.url + urlPath, connections: CONNECTIONS, duration: SECONDS, headers });
  const cpu = cpuSeconds(proc.pid) - before;
  const expectStatus = name.includes('304') ? 0 : r.non2xx; // a 304 is not 2xx
  return { name, rps: r.requests.average, p99: r.latency.p99, usPerReq: (cpu * 1e6) / r.requests.total, bad: expectStatus + r.errors };
}

async function api(base: string, key: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(base + p, { method, headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

export async function benchV1Http(): Promise<Row[]> {
  const dataDir = mkdtempSync(path.join(SCRATCH, 'v1http-'));
  const bareScript = path.join(dataDir, 'bare.cjs');
  writeFileSync(bareScript, BARE);
  const { key } = await cliJson<{ key: string }>(['key', 'create', '--org', 'bench', '--data', dataDir]);
  const gw = await spawnJsonLine([CLI, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--json'], {
    GITWELL_RATE_LIMIT_PER_MINUTE: '1000000000',
    GITWELL_RATE_LIMIT_PER_HOUR: '1000000000',
    GITWELL_COMMIT_MAX_FILES: '10000',
  });
  const bare = await spawnJsonLine([bareScript], {});
  try {
    await api(gw.url, key, 'POST', '/v1/repos', { slug: 'bench' });
    const files = [{ path: 'blob-4k.txt', content: BLOB.toString('utf8') }];
    for (let d = 0; d < 50; d++) for (let f = 0; f < 99; f++) files.push({ path: `dir-${d}/file-${f}.txt`, content: `${d}/${f}\n` });
    await api(gw.url, key, 'POST', '/v1/repos/bench/commits', { branch: 'main', message: 'bench', author: { name: 'b', email: 'b@b' }, changes: files });
    const tree = await api(gw.url, key, 'GET', '/v1/repos/bench/tree/main?recursive=true');
    if (tree.items.length !== 5001) throw new Error(`expected 5,001 tree entries, got ${tree.items.length}`);
    const head = await fetch(`${gw.url}/v1/repos/bench/raw/main/blob-4k.txt`, { headers: { 'x-api-key': key } });
    const etag = head.headers.get('etag')!;
    if (!Buffer.from(await head.arrayBuffer()).equals(BLOB)) throw new Error('raw returned other bytes');

    const auth = { 'x-api-key': key };
    return [
      await measure('bare uWS (4 KiB)', bare, '/'),
      await measure('gitwell GET /healthz', gw, '/healthz'),
      await measure('GET raw 4 KiB (auth)', gw, '/v1/repos/bench/raw/main/blob-4k.txt', auth),
      await measure('GET raw 304', gw, '/v1/repos/bench/raw/main/blob-4k.txt', { ...auth, 'if-none-match': etag }),
      await measure('GET tree recursive 5k', gw, '/v1/repos/bench/tree/main?recursive=true', auth),
    ];
  } finally {
    await stop(gw);
    await stop(bare);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export function formatV1Http(rows: Row[]): string {
  const bare = rows[0].rps;
  const out = [
    `REST /v1 read path — autocannon, ${CONNECTIONS} connections, ${SECONDS} s per case, ${cpus().length} cpus (load generator and server share them)`,
    `${'case'.padEnd(26)}${'req/s'.padStart(10)}${'p99 ms'.padStart(9)}${'vs bare'.padStart(9)}${'server µs/req'.padStart(15)}`,
  ];
  for (const r of rows) {
    out.push(`${r.name.padEnd(26)}${fixed(r.rps, 0).padStart(10)}${String(r.p99).padStart(9)}${ratio(r.rps, bare).padStart(9)}${fixed(r.usPerReq, 1).padStart(15)}${r.bad ? `  (${r.bad} bad replies!)` : ''}`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(SCRATCH, { recursive: true });
  console.log(formatV1Http(await benchV1Http()));
}
