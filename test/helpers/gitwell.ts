// Starts a real gitwell server as a child process, the way an operator would:
//
//   node dist/src/cli.js serve --data DIR --host 127.0.0.1 --port 0 --json
//
// and waits for its one line of JSON on stdout: {"url":"http://127.0.0.1:PORT","port":PORT}.
// The data dir is a fresh temp dir per server (removed by stop()), unless one is passed in
// (reliability tests restart a server on the same data). `cli()` runs the same binary on the
// same data dir while the server runs. Needs `npm run build` first.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Gitwell {
  url: string;
  port: number;
  /** the server process, e.g. to read its /proc/<pid>/status */
  pid: number;
  dataDir: string;
  /** SIGTERM, wait for exit (SIGKILL after 10 s), then remove the data dir unless kept */
  stop(): Promise<void>;
  /** SIGKILL, no cleanup: the data dir stays for a restart */
  kill9(): void;
  /** `gitwell ...args --data <dataDir>` (`--data` added unless present) */
  cli(args: string[]): Promise<CliResult>;
  /** creates an API key for `org` (the org too, if missing); returns the key */
  createKey(org: string): Promise<string>;
  /** `repo create ORG/SLUG` or `ORG/NAMESPACE/SLUG`, private unless `public` */
  createRepo(fullName: string, opts?: { public?: boolean; defaultBranch?: string }): Promise<void>;
  /** the server's stderr and stdout so far, for failure messages */
  logs(): string;
  /** the exit of the server process, once it has exited */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface StartOptions {
  /** reuse this data dir (it is then never removed by stop()) */
  dataDir?: string;
  /** extra arguments for `serve` */
  args?: string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROJECT_ROOT = process.env.GITWELL_ROOT ?? path.resolve(here, '../..');
/** GITWELL_CLI swaps in another implementation of the same CLI (reference-server.mjs). */
export const CLI_PATH = process.env.GITWELL_CLI
  ? path.resolve(PROJECT_ROOT, process.env.GITWELL_CLI)
  : path.join(PROJECT_ROOT, 'dist/src/cli.js');

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

function cliPath(): string {
  if (!fs.existsSync(CLI_PATH)) {
    throw new Error(`${CLI_PATH} does not exist: run \`npm run build\` in ${PROJECT_ROOT} first`);
  }
  return CLI_PATH;
}

/** Runs the gitwell CLI once; never throws on a non-zero exit. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const cli = cliPath();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The last line of `out` that parses as a JSON object. */
export function lastJson<T = Record<string, unknown>>(out: string): T {
  const candidates = out.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = candidates.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(candidates[i]!) as T;
    } catch {
      // not JSON after all; keep looking
    }
  }
  throw new Error(`no JSON object in output:\n${out}`);
}

export async function startGitwell(opts: StartOptions = {}): Promise<Gitwell> {
  const cli = cliPath();
  const keepData = opts.dataDir !== undefined;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'gw-'));
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--json', ...(opts.args ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  running.add(child);
  let log = '';
  const append = (chunk: Buffer) => {
    log += chunk.toString('utf8');
    if (log.length > 200_000) log = log.slice(-100_000);
  };
  child.stderr!.on('data', append);

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    let buf = '';
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.kill('SIGKILL');
      reject(new Error(`gitwell serve did not print its JSON line within ${opts.readyTimeoutMs ?? 30_000} ms:\n${log}`));
    }, opts.readyTimeoutMs ?? 30_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      append(chunk);
      if (done) return;
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as { url?: unknown; port?: unknown };
          if (typeof j.url === 'string' && typeof j.port === 'number') {
            done = true;
            clearTimeout(timer);
            resolve({ url: j.url.replace(/\/$/, ''), port: j.port });
            return;
          }
        } catch {
          // a log line that happens to start with "{"
        }
      }
    });
    void exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new Error(`gitwell serve exited (code ${code}, signal ${signal}) before it was ready:\n${log}`));
    });
  });

  const withData = (args: string[]) => (args.includes('--data') ? args : [...args, '--data', dataDir]);

  const gw: Gitwell = {
    url: ready.url,
    port: ready.port,
    pid: child.pid!,
    dataDir,
    exited,
    logs: () => log,
    kill9() {
      child.kill('SIGKILL');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    cli: (args) => runCli(withData(args)),
    async createKey(org) {
      const r = await runCli(withData(['key', 'create', '--org', org, '--json']));
      if (r.code !== 0) throw new Error(`gitwell key create --org ${org} failed (${r.code}):\n${r.stderr}${r.stdout}`);
      const j = lastJson<{ key?: unknown }>(r.stdout);
      if (typeof j.key !== 'string' || j.key.length === 0) throw new Error(`no key in: ${r.stdout}`);
      return j.key;
    },
    async createRepo(fullName, o = {}) {
      const args = ['repo', 'create', fullName, '--default-branch', o.defaultBranch ?? 'main', '--json'];
      if (o.public) args.push('--public');
      const r = await runCli(withData(args));
      if (r.code !== 0) throw new Error(`gitwell repo create ${fullName} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    },
  };
  return gw;
}
