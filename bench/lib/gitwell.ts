// The gitwell side of the benchmarks, driven only through its compiled output
// (dist/) and its CLI, so the benchmarks compile even while the server does not.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from './env.js';
import { check } from './proc.js';

export const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
export const STORE_MODULE = path.join(ROOT, 'dist', 'storage', 'index.js');
export const INGEST_MODULE = path.join(ROOT, 'dist', 'src', 'services', 'ingest.js');

/** Why gitwell cannot be measured (missing build output), or null when it can. */
export function gitwellMissing(...files: string[]): string | null {
  const missing = files.filter((f) => !existsSync(f));
  return missing.length ? `not built: ${missing.map((f) => path.relative(ROOT, f)).join(', ')} (run npm run build)` : null;
}

export async function cliJson<T>(args: readonly string[]): Promise<T> {
  const r = await check(process.execPath, [CLI, ...args, '--json'], { timeoutMs: 60_000 });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`gitwell ${args.join(' ')}: expected one JSON line, got ${JSON.stringify(r.stdout.slice(0, 500))}`);
  }
}

/** Creates an org key and a public repo; returns the key. */
export async function prepareRepo(dataDir: string, org: string, slug: string, defaultBranch = 'main'): Promise<string> {
  const { key } = await cliJson<{ id: string; org: string; key: string }>(['key', 'create', '--org', org, '--data', dataDir]);
  await cliJson<unknown>(['repo', 'create', `${org}/${slug}`, '--public', '--default-branch', defaultBranch, '--data', dataDir]);
  return key;
}

export interface Server { url: string; pid: number; stop(): Promise<void> }

/** A node child that prints {"url": …} on its first stdout line; killed if it takes too long. */
export function spawnJsonServer(args: string[], env: NodeJS.ProcessEnv = {}, startLimitMs = 30_000): Promise<Server> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { if (stderr.length < 16_384) stderr += s; });
  const what = args.map((a) => path.basename(a)).join(' ');
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${what} did not start in ${startLimitMs} ms\n${stderr}`)); }, startLimitMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited ${code}\n${stderr}`)); });
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      lines.close();
      child.stdout!.resume();
      try {
        const { url } = JSON.parse(line) as { url: string };
        resolve({ url, pid: child.pid!, stop: () => stop(child) });
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`${what} printed ${JSON.stringify(line)}, expected {"url": …}`));
      }
    });
  });
}

/** `gitwell serve` as a child; resolves once it prints {"url", "port"}. */
export function startServer(dataDir: string, startLimitMs = 30_000, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  return spawnJsonServer([CLI, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--json'], env, startLimitMs);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => { clearTimeout(hard); resolve(); });
    child.kill('SIGTERM');
  });
}
