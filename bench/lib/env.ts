// Paths, knobs and the isolated git environment every benchmark shares.
//
// Knobs (environment):
//   GITWELL_BENCH_SCALE  multiplies the generated history (1 = ~5,000 commits; 0.1 = smoke run)
//   GITWELL_BENCH_RUNS   timed runs per measured case (default 3 for ingest, 5 for clone)
//   GITWELL_BENCH_KEEP   keep temporary data dirs under bench/.work/tmp for inspection
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repo root: this file runs from dist/bench/lib/. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WORK = path.join(ROOT, 'bench', '.work');
/** Scratch space outside every git work tree, so `git index-pack` sees no repository. */
export const SCRATCH = path.join(WORK, 'tmp');

export const SCALE = parsePositive(process.env.GITWELL_BENCH_SCALE, 1);
export const KEEP = process.env.GITWELL_BENCH_KEEP === '1';

export function runs(fallback: number): number {
  return Math.min(50, Math.round(parsePositive(process.env.GITWELL_BENCH_RUNS, fallback)));
}

function parsePositive(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`expected a positive number, got ${JSON.stringify(raw)}`);
  return n;
}

/**
 * Environment for every git child: no user or system config, no prompts, no
 * inherited GIT_DIR. The repo under bench/.work lives inside gitwell's own work tree,
 * so GIT_CEILING_DIRECTORIES stops discovery from climbing into it.
 */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const home = path.join(WORK, 'home');
  mkdirSync(home, { recursive: true });
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_CEILING_DIRECTORIES: WORK,
    LC_ALL: 'C',
    ...extra,
  };
}

/** A fresh scratch directory; `done()` removes it unless GITWELL_BENCH_KEEP=1. */
export function scratchDir(prefix: string): { dir: string; done: () => void } {
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(path.join(SCRATCH, `${prefix}-`));
  return { dir, done: () => { if (!KEEP) rmSync(dir, { recursive: true, force: true }); } };
}

/** True when this module is the entry point (`node dist/bench/x.js`). */
export function isMain(metaUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(metaUrl);
}
