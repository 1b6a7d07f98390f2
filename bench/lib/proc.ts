// Child processes with a hard time limit, wall-clock timing and peak RSS.
//
// Peak RSS: /usr/bin/time is not installed here and Node exposes no
// getrusage(RUSAGE_CHILDREN), so the parent polls /proc/<pid>/status every 5 ms
// and keeps the last VmHWM (the kernel's own high-water mark, monotone while the
// process lives). Only growth in the final <5 ms before exit can be missed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Bytes or text written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Hard limit; the child is killed (SIGKILL) after this. Default 10 minutes. */
  timeoutMs?: number;
  trackRss?: boolean;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  /** VmHWM in KiB, 0 when not tracked. */
  peakRssKb: number;
}

const RSS_POLL_MS = 5;
const OUTPUT_CAP = 8 << 20;

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakRssKb = 0;
    child.stdout.setEncoding('utf8').on('data', (s: string) => { if (stdout.length < OUTPUT_CAP) stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { if (stderr.length < OUTPUT_CAP) stderr += s; });
    child.stdin.on('error', () => { /* child exited before reading all input */ });
    child.stdin.end(opts.input ?? '');

    const poll = opts.trackRss && child.pid !== undefined ? setInterval(() => {
      const kb = readHwmKb(child.pid!);
      if (kb > peakRssKb) peakRssKb = kb;
    }, RSS_POLL_MS) : undefined;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);

    child.on('error', (err) => { clearTimeout(timer); clearInterval(poll); reject(err); });
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ code, stdout, stderr, seconds: (performance.now() - t0) / 1000, peakRssKb });
    });
  });
}

/** Like run(), but throws with the child's stderr when it does not exit 0. */
export async function check(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}\n${r.stderr.slice(-4000)}`);
  }
  return r;
}

function readHwmKb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // already reaped
  }
}
