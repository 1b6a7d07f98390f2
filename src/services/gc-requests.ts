/**
 * `gitwell gc` while a server runs on the data dir: only the server may collect (it alone
 * knows which pushes are in flight), so the CLI asks it. The ask is a file and a signal:
 *   1. the CLI writes <data>/gc/request-<id>.json  {"graceMs": n | null, "pruneUnreachable": bool}
 *   2. and sends SIGUSR2 to the pid in <data>/server.pid
 *   3. the server runs each request it finds and writes <data>/gc/result-<id>.json
 *      {"ok": true, "report": {...}} or {"ok": false, "error": "..."}; the CLI prints it.
 * There is no network route for it: only who can write the data dir and signal the server's
 * process (its own user, or root) can ask, the same people who could stop it and run gc
 * offline. SIGUSR1 is not used: it starts Node's inspector.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { GcOptions, GcReport } from './gc.js';

export const GC_SIGNAL = 'SIGUSR2';

interface Request {
  graceMs: number | null;
  pruneUnreachable: boolean;
}

type Result = { ok: true; report: GcReport } | { ok: false; error: string };

const dirOf = (dataDir: string) => path.join(dataDir, 'gc');

/** Writes whole or not at all: the reader never sees half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** The CLI's side: asks the server `pid` to collect, and waits for its report. */
export async function askServerForGc(dataDir: string, pid: number, req: Request, timeoutMs: number): Promise<GcReport> {
  const dir = dirOf(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const id = randomBytes(6).toString('hex');
  const resultFile = path.join(dir, `result-${id}.json`);
  writeAtomic(path.join(dir, `request-${id}.json`), JSON.stringify(req));
  process.kill(pid, GC_SIGNAL);
  const until = Date.now() + timeoutMs;
  for (;;) {
    let text: string | null = null;
    try {
      text = fs.readFileSync(resultFile, 'utf8');
    } catch {
      // not yet
    }
    if (text !== null) {
      fs.rmSync(resultFile, { force: true });
      const r = JSON.parse(text) as Result;
      if (!r.ok) throw new Error(`the server's gc failed: ${r.error}`);
      return r.report;
    }
    if (Date.now() > until) throw new Error(`the server (pid ${pid}) did not answer the gc request within ${Math.round(timeoutMs / 1000)} s (request ${id} is left in ${dir})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The server's side: on GC_SIGNAL, runs every request waiting in <data>/gc/, one after the
 * other. `defaultGraceMs` applies when a request names no grace. Returns a function that stops
 * listening.
 */
export function answerGcRequests(dataDir: string, run: (opts: GcOptions) => Promise<GcReport>, defaultGraceMs: number): () => void {
  const dir = dirOf(dataDir);
  let busy: Promise<void> = Promise.resolve();
  const take = async () => {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((f) => /^request-[0-9a-f]+\.json$/.test(f));
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let req: Request;
      try {
        req = JSON.parse(fs.readFileSync(file, 'utf8')) as Request;
        fs.rmSync(file);
      } catch {
        continue; // taken by an earlier signal, or not ours to read
      }
      const resultFile = path.join(dir, name.replace(/^request-/, 'result-'));
      let result: Result;
      try {
        const graceMs = typeof req.graceMs === 'number' && req.graceMs >= 0 ? req.graceMs : defaultGraceMs;
        result = { ok: true, report: await run({ graceMs, pruneUnreachable: req.pruneUnreachable === true }) };
      } catch (e) {
        console.error('gitwell: gc failed:', e);
        result = { ok: false, error: e instanceof Error ? e.message : String(e) };
      }
      writeAtomic(resultFile, JSON.stringify(result));
    }
  };
  const onSignal = () => {
    busy = busy.then(take, take);
  };
  process.on(GC_SIGNAL, onSignal);
  return () => process.off(GC_SIGNAL, onSignal);
}
