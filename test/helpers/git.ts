// Helpers around the real git CLI, the test oracle.
//
// Every call runs `git` asynchronously in an isolated environment: no system or global
// config, HOME in a private temp dir, no prompts, no askpass, fixed identities and dates. A
// call never throws on a non-zero exit; it returns {code, stdout, stderr} so a test can assert
// on git's failures. `gitOk` is the throwing variant for setup steps.
import { execFile, type ExecFileOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** bytes or text written to git's stdin */
  input?: string | Buffer;
  timeoutMs?: number;
}

const here = path.dirname(fileURLToPath(import.meta.url));
export const FIXTURE_SCRIPT = path.resolve(here, '../fixtures/make-fixture.sh');

const perProcess = new Set<string>();
const perTest = new Set<string>();
process.once('exit', () => {
  for (const d of [...perProcess, ...perTest]) fs.rmSync(d, { recursive: true, force: true });
});

let isolatedHome: string | undefined;
function home(): string {
  if (!isolatedHome) {
    isolatedHome = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-home-'));
    perProcess.add(isolatedHome);
  }
  return isolatedHome;
}

/** The environment every git call runs in; `extra` wins, `undefined` values delete. */
export function gitEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // nothing of the caller's git setup may leak in (GIT_DIR, GIT_ASKPASS, GIT_TRACE, ...)
    if (k.startsWith('GIT_') || k === 'SSH_ASKPASS' || k === 'EMAIL') continue;
    env[k] = v;
  }
  Object.assign(env, {
    HOME: home(),
    XDG_CONFIG_HOME: path.join(home(), '.config'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@gitwell.test',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@gitwell.test',
    GIT_AUTHOR_DATE: '@1700000000 +0000',
    GIT_COMMITTER_DATE: '@1700000000 +0000',
    LC_ALL: 'C',
    TZ: 'UTC',
  });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

function run(
  args: string[],
  opts: GitOptions,
  encoding: 'utf8' | 'buffer',
): Promise<{ code: number; stdout: string | Buffer; stderr: string }> {
  return new Promise((resolve) => {
    const execOpts: ExecFileOptions = {
      cwd: opts.cwd,
      env: gitEnv(opts.env),
      maxBuffer: 256 * 1024 * 1024,
      timeout: opts.timeoutMs ?? 120_000,
      encoding: encoding === 'buffer' ? 'buffer' : 'utf8',
    };
    const child = execFile('git', args, execOpts, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      const code = e ? (typeof e.code === 'number' ? e.code : child.exitCode ?? -1) : 0;
      resolve({
        code,
        stdout: stdout as string | Buffer,
        stderr: Buffer.isBuffer(stderr) ? stderr.toString('utf8') : String(stderr),
      });
    });
    child.stdin?.on('error', () => {}); // git may exit before reading all input
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs git; never throws on a non-zero exit. */
export async function git(args: string[], opts: GitOptions = {}): Promise<GitResult> {
  const r = await run(args, opts, 'utf8');
  return { code: r.code, stdout: r.stdout as string, stderr: r.stderr };
}

/** Runs git and returns stdout as bytes (pack-objects --stdout, cat-file). */
export async function gitBytes(
  args: string[],
  opts: GitOptions = {},
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  const r = await run(args, opts, 'buffer');
  return { code: r.code, stdout: r.stdout as Buffer, stderr: r.stderr };
}

/** Runs git for a setup step: throws with git's stderr on failure, returns trimmed stdout. */
export async function gitOk(args: string[], opts: GitOptions = {}): Promise<string> {
  const r = await git(args, opts);
  if (r.code !== 0) {
    throw new Error(`git ${args.join(' ')} failed (${r.code}) in ${opts.cwd ?? '.'}:\n${r.stderr}`);
  }
  return r.stdout.trim();
}

/** `http://any:KEY@127.0.0.1:PORT/ORG/SLUG.git`; without a key, the anonymous URL. */
export function repoUrl(serverUrl: string, fullName: string, key?: string): string {
  const u = new URL(`${serverUrl}/${fullName}.git`);
  if (key !== undefined) {
    u.username = 'any';
    u.password = key;
  }
  return u.toString();
}

/** A temp directory for one test, removed by removeTempDirs() (call it in afterEach). */
export function tempDir(prefix = 'gw-git-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  perTest.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const d of perTest) fs.rmSync(d, { recursive: true, force: true });
  perTest.clear();
}

export interface Fixture {
  dir: string;
  /** commit time (unix seconds) of main's tip and of main~10 */
  mainTipEpoch: number;
  main10Epoch: number;
  commits: number;
}

/** Builds the source repository of test/fixtures/make-fixture.sh in a new temp dir. */
export async function makeFixture(): Promise<Fixture> {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-fixture-'));
  perProcess.add(parent);
  const dir = path.join(parent, 'src');
  const out = await new Promise<string>((resolve, reject) => {
    execFile('bash', [FIXTURE_SCRIPT, dir], { env: gitEnv(), maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`make-fixture.sh failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const summary = JSON.parse(out.trim().split('\n').pop()!) as Omit<Fixture, 'dir'>;
  return { dir, ...summary };
}

/** Lines of stdout, trimmed, without empty lines. */
export function lines(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0);
}

/** `git ls-remote` output as sorted "oid<TAB>ref" lines (HEAD and peeled ^{} included). */
export async function lsRemote(
  target: string,
  opts: { protocol?: 0 | 2; cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<GitResult & { refs: string[] }> {
  const pre = opts.protocol === undefined ? [] : ['-c', `protocol.version=${opts.protocol}`];
  const r = await git([...pre, 'ls-remote', target], { cwd: opts.cwd, env: opts.env });
  return { ...r, refs: lines(r.stdout).sort() };
}

/** Sorted, de-duplicated object ids reachable from `revs` (`rev-list --objects --all`). */
export async function objectIds(repo: string, revs: string[] = ['--all']): Promise<string[]> {
  const out = await gitOk(['rev-list', '--objects', ...revs], { cwd: repo });
  return [...new Set(lines(out).map((l) => l.slice(0, 40)))].sort();
}

/** "oid type size" for every object reachable from every ref of `repo`. */
export async function objectSizes(repo: string): Promise<Map<string, { type: string; size: number }>> {
  const ids = await objectIds(repo);
  const out = await gitOk(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], {
    cwd: repo,
    input: ids.join('\n') + '\n',
  });
  const m = new Map<string, { type: string; size: number }>();
  for (const l of lines(out)) {
    const [oid, type, size] = l.split(' ');
    m.set(oid!, { type: type!, size: Number(size) });
  }
  return m;
}

/** `git fsck --full --strict`; returns the result so tests can assert code 0 and its output. */
export function fsck(repo: string): Promise<GitResult> {
  return git(['fsck', '--full', '--strict', '--no-progress', '--no-dangling'], { cwd: repo });
}
