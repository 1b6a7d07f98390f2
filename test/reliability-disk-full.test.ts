// A full disk is an error, not a crash. The data dir, or the temp dir where push bodies are
// spooled, is a small tmpfs that the test fills for real (test/helpers/tmpfs.ts): the kernel
// says ENOSPC, or LMDB's write comes up short, as on a real disk. (A small LMDB map size would
// not do: lmdb-js grows the map past any `mapSize` it is given.) A push that cannot be written
// fails in git's protocol, naming the cause; a REST commit gets 507 INSUFFICIENT_STORAGE; refs
// do not move; the server stays up and serves clones and reads; with room again, writes work.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, lines, lsRemote, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { mountTmpfs, type Tmpfs } from './helpers/tmpfs.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

const MiB = 1024 * 1024;

const probe = mountTmpfs(1);
const cannot = typeof probe === 'string' ? probe : null;
if (typeof probe !== 'string') probe.unmount();
if (cannot) console.warn(`reliability-disk-full: skipped: ${cannot}`);

afterEach(() => removeTempDirs());
const sources: string[] = [];
afterAll(() => {
  for (const d of sources) fs.rmSync(d, { recursive: true, force: true });
});

/** A work tree with `files` small files on main, committed (kept until the process exits). */
async function sourceRepo(files: number): Promise<string> {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gw-full-src-')), 'src');
  sources.push(path.dirname(dir));
  await gitOk(['init', '-q', '-b', 'main', dir]);
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(dir, `f${String(i).padStart(4, '0')}.txt`), `file ${i}\n`);
  await gitOk(['add', '-A'], { cwd: dir });
  await gitOk(['commit', '-qm', 'files'], { cwd: dir });
  return dir;
}

/** Commits `bytes` of random (incompressible) content as `name`; returns the new head. */
async function commitRandom(dir: string, name: string, bytes: number): Promise<string> {
  fs.writeFileSync(path.join(dir, name), crypto.randomBytes(bytes));
  await gitOk(['add', name], { cwd: dir });
  await gitOk(['commit', '-qm', `add ${name}`], { cwd: dir });
  return gitOk(['rev-parse', 'HEAD'], { cwd: dir });
}

async function headOf(url: string): Promise<string | undefined> {
  const r = await lsRemote(url);
  expect(r.code, r.stderr).toBe(0);
  return r.refs.find((l) => l.endsWith('\trefs/heads/main'))?.slice(0, 40);
}

async function cloneWorks(url: string, protocol: 0 | 2, files: number): Promise<void> {
  const dir = path.join(tempDir('gw-full-clone-'), 'c');
  const c = await git(['-c', `protocol.version=${protocol}`, 'clone', '-q', url, dir]);
  expect(c.code, c.stderr).toBe(0);
  expect(lines(await gitOk(['ls-files'], { cwd: dir }))).toHaveLength(files);
}

/** The server is up: its process has not exited, and it logged no unhandled rejection. */
function stillServing(gw: Gitwell, exited: { value: boolean }): void {
  expect(exited.value, gw.logs()).toBe(false);
  expect(gw.logs()).not.toMatch(/unhandled rejection/i);
}

describe.skipIf(cannot !== null)('the data dir fills up (LMDB on a 48 MiB tmpfs)', () => {
  let disk: Tmpfs;
  let gw: Gitwell;
  let api: Api;
  let keepUrl: string;
  let bigUrl: string;
  let big: string;
  let bigBefore: string;
  let bigAfter: string;
  const exited = { value: false };
  const KEEP_FILES = 1100; // a clone of it is big enough for the pack cache (1000 objects)

  beforeAll(async () => {
    disk = mountTmpfs(48) as Tmpfs;
    gw = await startGitwell({ dataDir: path.join(disk.dir, 'data') });
    void gw.exited.then(() => (exited.value = true));
    const key = await gw.createKey('acme');
    api = apiClient(gw, key);
    for (const slug of ['keep', 'big']) expect((await api('POST', '/v1/repos', { body: { slug, init: false } })).status).toBe(201);
    keepUrl = repoUrl(gw.url, 'acme/keep', key);
    bigUrl = repoUrl(gw.url, 'acme/big', key);
    const keep = await sourceRepo(KEEP_FILES);
    expect((await git(['push', '-q', keepUrl, 'main'], { cwd: keep })).code).toBe(0);
    big = await sourceRepo(3);
    expect((await git(['push', '-q', bigUrl, 'main'], { cwd: big })).code).toBe(0);
    bigBefore = await gitOk(['rev-parse', 'HEAD'], { cwd: big });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    disk?.unmount();
  });

  it('a push the disk has no room for fails in the protocol, naming the cause; the ref does not move', async () => {
    disk.fill(6 * MiB);
    bigAfter = await commitRandom(big, 'blob.bin', 16 * MiB);
    const p = await git(['push', bigUrl, 'main'], { cwd: big });
    expect(p.code).not.toBe(0);
    expect(p.stderr).toMatch(/storage is full \((ENOSPC|EIO|no space left)\)/);
    expect(p.stderr).toMatch(/remote unpack failed|\[remote rejected\]/);
    expect(await headOf(bigUrl)).toBe(bigBefore);
    stillServing(gw, exited);
  });

  it('reads go on: clones over v0 and v2 (the pack cache starts no fill), REST reads', async () => {
    for (const protocol of [2, 0] as const) await cloneWorks(keepUrl, protocol, KEEP_FILES);
    const raw = await api('GET', '/v1/repos/keep/raw/main/f0007.txt');
    expect(raw.status).toBe(200);
    expect(raw.text).toBe('file 7\n');
    expect((await api('GET', '/v1/repos/big/tree/main')).json.items).toHaveLength(3);
    stillServing(gw, exited);
  });

  it('a REST commit gets 507 INSUFFICIENT_STORAGE, and the branch does not move', async () => {
    disk.fill(0, 'ballast-2');
    const r = await api('POST', '/v1/repos/big/commits', {
      body: commitBody('main', [{ action: 'create', path: 'api.bin', content: crypto.randomBytes(8 * MiB).toString('base64'), encoding: 'base64' }]),
    });
    expect(r.status, r.text).toBe(507);
    expect(r.json.code).toBe('INSUFFICIENT_STORAGE');
    expect(r.json.error).toMatch(/storage is full/);
    expect((await api('GET', '/v1/repos/big/branches/main')).json.sha).toBe(bigBefore);
    expect(await headOf(bigUrl)).toBe(bigBefore);
    stillServing(gw, exited);
  });

  it('with room again, the same push and a commit go through', async () => {
    for (const f of ['ballast', 'ballast-2']) fs.rmSync(path.join(disk.dir, f));
    const p = await git(['push', bigUrl, 'main'], { cwd: big });
    expect(p.code, p.stderr).toBe(0);
    expect(await headOf(bigUrl)).toBe(bigAfter);
    const c = await api('POST', '/v1/repos/big/commits', { body: commitBody('main', [{ action: 'create', path: 'later.txt', content: 'later\n' }]) });
    expect(c.status, c.text).toBe(201);
    await cloneWorks(bigUrl, 2, 5);
    stillServing(gw, exited);
  });
});

describe.skipIf(cannot !== null)('the temp dir fills up (push bodies are spooled to an 8 MiB tmpfs)', () => {
  let tmp: Tmpfs;
  let gw: Gitwell;
  let api: Api;
  let url: string;
  let src: string;
  let before: string;
  const exited = { value: false };

  beforeAll(async () => {
    tmp = mountTmpfs(8) as Tmpfs;
    gw = await startGitwell({ env: { TMPDIR: tmp.dir } });
    void gw.exited.then(() => (exited.value = true));
    const key = await gw.createKey('acme');
    api = apiClient(gw, key);
    expect((await api('POST', '/v1/repos', { body: { slug: 'r', init: false } })).status).toBe(201);
    url = repoUrl(gw.url, 'acme/r', key);
    src = await sourceRepo(3);
    expect((await git(['push', '-q', url, 'main'], { cwd: src })).code).toBe(0);
    before = await gitOk(['rev-parse', 'HEAD'], { cwd: src });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    tmp?.unmount();
  });

  it('a large push (spooled as it arrives) and a small one (spooled at the end) are refused in the protocol', async () => {
    tmp.fill(256 * 1024);
    await commitRandom(src, 'large.bin', 4 * MiB);
    const large = await git(['push', url, 'main'], { cwd: src });
    expect(large.code).not.toBe(0);
    expect(large.stderr).toMatch(/storage is full \(ENOSPC\)/);
    expect(await headOf(url)).toBe(before);

    tmp.fill(0);
    await gitOk(['reset', '-q', '--hard', before], { cwd: src });
    await commitRandom(src, 'small.bin', 300 * 1024);
    const small = await git(['push', url, 'main'], { cwd: src });
    expect(small.code).not.toBe(0);
    expect(small.stderr).toMatch(/storage is full \(ENOSPC\)/);
    expect(await headOf(url)).toBe(before);
    stillServing(gw, exited);
  });

  it('clones and reads go on; a large REST body gets 507', async () => {
    await cloneWorks(url, 2, 3);
    expect((await api('GET', '/v1/repos/r/raw/main/f0001.txt')).text).toBe('file 1\n');
    const r = await api('POST', '/v1/repos/r/commits', {
      body: commitBody('main', [{ action: 'create', path: 'big.bin', content: crypto.randomBytes(2 * MiB).toString('base64'), encoding: 'base64' }]),
    });
    expect(r.status, r.text).toBe(507);
    expect(r.json.code).toBe('INSUFFICIENT_STORAGE');
    stillServing(gw, exited);
  });

  it('with room again, the push goes through', async () => {
    fs.rmSync(path.join(tmp.dir, 'ballast'));
    const p = await git(['push', url, 'main'], { cwd: src });
    expect(p.code, p.stderr).toBe(0);
    expect(await headOf(url)).toBe(await gitOk(['rev-parse', 'HEAD'], { cwd: src }));
    stillServing(gw, exited);
  });
});
