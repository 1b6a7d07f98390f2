/**
 * GET /v1/.../diff and /compare against a real server, with git as the oracle:
 *
 *  - diff oracle: a repo generated with the git CLI (~30 commits of random line edits over
 *    several text files, a file without a final newline, a binary file, additions, deletions,
 *    a mode change, symlinks, a type change, a merge) is pushed; for many pairs of commits the
 *    per-file additions/deletions, statuses, shas and modes equal `git diff --minimal --numstat`
 *    and `git diff --raw`, and the text/x-diff patch, applied with `git apply --index` in a
 *    checkout of base, gives exactly head's tree (`git write-tree`);
 *  - real text files (code, prose, minified JSON, a large .d.ts pair that trips the cost limit);
 *  - compare: merge_base, ahead_by, behind_by and commits equal `git merge-base` and
 *    `git rev-list`; mergeable equals `git merge-tree --write-tree`; 422 without a common
 *    ancestor;
 *  - auth, the public org routes, namespaces, 404s, validation, too_large.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { gitMergeTree } from './helpers/merge-oracle.js';
import { git, gitOk, lines, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { rng } from '../bench/lib/rng.js';

const ORG = 'difforg';

let gw: Gitwell;
let key: string;
let src: string; // the generated repo
let real: string; // the real-files repo
let wt: string; // a clone where patches are applied


// --- the generated repo -------------------------------------------------------------------

const TEXT_FILES = ['a.txt', 'b.txt', 'src/c.js', 'docs/d.md', 'noeol.txt', 'sp ace/\u00fcn\u00ef.txt'];

function writeFile(dir: string, p: string, data: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
  fs.writeFileSync(path.join(dir, p), data);
}

function randomEdit(r: () => number, text: string, vocab: string[]): string {
  const eol = text.endsWith('\n') || text === '';
  const ls = text === '' ? [] : (eol ? text.slice(0, -1) : text).split('\n');
  const n = 1 + Math.floor(r() * 5);
  for (let e = 0; e < n; e++) {
    const at = Math.floor(r() * (ls.length + 1));
    const del = Math.floor(r() * 3);
    const ins = Array.from({ length: Math.floor(r() * 4) }, () => vocab[Math.floor(r() * vocab.length)]);
    ls.splice(at, del, ...ins);
  }
  return ls.join('\n') + (eol && ls.length > 0 ? '\n' : '');
}

async function commit(dir: string, msg: string): Promise<string> {
  await gitOk(['add', '-A'], { cwd: dir });
  await gitOk(['commit', '-q', '--allow-empty', '-m', msg], { cwd: dir });
  return gitOk(['rev-parse', 'HEAD'], { cwd: dir });
}

async function generate(dir: string): Promise<void> {
  await gitOk(['init', '-q', '-b', 'main', dir]);
  const r = rng(42);
  let uniq = 0;
  const vocab = ['', '', '}', '{', '  return x;', '// comment', ...Array.from({ length: 30 }, (_, i) => `word ${i} of the vocabulary`)];
  const fresh = () => `unique line ${uniq++}`;
  for (const f of TEXT_FILES) {
    const ls = Array.from({ length: 20 + Math.floor(r() * 40) }, () => (r() < 0.5 ? fresh() : vocab[Math.floor(r() * vocab.length)]));
    writeFile(dir, f, ls.join('\n') + (f === 'noeol.txt' ? '' : '\n'));
  }
  writeFile(dir, 'bin.dat', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256)));
  writeFile(dir, 'script.sh', '#!/bin/sh\necho hello\n');
  writeFile(dir, 'typechange', 'a regular file for now\n');
  writeFile(dir, 'b-doomed.txt', 'this file\nwill be deleted\n');
  fs.symlinkSync('a.txt', path.join(dir, 'link'));
  await commit(dir, 'c0: initial');
  await gitOk(['tag', 'v1'], { cwd: dir });

  for (let i = 1; i <= 30; i++) {
    const edits = 1 + Math.floor(r() * 3);
    for (let e = 0; e < edits; e++) {
      const f = TEXT_FILES[Math.floor(r() * TEXT_FILES.length)];
      const p = path.join(dir, f);
      const v = r() < 0.5 ? vocab : [...vocab, fresh(), fresh(), fresh()];
      fs.writeFileSync(p, randomEdit(r, fs.readFileSync(p, 'utf8'), v));
    }
    if (i === 4) writeFile(dir, 'added/new file.txt', 'added in c4\nsecond line\n');
    if (i === 6) fs.rmSync(path.join(dir, 'b-doomed.txt'));
    if (i === 8) fs.chmodSync(path.join(dir, 'script.sh'), 0o755);
    if (i === 10) {
      fs.rmSync(path.join(dir, 'link'));
      fs.symlinkSync('src/c.js', path.join(dir, 'link'));
    }
    if (i === 12 || i === 22) {
      const b = fs.readFileSync(path.join(dir, 'bin.dat'));
      b[100 + i] ^= 0xff;
      fs.writeFileSync(path.join(dir, 'bin.dat'), Buffer.concat([b, Buffer.from([0, i])]));
    }
    if (i === 14) {
      fs.rmSync(path.join(dir, 'typechange'));
      fs.symlinkSync('docs/d.md', path.join(dir, 'typechange'));
    }
    if (i === 16) writeFile(dir, 'empty.txt', '');
    if (i === 18) writeFile(dir, 'noeol.txt', fs.readFileSync(path.join(dir, 'noeol.txt'), 'utf8') + '\n'); // gains its newline
    if (i === 24) writeFile(dir, 'noeol.txt', fs.readFileSync(path.join(dir, 'noeol.txt'), 'utf8') + 'tail without newline');
    await commit(dir, `c${i}: random edits`);
    if (i === 15) await gitOk(['tag', '-a', 'v2', '-m', 'annotated v2'], { cwd: dir });
    if (i === 20) {
      // a side branch merged back at c25: a non-linear history
      await gitOk(['checkout', '-q', '-b', 'side'], { cwd: dir });
      writeFile(dir, 'side.txt', 'from the side branch\n');
      await commit(dir, 'side 1');
      writeFile(dir, 'side.txt', 'from the side branch\nmore\n');
      await commit(dir, 'side 2');
      await gitOk(['checkout', '-q', 'main'], { cwd: dir });
    }
    if (i === 25) await gitOk(['merge', '-q', '--no-ff', '-m', 'merge side', 'side'], { cwd: dir });
  }

  // feature: from c20, edits a.txt (conflicting with main's later edits, likely) and its own file
  const c20 = await gitOk(['rev-parse', ':/^c20:'], { cwd: dir });
  await gitOk(['checkout', '-q', '-b', 'feature', c20], { cwd: dir });
  for (let i = 0; i < 4; i++) {
    fs.writeFileSync(path.join(dir, 'a.txt'), randomEdit(r, fs.readFileSync(path.join(dir, 'a.txt'), 'utf8'), vocab));
    writeFile(dir, 'feature.txt', `feature ${i}\n`);
    await commit(dir, `feature ${i}`);
  }
  // clean-feature: from c20 too, touches only its own file
  await gitOk(['checkout', '-q', '-b', 'clean-feature', c20], { cwd: dir });
  writeFile(dir, 'clean.txt', 'clean\n');
  await commit(dir, 'clean 1');
  // an unrelated history
  await gitOk(['checkout', '-q', '--orphan', 'unrelated'], { cwd: dir });
  await gitOk(['rm', '-r', '-q', '--cached', '.'], { cwd: dir });
  await gitOk(['clean', '-q', '-fdx'], { cwd: dir });
  writeFile(dir, 'other.txt', 'nothing in common\n');
  await commit(dir, 'unrelated root');
  await gitOk(['checkout', '-q', 'main'], { cwd: dir });
}

// --- the real-files repo ------------------------------------------------------------------

const NM = path.resolve('node_modules');
const REAL_PAIRS: Array<[string, string, string]> = [
  ['prose/README.md', 'vitest/node_modules/tinybench/README.md', 'tinybench/README.md'],
  ['code/tinybench.js', 'vitest/node_modules/tinybench/dist/index.js', 'tinybench/dist/index.js'],
  ['code/base.js', 'diff/libesm/diff/base.js', 'diff/libcjs/diff/base.js'],
  ['code/line.js', 'diff/libesm/diff/line.js', 'diff/libcjs/diff/line.js'],
];

function minifiedJsonPair(): [string, string] {
  const lock = JSON.parse(fs.readFileSync(path.resolve('package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const before = JSON.stringify(lock);
  const names = Object.keys(lock.packages).filter((k) => lock.packages[k].version);
  for (const n of names.filter((_, i) => i % 7 === 0)) lock.packages[n].version += '-patched';
  return [before, JSON.stringify(lock)];
}

async function generateReal(dir: string): Promise<void> {
  await gitOk(['init', '-q', '-b', 'main', dir]);
  const [j1, j2] = minifiedJsonPair();
  for (const [p, a] of REAL_PAIRS) writeFile(dir, p, fs.readFileSync(path.join(NM, a)));
  writeFile(dir, 'data/lock.min.json', j1);
  await commit(dir, 'before');
  for (const [p, , b] of REAL_PAIRS) writeFile(dir, p, fs.readFileSync(path.join(NM, b)));
  writeFile(dir, 'data/lock.min.json', j2);
  await commit(dir, 'after');
  // a large pair that trips xdiff's cost limit: git's default counts, not --minimal's
  writeFile(dir, 'big/lib.d.ts', fs.readFileSync(path.join(NM, 'typescript/lib/lib.dom.d.ts')));
  await commit(dir, 'big before');
  writeFile(dir, 'big/lib.d.ts', fs.readFileSync(path.join(NM, 'typescript/lib/lib.webworker.d.ts')));
  await commit(dir, 'big after');
  // too large for the per-file cap (50,000 lines)
  writeFile(dir, 'huge.txt', Array.from({ length: 60_000 }, (_, i) => `huge ${i}`).join('\n') + '\n');
  await commit(dir, 'huge');
}

// --- HTTP helpers -------------------------------------------------------------------------

interface FileJson {
  path: string;
  status: string;
  old_sha: string | null;
  new_sha: string | null;
  old_mode: string | null;
  new_mode: string | null;
  additions: number;
  deletions: number;
  binary: boolean;
  too_large?: boolean;
  limited?: boolean;
  patch?: string | null;
}
interface DiffJson {
  base: string;
  head: string;
  files: FileJson[];
  total_additions: number;
  total_deletions: number;
  total_files: number;
  total_files_changed: number;
  too_large_files: number;
  truncated: boolean;
}
interface CompareJson extends DiffJson {
  merge_base: string;
  ahead_by: number;
  behind_by: number;
  total_commits: number;
  commits: Array<{ sha: string; message: string; author: string; email: string; date: string }>;
  mergeable: boolean | null;
  conflicts: string[];
  conflict_details: Array<{ path: string; kind: string }>;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${gw.url}${url}`, { headers: { 'x-api-key': key, ...headers } });
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await get(url, headers);
  const body = await r.text();
  expect(r.status, `${url}: ${body}`).toBe(200);
  return JSON.parse(body) as T;
}

const q = (base: string, head: string, extra = '') => `?base=${encodeURIComponent(base)}&head=${encodeURIComponent(head)}${extra}`;

/** `git diff --numstat -z` as path -> "add del" ("- -" for binary). */
async function numstat(dir: string, base: string, head: string, extra: string[] = ['--minimal']): Promise<Map<string, string>> {
  const out = await gitOk(['diff', '--no-renames', '--numstat', '-z', ...extra, base, head], { cwd: dir });
  const m = new Map<string, string>();
  for (const rec of out.split('\0').filter(Boolean)) {
    const [a, d, p] = rec.split('\t');
    m.set(p, `${a} ${d}`);
  }
  return m;
}

/** `git diff --raw -z` as path -> "status oldmode newmode oldsha newsha". */
async function raw(dir: string, base: string, head: string): Promise<Map<string, string>> {
  const out = await gitOk(['diff', '--no-renames', '--raw', '--abbrev=40', '-z', base, head], { cwd: dir });
  const parts = out.split('\0').filter(Boolean);
  const m = new Map<string, string>();
  for (let i = 0; i < parts.length; i += 2) {
    const [om, nm, oo, no, st] = parts[i].slice(1).split(' ');
    m.set(parts[i + 1], `${st} ${om} ${nm} ${oo} ${no}`);
  }
  return m;
}

const Z = '0'.repeat(40);

/**
 * git's raw status of a file. Coregit's statuses are added, removed and modified: a type change
 * (file, symlink, submodule) is "modified", and tells itself by its modes.
 */
function gitStatus(f: FileJson): string {
  if (f.status === 'added') return 'A';
  if (f.status === 'removed') return 'D';
  return f.old_mode!.slice(0, 2) === f.new_mode!.slice(0, 2) ? 'M' : 'T';
}

function ourNumstat(d: DiffJson): Map<string, string> {
  return new Map(d.files.map((f) => [f.path, f.binary ? '- -' : `${f.additions} ${f.deletions}`]));
}

function ourRaw(d: DiffJson): Map<string, string> {
  return new Map(
    d.files.map((f) => [f.path, `${gitStatus(f)} ${f.old_mode ?? '000000'} ${f.new_mode ?? '000000'} ${f.old_sha ?? Z} ${f.new_sha ?? Z}`]),
  );
}

/** Applies `patch` in the clone checked out at `base`; returns the tree git writes. */
async function applyAt(base: string, patch: Buffer, extra: string[] = []): Promise<{ code: number; stderr: string; tree: string }> {
  await gitOk(['checkout', '-q', '-f', '--detach', base], { cwd: wt });
  await gitOk(['clean', '-q', '-fdx'], { cwd: wt });
  fs.writeFileSync(path.join(wt, '..', 'p.diff'), patch);
  const r = await git(['apply', '--index', ...extra, path.join(wt, '..', 'p.diff')], { cwd: wt });
  const tree = r.code === 0 ? await gitOk(['write-tree'], { cwd: wt }) : '';
  return { code: r.code, stderr: r.stderr, tree };
}

async function patchOf(repoPath: string, base: string, head: string, extra = ''): Promise<{ res: Response; body: Buffer }> {
  const res = await get(`/v1/repos/${repoPath}/diff${q(base, head, extra)}`, { accept: 'text/x-diff' });
  return { res, body: Buffer.from(await res.arrayBuffer()) };
}

// --- setup --------------------------------------------------------------------------------

let commits: string[]; // every commit of main, oldest first
let pairs: Array<[string, string]>;

beforeAll(async () => {
  const root = tempDir('gw-diff-');
  src = path.join(root, 'gen');
  real = path.join(root, 'real');
  await generate(src);
  await generateReal(real);
  gw = await startGitwell();
  key = await gw.createKey(ORG);
  await gw.createRepo(`${ORG}/gen`);
  await gw.createRepo(`${ORG}/ns/gen`);
  await gw.createRepo(`${ORG}/pub`, { public: true });
  await gw.createRepo(`${ORG}/real`);
  const push = async (dir: string, name: string) => {
    const r = await git(['push', '--porcelain', repoUrl(gw.url, `${ORG}/${name}`, key), 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: dir });
    expect(r.code, `push to ${name}: ${r.stderr}\n${gw.logs()}`).toBe(0);
  };
  await push(src, 'gen');
  await push(src, 'ns/gen');
  await push(src, 'pub');
  await push(real, 'real');
  wt = path.join(root, 'wt', 'clone');
  fs.mkdirSync(path.dirname(wt));
  await gitOk(['clone', '-q', src, wt]);
  await gitOk(['fetch', '-q', real, 'refs/heads/main:refs/remotes/real/main'], { cwd: wt });

  commits = lines(await gitOk(['rev-list', '--reverse', '--topo-order', 'main'], { cwd: src }));
  const r = rng(7);
  pairs = [];
  for (let i = 0; i + 1 < commits.length; i++) pairs.push([commits[i], commits[i + 1]]);
  for (let k = 0; k < 30; k++) pairs.push([commits[Math.floor(r() * commits.length)], commits[Math.floor(r() * commits.length)]]);
  pairs.push([commits[0], commits[commits.length - 1]], [commits[commits.length - 1], commits[0]]);
}, 300_000);

afterAll(async () => {
  await gw?.stop();
  removeTempDirs();
});

// --- the diff oracle ----------------------------------------------------------------------

describe('diff oracle: the generated repo', () => {
  it('has what the oracle needs', async () => {
    expect(commits.length).toBeGreaterThanOrEqual(30);
    const all = await raw(src, commits[0], commits[commits.length - 1]);
    const statuses = [...all.values()].map((v) => v.split(' ')[0]);
    expect(statuses).toEqual(expect.arrayContaining(['A', 'D', 'M', 'T']));
    expect([...all.values()].some((v) => v.startsWith('M 100644 100755'))).toBe(true);
    expect([...all.values()].some((v) => v.startsWith('M 120000 120000'))).toBe(true);
  });

  it('per-file numstat, status, shas and modes equal git diff for many pairs', async () => {
    for (const [base, head] of pairs) {
      const d = await getJson<DiffJson>(`/v1/repos/gen/diff${q(base, head)}`);
      expect(d.base).toBe(base);
      expect(d.head).toBe(head);
      expect(ourNumstat(d), `${base}..${head}`).toEqual(await numstat(src, base, head));
      expect(ourRaw(d), `${base}..${head}`).toEqual(await raw(src, base, head));
      expect(d.total_files).toBe(d.files.length);
      expect(d.total_additions).toBe(d.files.reduce((s, f) => s + f.additions, 0));
      expect(d.total_deletions).toBe(d.files.reduce((s, f) => s + f.deletions, 0));
    }
  });

  it('the text/x-diff patch (binary=true) applied with git apply turns base into head', async () => {
    const checked = pairs.filter((_, i) => i % 2 === 0);
    for (const [base, head] of checked) {
      const { res, body } = await patchOf('gen', base, head, '&binary=true');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/x-diff');
      const a = await applyAt(base, body);
      expect(a.code, `${base}..${head}: ${a.stderr}\n${body.toString('latin1').slice(0, 2000)}`).toBe(0);
      expect(a.tree, `${base}..${head}`).toBe(await gitOk(['rev-parse', `${head}^{tree}`], { cwd: src }));
    }
  });

  it('without binary=true, text changes still apply and a binary change reads "Binary files ... differ"', async () => {
    const c11 = await gitOk(['rev-parse', ':/^c11:'], { cwd: src });
    const c12 = await gitOk(['rev-parse', ':/^c12:'], { cwd: src });
    const { body } = await patchOf('gen', c11, c12);
    expect(body.toString()).toContain('Binary files a/bin.dat and b/bin.dat differ\n');
    // with contexts 0 and 10 the text-only pairs apply too
    for (const ctx of [0, 10]) {
      for (const [base, head] of pairs.slice(0, 12)) {
        const files = (await getJson<DiffJson>(`/v1/repos/gen/diff${q(base, head)}`)).files;
        if (files.some((f) => f.binary)) continue;
        const { body: p } = await patchOf('gen', base, head, `&context=${ctx}`);
        // git apply reads a patch without context only with --unidiff-zero (as for git diff -U0)
        const a = await applyAt(base, p, ctx === 0 ? ['--unidiff-zero'] : []);
        expect(a.code, a.stderr).toBe(0);
        expect(a.tree).toBe(await gitOk(['rev-parse', `${head}^{tree}`], { cwd: src }));
      }
    }
  });

  it('the text/x-diff patch is mostly what git diff prints, byte for byte', async () => {
    // not required by the contract (git apply is), but it shows how close the two are
    let same = 0;
    for (const [base, head] of pairs.slice(0, 20)) {
      const { body } = await patchOf('gen', base, head);
      const theirs = await gitOk(['diff', '--no-renames', base, head], { cwd: src });
      if (body.toString().trimEnd() === theirs) same++;
    }
    // 19 of these 20 are byte for byte git's; the other places a deleted line among equal
    // neighbours differently (git slides change groups afterwards: xdl_change_compact and the
    // indent heuristic, not ported), which changes neither the counts nor what the patch does
    expect(same).toBeGreaterThanOrEqual(18);
  });

  // changed with Coregit (routes/diff.ts): a patch starts with its "--- a/" and "+++ b/" lines;
  // a binary file's patch says so ("Binary files differ"), a file with no line changed has null
  it('patch=true gives each text file its header and hunks; binary files a line saying so', async () => {
    const d = await getJson<DiffJson>(`/v1/repos/gen/diff${q(commits[0], commits[commits.length - 1], '&patch=true&context=1')}`);
    expect(d.total_files_changed).toBe(d.files.length);
    for (const f of d.files) {
      if (f.binary) expect(f.patch).toMatch(/^Binary files? (added|deleted|differ)$/);
      else if (f.additions + f.deletions > 0) {
        const from = f.status === 'added' ? '/dev/null' : `a/${f.path}`;
        const to = f.status === 'removed' ? '/dev/null' : `b/${f.path}`;
        expect(f.patch!.startsWith(`--- ${from}\n+++ ${to}\n@@ -`), f.path).toBe(true);
      } else expect(f.patch).toBeNull();
    }
  });

  it('refs as base/head: branch, tag, annotated tag, refs/... name', async () => {
    const byRef = await getJson<DiffJson>(`/v1/repos/gen/diff${q('v1', 'refs/heads/main')}`);
    const bySha = await getJson<DiffJson>(`/v1/repos/gen/diff${q(commits[0], commits[commits.length - 1])}`);
    expect(byRef.files).toEqual(bySha.files);
    const v2 = await getJson<DiffJson>(`/v1/repos/gen/diff${q('v2', 'main')}`);
    expect(v2.base).toBe(await gitOk(['rev-parse', 'v2^{commit}'], { cwd: src }));
  });
});

describe('diff oracle: real text files', () => {
  it('code, prose, minified JSON: equal git diff --minimal (minimal=true) and git diff (default)', async () => {
    const before = await gitOk(['rev-parse', ':/^before'], { cwd: real });
    const after = await gitOk(['rev-parse', ':/^after'], { cwd: real });
    const min = await getJson<DiffJson>(`/v1/repos/real/diff${q(before, after, '&minimal=true')}`);
    expect(ourNumstat(min)).toEqual(await numstat(real, before, after, ['--minimal']));
    const dflt = await getJson<DiffJson>(`/v1/repos/real/diff${q(before, after)}`);
    expect(ourNumstat(dflt)).toEqual(await numstat(real, before, after, []));
    expect(min.files.map((f) => f.path).sort()).toEqual(['code/base.js', 'code/line.js', 'code/tinybench.js', 'data/lock.min.json', 'prose/README.md']);
    const { body } = await patchOf('real', before, after);
    const a = await applyAt(before, body);
    expect(a.code, a.stderr).toBe(0);
    expect(a.tree).toBe(await gitOk(['rev-parse', `${after}^{tree}`], { cwd: real }));
  });

  it('a large, very different pair: the cost limit keeps it fast, counts are git diff\'s, the patch applies', async () => {
    const before = await gitOk(['rev-parse', ':/^big before'], { cwd: real });
    const after = await gitOk(['rev-parse', ':/^big after'], { cwd: real });
    const t = performance.now();
    const d = await getJson<DiffJson>(`/v1/repos/real/diff${q(before, after)}`);
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(d.files[0]).toMatchObject({ path: 'big/lib.d.ts', limited: true });
    expect(ourNumstat(d)).toEqual(await numstat(real, before, after, []));
    const { body } = await patchOf('real', before, after);
    const a = await applyAt(before, body);
    expect(a.code, a.stderr).toBe(0);
    expect(a.tree).toBe(await gitOk(['rev-parse', `${after}^{tree}`], { cwd: real }));
  });

  it('a file over the per-file cap is listed too_large, without counts or hunks', async () => {
    const before = await gitOk(['rev-parse', ':/^big after'], { cwd: real });
    const after = await gitOk(['rev-parse', ':/^huge'], { cwd: real });
    const d = await getJson<DiffJson>(`/v1/repos/real/diff${q(before, after, '&patch=true')}`);
    expect(d.files).toEqual([
      // not line-diffed: its patch reads as git prints a file too big to diff
      { path: 'huge.txt', status: 'added', old_sha: null, new_sha: expect.any(String), patch: 'Binary file added', old_mode: null, new_mode: '100644', additions: 0, deletions: 0, binary: false, too_large: true },
    ]);
    expect(d.too_large_files).toBe(1);
    const { res, body } = await patchOf('real', before, after);
    expect(res.headers.get('x-diff-too-large-files')).toBe('1');
    expect(body.toString()).toContain('Binary files /dev/null and b/huge.txt differ');
  });
});

// --- compare ------------------------------------------------------------------------------

describe('compare', () => {
  const cases: Array<[string, string]> = [
    ['main', 'feature'],
    ['feature', 'main'],
    ['main', 'clean-feature'],
    ['clean-feature', 'feature'],
    ['v1', 'main'],
    ['v2', 'side'],
    ['side', 'v2'],
    ['main', 'main'],
  ];

  it('merge_base, ahead_by, behind_by and commits equal git merge-base and git rev-list', async () => {
    for (const [base, head] of cases) {
      const c = await getJson<CompareJson>(`/v1/repos/gen/compare${q(base, head)}`);
      const label = `${base}...${head}`;
      expect(c.merge_base, label).toBe(await gitOk(['merge-base', base, head], { cwd: src }));
      expect(c.ahead_by, label).toBe(Number(await gitOk(['rev-list', '--count', `${base}..${head}`], { cwd: src })));
      expect(c.behind_by, label).toBe(Number(await gitOk(['rev-list', '--count', `${head}..${base}`], { cwd: src })));
      expect(c.total_commits).toBe(c.ahead_by);
      const expected = lines(await gitOk(['rev-list', '--reverse', '--topo-order', `${base}..${head}`], { cwd: src }));
      expect(c.commits.map((x) => x.sha).sort(), label).toEqual([...expected].sort());
      // Coregit's commit shape: the author's name as `author`, its time in UTC with ms
      for (const x of c.commits) {
        const [name, email, time] = (await gitOk(['log', '-1', '--format=%an%x00%ae%x00%at', x.sha], { cwd: src })).split('\0');
        expect({ author: x.author, email: x.email, date: x.date }).toEqual({ author: name, email, date: new Date(Number(time) * 1000).toISOString() });
      }
      // parents come before their children
      const at = new Map(c.commits.map((x, i) => [x.sha, i]));
      for (const x of c.commits) {
        const parents = (await gitOk(['rev-list', '--parents', '-n1', x.sha], { cwd: src })).split(' ').slice(1);
        for (const p of parents) if (at.has(p)) expect(at.get(p)!).toBeLessThan(at.get(x.sha)!);
      }
      // the files are the diff merge_base..head (three dots)
      expect(ourNumstat(c), label).toEqual(await numstat(src, c.merge_base, c.head));
    }
  });

  it('mergeable and conflicts equal git merge-tree --write-tree', async () => {
    let conflicted = 0;
    for (const [base, head] of cases) {
      const c = await getJson<CompareJson>(`/v1/repos/gen/compare${q(base, head)}`);
      const m = await gitMergeTree(src, base, head);
      // Coregit has no merge to check when head has nothing base lacks: mergeable is null
      if (c.ahead_by === 0 && c.base !== c.head) {
        expect(c.mergeable, `${base}...${head}`).toBeNull();
        continue;
      }
      expect(c.mergeable, `${base}...${head}: ${JSON.stringify(c.conflicts)}`).toBe(m.code === 0);
      // the same conflicts (reported path and kind) as git's messages, in gitwell's conflict_details
      const want = m.conflicts.map((x) => x.split('|').slice(0, 2).join('|')).sort();
      expect(c.conflict_details.map((x) => `${x.path}|${x.kind}`).sort(), `${base}...${head}`).toEqual(want);
      // Coregit's conflicts are the paths: each once, every one a path git names as conflicted
      expect([...c.conflicts].sort()).toEqual([...new Set(c.conflict_details.map((x) => x.path))].sort());
      if (!c.mergeable) {
        conflicted++;
        expect(c.conflicts.length).toBeGreaterThan(0);
        const named = lines((await git(['merge-tree', '--write-tree', '--name-only', '--no-messages', base, head], { cwd: src })).stdout).slice(1);
        for (const x of c.conflicts) expect(named, `${base}...${head}`).toContain(x);
      } else expect(c.conflicts).toEqual([]);
    }
    expect(conflicted).toBeGreaterThan(0);
  });

  it('the compare patch runs from the merge base and applies there', async () => {
    const res = await get(`/v1/repos/gen/compare${q('main', 'feature', '&binary=true')}`, { accept: 'text/x-diff' });
    const patch = Buffer.from(await res.arrayBuffer());
    const mb = res.headers.get('x-diff-base')!;
    expect(mb).toBe(await gitOk(['merge-base', 'main', 'feature'], { cwd: src }));
    const a = await applyAt(mb, patch);
    expect(a.code, a.stderr).toBe(0);
    expect(a.tree).toBe(await gitOk(['rev-parse', 'feature^{tree}'], { cwd: src }));
  });

  it('422 UNPROCESSABLE for histories without a common ancestor', async () => {
    const r = await get(`/v1/repos/gen/compare${q('main', 'unrelated')}`);
    expect(r.status).toBe(422);
    const j = (await r.json()) as { code: string; request_id: string };
    expect(j.code).toBe('UNPROCESSABLE');
    expect(j.request_id).toBe(r.headers.get('x-request-id'));
    // diff of unrelated histories is fine (two-dot)
    expect((await get(`/v1/repos/gen/diff${q('main', 'unrelated')}`)).status).toBe(200);
  });
});

// --- routes, auth, errors -----------------------------------------------------------------

describe('routes, auth and errors', () => {
  const path1 = () => `/diff${q('v1', 'main')}`;

  it('401 without a key, 401 with a bad key', async () => {
    expect((await fetch(`${gw.url}/v1/repos/gen${path1()}`)).status).toBe(401);
    expect((await fetch(`${gw.url}/v1/repos/gen${path1()}`, { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
  });

  it('Authorization: Bearer works as well as x-api-key', async () => {
    const r = await fetch(`${gw.url}/v1/repos/gen${path1()}`, { headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(200);
  });

  it("another org's key gets 404 for a private repo", async () => {
    const other = await gw.createKey('someone-else');
    const r = await fetch(`${gw.url}/v1/repos/gen${path1()}`, { headers: { 'x-api-key': other } });
    expect(r.status).toBe(404);
  });

  it('namespaced repos, and the public org routes without a key (public repos only)', async () => {
    const a = await getJson<DiffJson>(`/v1/repos/gen${path1()}`);
    const b = await getJson<DiffJson>(`/v1/repos/ns/gen${path1()}`);
    expect(b.files).toEqual(a.files);
    const pub = await fetch(`${gw.url}/v1/orgs/${ORG}/repos/pub${path1()}`);
    expect(pub.status).toBe(200);
    expect(((await pub.json()) as DiffJson).files).toEqual(a.files);
    const pubCompare = await fetch(`${gw.url}/v1/orgs/${ORG}/repos/pub/compare${q('v1', 'main')}`);
    expect(pubCompare.status).toBe(200);
    expect((await fetch(`${gw.url}/v1/orgs/${ORG}/repos/gen${path1()}`)).status).toBe(404);
    expect((await fetch(`${gw.url}/v1/orgs/${ORG}/repos/ns/gen${path1()}`)).status).toBe(404);
    expect((await get(`/v1/repos/missing${path1()}`)).status).toBe(404);
  });

  it('an unknown ref or sha is 404 naming the field', async () => {
    for (const [url, field] of [
      [`/v1/repos/gen/diff${q('no-such-branch', 'main')}`, 'base'],
      [`/v1/repos/gen/compare${q('main', 'f'.repeat(40))}`, 'head'],
    ]) {
      const r = await get(url);
      expect(r.status).toBe(404);
      const j = (await r.json()) as { code: string; details: { field: string } };
      expect(j.code).toBe('NOT_FOUND');
      expect(j.details.field).toBe(field);
    }
  });

  it('400 VALIDATION_ERROR naming the field', async () => {
    const cases: Array<[string, string]> = [
      [`?head=main`, 'base'],
      [`?base=main`, 'head'],
      [`${q('v1', 'main')}&context=-1`, 'context'],
      [`${q('v1', 'main')}&context=abc`, 'context'],
      [`${q('v1', 'main')}&patch=maybe`, 'patch'],
    ];
    for (const [query, field] of cases) {
      for (const kind of ['diff', 'compare']) {
        const r = await get(`/v1/repos/gen/${kind}${query}`);
        expect(r.status, `${kind}${query}`).toBe(400);
        const j = (await r.json()) as { code: string; error: string; details: { field: string } };
        expect(j.code).toBe('VALIDATION_ERROR');
        expect(j.details.field).toBe(field);
        expect(j.error).toContain(field);
      }
    }
  });

  it('does not swallow other routes whose path ends in /diff (a branch or ref named "diff")', async () => {
    await gitOk(['branch', 'diff', 'main'], { cwd: src });
    const r0 = await git(['push', repoUrl(gw.url, `${ORG}/gen`, key), 'refs/heads/diff:refs/heads/diff'], { cwd: src });
    expect(r0.code, r0.stderr).toBe(0);
    const r = await get('/v1/repos/gen/branches/diff');
    expect(r.status).toBe(200);
    expect(((await r.json()) as { name: string }).name).toBe('diff');
    const t = await get('/v1/repos/gen/tree/diff');
    expect(t.status).toBe(200);
  });

  it('the OpenAPI document describes diff and compare with their query parameters', async () => {
    const doc = (await (await fetch(`${gw.url}/v1/openapi.json`)).json()) as { paths: Record<string, { get?: { parameters: Array<{ name: string; in: string; required: boolean }> } }> };
    for (const p of ['/v1/repos/{slug}/diff', '/v1/repos/{namespace}/{slug}/compare', '/v1/orgs/{org}/repos/{slug}/diff']) {
      const params = doc.paths[p]?.get?.parameters ?? [];
      expect(params.filter((x) => x.in === 'query').map((x) => x.name), p).toEqual(['base', 'head', 'patch', 'context', 'binary', 'minimal']);
      expect(params.find((x) => x.name === 'base')?.required).toBe(true);
    }
  });

  it('every response carries X-Request-Id', async () => {
    const r = await get(`/v1/repos/gen${path1()}`, { 'x-request-id': 'diff-req-1' });
    expect(r.headers.get('x-request-id')).toBe('diff-req-1');
  });
});
