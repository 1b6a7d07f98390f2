// `gitwell import`: a repository on disk (work tree or bare, packed and loose objects, packed
// and loose refs, a symbolic ref) or a bundle (whole, or continuing one imported before)
// brought into a gitwell repo in-process, with or without a server running on the data dir.
// git is the oracle: a clone through the server has the source's branches, tags and objects,
// and passes git fsck.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastJson, PROJECT_ROOT, runCli, startGitwell, type Gitwell } from './helpers/gitwell.js';
import { fsck, git, gitOk, lines, makeFixture, repoUrl, tempDir } from './helpers/git.js';
import { apiClient } from './helpers/v1-api.js';

const LODASH = path.resolve(PROJECT_ROOT, '../shared/bench-data/lodash.bundle');
if (!fs.existsSync(LODASH)) console.log(`import: the lodash case is skipped, ${LODASH} is absent (../shared/bench-data/README.md)`);

let src: string;
let dataDir: string;

/** Branches and tags with their ids, as `for-each-ref` lists them. */
const headsAndTags = (repo: string) => gitOk(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], { cwd: repo });
/** Every object the branches and tags reach. */
async function reachable(repo: string): Promise<string[]> {
  return lines(await gitOk(['rev-list', '--objects', '--branches', '--tags'], { cwd: repo })).map((l) => l.slice(0, 40)).sort();
}
async function clonedObjects(repo: string): Promise<string[]> {
  return lines(await gitOk(['cat-file', '--batch-all-objects', '--batch-check=%(objectname)'], { cwd: repo })).sort();
}

beforeAll(async () => {
  const fx = await makeFixture();
  src = fx.dir;
  // packed refs and a pack, then loose objects and a loose ref on top, and a symbolic ref
  await gitOk(['pack-refs', '--all'], { cwd: src });
  for (const n of [1, 2]) {
    fs.writeFileSync(path.join(src, `late-${n}.txt`), `loose object ${n}\n`);
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['commit', '-qm', `a loose commit ${n}`], { cwd: src });
  }
  await gitOk(['branch', 'late', 'HEAD~1'], { cwd: src });
  await gitOk(['symbolic-ref', 'refs/heads/alias', 'refs/heads/main'], { cwd: src });
  expect(fs.readdirSync(path.join(src, '.git', 'objects')).some((d) => /^[0-9a-f]{2}$/.test(d))).toBe(true);
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-import-'));
}, 120_000);

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('gitwell import', () => {
  let gw: Gitwell | undefined;
  afterAll(async () => {
    await gw?.stop();
  });

  it('imports a work tree (packed and loose objects and refs) as every branch and tag, and a clone equals the source', async () => {
    const r = await runCli(['import', src, 'acme/fixture', '--data', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = lastJson<{ repo: string; created: boolean; refs: number; updated: number; packs: number; joined: number }>(r.stdout);
    const want = lines(await headsAndTags(src));
    expect(summary).toMatchObject({ repo: 'acme/fixture', created: true, refs: want.length, updated: want.length });
    expect(summary.packs).toBe(2); // the fixture's pack, and one made of the loose objects
    expect(summary.joined).toBe((await reachable(src)).length);

    gw = await startGitwell({ dataDir });
    const key = await gw.createKey('acme');
    const clone = path.join(tempDir('gw-import-clone-'), 'c.git');
    await gitOk(['clone', '-q', '--mirror', repoUrl(gw.url, 'acme/fixture', key), clone]);
    expect(lines(await headsAndTags(clone))).toEqual(want);
    expect(await clonedObjects(clone)).toEqual(await reachable(src));
    expect((await fsck(clone)).code).toBe(0);
    // HEAD: the branch the source's HEAD names
    expect(await gitOk(['symbolic-ref', 'HEAD'], { cwd: clone })).toBe('refs/heads/main');
  }, 120_000);

  it('imports a bundle beside the running server, which serves it at once; a second import sets nothing', async () => {
    const bundle = path.join(tempDir('gw-import-bundle-'), 'all.bundle');
    await gitOk(['bundle', 'create', '-q', bundle, '--branches', '--tags'], { cwd: src });
    const r = await runCli(['import', bundle, 'acme/from-bundle', '--data', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    // plain progress lines when stderr is not a terminal
    expect(r.stderr).toMatch(/Indexing objects: 100% \(\d+\/\d+\).*done/);
    expect(r.stderr).toMatch(/Resolving deltas: 100%/);
    const key = await gw!.createKey('acme');
    const clone = path.join(tempDir('gw-import-bclone-'), 'c.git');
    await gitOk(['clone', '-q', '--mirror', repoUrl(gw!.url, 'acme/from-bundle', key), clone]);
    // what the bundle carries: git writes the symbolic ref alias as refs/heads/main once more
    const carried = [...new Set(lines(await gitOk(['bundle', 'list-heads', bundle], { cwd: src })).filter((l) => / refs\/(heads|tags)\//.test(l)))].sort();
    expect(lines(await headsAndTags(clone)).sort()).toEqual(carried);
    expect((await fsck(clone)).code).toBe(0);
    const again = await runCli(['import', bundle, 'acme/from-bundle', '--data', dataDir, '--json']);
    expect(lastJson<{ created: boolean; updated: number; joined: number }>(again.stdout)).toMatchObject({ created: false, updated: 0, joined: 0 });
  }, 120_000);

  it('takes a bundle that continues one imported before, and refuses it into a repo without its base', async () => {
    const dir = tempDir('gw-import-inc-');
    const base = path.join(dir, 'base.bundle');
    const inc = path.join(dir, 'inc.bundle');
    await gitOk(['branch', 'import-base', 'main~3'], { cwd: src });
    await gitOk(['bundle', 'create', '-q', base, 'import-base'], { cwd: src });
    await gitOk(['bundle', 'create', '-q', inc, 'import-base..main'], { cwd: src });
    await gitOk(['branch', '-D', 'import-base'], { cwd: src });
    const refused = await runCli(['import', inc, 'acme/inc', '--data', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the bundle needs [0-9a-f]{40}, which the repo does not have/);
    expect((await runCli(['import', base, 'acme/inc', '--data', dataDir])).code).toBe(0);
    const r = await runCli(['import', inc, 'acme/inc', '--data', dataDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson<{ updated: number }>(r.stdout).updated).toBe(1);
    const key = await gw!.createKey('acme');
    const ls = await gitOk(['ls-remote', repoUrl(gw!.url, 'acme/inc', key)]);
    expect(ls).toContain(`${await gitOk(['rev-parse', 'main'], { cwd: src })}\trefs/heads/main`);
    expect(ls).toContain(`${await gitOk(['rev-parse', 'main~3'], { cwd: src })}\trefs/heads/import-base`);
  }, 120_000);

  it('an import that moves a branch while the server runs is seen by the server\'s next read (no stale hot reply)', async () => {
    const dir = tempDir('gw-import-live-');
    const repo = path.join(dir, 'src');
    await gitOk(['init', '-q', '-b', 'main', repo]);
    fs.writeFileSync(path.join(repo, 'f.txt'), 'v1\n');
    await gitOk(['add', '-A'], { cwd: repo });
    await gitOk(['commit', '-qm', 'v1'], { cwd: repo });
    const first = path.join(dir, 'first.bundle');
    await gitOk(['bundle', 'create', '-q', first, 'main'], { cwd: repo });
    expect((await runCli(['import', first, 'acme/live', '--data', dataDir])).code).toBe(0);
    const key = await gw!.createKey('acme');
    const api = apiClient(gw!, key);
    // read twice: the second answer comes from the hot read path's cache
    for (let i = 0; i < 2; i++) expect((await api('GET', '/v1/repos/live/raw/main/f.txt')).text).toBe('v1\n');
    fs.writeFileSync(path.join(repo, 'f.txt'), 'v2\n');
    await gitOk(['commit', '-qam', 'v2'], { cwd: repo });
    const next = path.join(dir, 'next.bundle');
    await gitOk(['bundle', 'create', '-q', next, 'main~1..main'], { cwd: repo });
    expect((await runCli(['import', next, 'acme/live', '--data', dataDir])).code).toBe(0);
    expect((await api('GET', '/v1/repos/live/raw/main/f.txt')).text).toBe('v2\n');
  }, 60_000);

  it('refuses what is not a repository, with a message and exit status 1', async () => {
    const notRepo = tempDir('gw-import-none-');
    fs.writeFileSync(path.join(notRepo, 'file.txt'), 'hello\n');
    for (const p of [notRepo, path.join(notRepo, 'file.txt'), path.join(notRepo, 'missing')]) {
      const r = await runCli(['import', p, 'acme/nothing', '--data', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/gitwell: .*(not a git repository|neither a git bundle|does not exist)/);
    }
    const sha256 = path.join(tempDir('gw-import-256-'), 'r.git');
    const init = await git(['init', '-q', '--bare', '--object-format=sha256', sha256]);
    if (init.code === 0) {
      const r = await runCli(['import', sha256, 'acme/nothing', '--data', dataDir]);
      expect(r.stderr).toMatch(/sha256 repository: gitwell keeps sha1 repositories/);
    }
  }, 60_000);
});

describe.skipIf(!fs.existsSync(LODASH))('gitwell import of a real history', () => {
  it('lodash.bundle: every branch and tag, the same objects, git fsck clean', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-import-lodash-'));
    try {
      const r = await runCli(['import', LODASH, 'acme/lodash', '--data', dir, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const s = lastJson<{ refs: number; objects: number; warnings: number }>(r.stdout);
      expect(s).toMatchObject({ refs: 449, objects: 71485, warnings: 2 });
      const gw = await startGitwell({ dataDir: dir });
      try {
        const key = await gw.createKey('acme');
        const clone = path.join(tempDir('gw-import-lclone-'), 'c.git');
        await gitOk(['clone', '-q', '--mirror', repoUrl(gw.url, 'acme/lodash', key), clone], { timeoutMs: 300_000 });
        const mirror = path.join(tempDir('gw-import-lsrc-'), 'src.git');
        await gitOk(['clone', '-q', '--mirror', LODASH, mirror], { timeoutMs: 300_000 });
        expect(await headsAndTags(clone)).toEqual(await headsAndTags(mirror));
        expect(await clonedObjects(clone)).toEqual(await clonedObjects(mirror));
        // git's own fsck, as the host's clients run it: the two zero-padded trees are warnings
        const f = await git(['fsck', '--full', '--no-dangling', '--no-progress'], { cwd: clone, timeoutMs: 300_000 });
        expect(f.code, f.stderr).toBe(0);
        expect(f.stderr.match(/zeroPaddedFilemode/g)).toHaveLength(2);
      } finally {
        await gw.stop();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
