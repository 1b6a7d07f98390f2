// Whole-clone packs are served from the pack cache after the first clone. The cached path
// streams at disk speed, which is what exposed a back-pressure stall in the HTTP writer: keep
// a clone big enough to push back on the socket, and clone it repeatedly over v0 and v2.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { fsck, git, gitEnv, gitOk, objectIds, repoUrl, tempDir } from './helpers/git.js';
import { FLUSH, pkt } from './helpers/pktline.js';

let gw: Gitwell;
let key: string;
let src: string;

/** ~1,250 objects, ~24 MB of incompressible blobs: a 24 MB pack per clone. */
async function makeBigRepo(dir: string): Promise<void> {
  await gitOk(['init', '-q', '-b', 'main', dir]);
  let seed = 7;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
  for (let c = 0; c < 6; c++) {
    for (let f = 0; f < 200; f++) {
      const buf = Buffer.alloc(20_000);
      for (let i = 0; i < buf.length; i++) buf[i] = rand();
      fs.mkdirSync(path.join(dir, `d${f % 8}`), { recursive: true });
      fs.writeFileSync(path.join(dir, `d${f % 8}`, `f${f}-${c}.bin`), buf);
    }
    await gitOk(['add', '-A'], { cwd: dir });
    await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', `c${c}`], { cwd: dir });
  }
}

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  await gw.createRepo('acme/big', { public: true });
  src = tempDir('gw-cache-src-');
  await makeBigRepo(src);
  await gitOk(['push', '-q', repoUrl(gw.url, 'acme/big', key), 'main'], { cwd: src });
}, 120_000);

afterAll(async () => {
  await gw?.stop();
});

describe('pack cache', () => {
  it('serves repeated clones (v2 and v0) complete and identical, the later ones from the cache', async () => {
    const want = await objectIds(src);
    expect(want.length).toBeGreaterThan(1000);
    for (const v of ['2', '2', '0', '0', '2']) {
      const dir = path.join(tempDir('gw-cache-clone-'), 'c.git');
      const r = await git(['-c', `protocol.version=${v}`, 'clone', '-q', '--bare', repoUrl(gw.url, 'acme/big'), dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(await objectIds(dir)).toEqual(want);
      expect((await fsck(dir)).code).toBe(0);
    }
    const cached = fs.readdirSync(path.join(gw.dataDir, 'cache', 'packs')).filter((f) => f.endsWith('.pack'));
    expect(cached).toHaveLength(1);
  }, 180_000);

  it('clones that arrive together after a push share one fill; one client going away stops only its own', async () => {
    fs.writeFileSync(path.join(src, 'herd.txt'), 'a new tip, so no cached pack\n');
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'herd'], { cwd: src });
    await gitOk(['push', '-q', repoUrl(gw.url, 'acme/big', key), 'main'], { cwd: src });
    const packs = () => fs.readdirSync(path.join(gw.dataDir, 'cache', 'packs')).filter((f) => f.endsWith('.pack'));
    const before = packs();
    const want = await objectIds(src);
    // one client that hangs up as soon as its pack starts to arrive
    const quitter = spawn('git', ['clone', '-q', '--bare', repoUrl(gw.url, 'acme/big'), path.join(tempDir('gw-cache-quit-'), 'c.git')], { env: gitEnv(), stdio: 'ignore' });
    setTimeout(() => quitter.kill('SIGKILL'), 150);
    const dirs = ['2', '0', '2', '0', '2', '0'].map((v) => ({ v, dir: path.join(tempDir('gw-cache-herd-'), 'c.git') }));
    const results = await Promise.all(dirs.map(({ v, dir }) => git(['-c', `protocol.version=${v}`, 'clone', '-q', '--bare', repoUrl(gw.url, 'acme/big'), dir])));
    for (const [i, r] of results.entries()) {
      expect(r.code, r.stderr).toBe(0);
      expect(await objectIds(dirs[i].dir)).toEqual(want);
    }
    expect((await fsck(dirs[0].dir)).code).toBe(0);
    // one new cached pack for the new tip, complete, and no temp file left behind
    const after = packs();
    expect(after.filter((f) => !before.includes(f))).toHaveLength(1);
    expect(fs.readdirSync(path.join(gw.dataDir, 'cache', 'packs')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  }, 180_000);

  it('a fetch with haves is not served from the whole-clone pack', async () => {
    const dir = path.join(tempDir('gw-cache-inc-'), 'c');
    await gitOk(['clone', '-q', repoUrl(gw.url, 'acme/big'), dir]);
    fs.writeFileSync(path.join(src, 'new.txt'), 'new\n');
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'new'], { cwd: src });
    await gitOk(['push', '-q', repoUrl(gw.url, 'acme/big', key), 'main'], { cwd: src });
    const r = await git(['fetch', '--verbose', 'origin'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(await gitOk(['rev-parse', 'origin/main'], { cwd: dir })).toBe(await gitOk(['rev-parse', 'main'], { cwd: src }));
    // the new commit, its tree and the new blob: nothing close to the whole history
    expect(r.stderr).not.toMatch(/Receiving objects: 100% \(1\d{3}\//);
  }, 120_000);
});

describe('pack cache, small packs', () => {
  // regression (found in review): a whole-clone pack of at least 1,000 objects but under one
  // MiB is filled and renamed before the request's stream is first read; the stream opened the
  // temp name and the connection was cut (git's retry on a kept-alive connection hid it)
  it('the first fetch of a small whole-clone pack, on a fresh connection, is answered', async () => {
    const small = await startGitwell();
    try {
      const k = await small.createKey('acme');
      await small.createRepo('acme/many', { public: true });
      const dir = tempDir('gw-cache-small-');
      await gitOk(['init', '-q', '-b', 'main', dir]);
      for (let f = 0; f < 1200; f++) fs.writeFileSync(path.join(dir, `f${f}.txt`), `file ${f}\n`);
      await gitOk(['add', '-A'], { cwd: dir });
      await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'c'], { cwd: dir });
      const head = await gitOk(['rev-parse', 'HEAD'], { cwd: dir });
      // a second branch: the first push's pack (kept as the clone pack of both branches) is
      // not what a fetch of main alone asks for, so that fetch fills the cache itself
      await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-q', '--allow-empty', '-m', 'other'], { cwd: dir });
      await gitOk(['push', '-q', repoUrl(small.url, 'acme/many', k), 'HEAD:refs/heads/other', `${head}:refs/heads/main`], { cwd: dir });
      const body = Buffer.concat([pkt('command=fetch\n'), Buffer.from('0001'), pkt('ofs-delta\n'), pkt(`want ${head}\n`), pkt('done\n'), FLUSH]);
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${small.url}/acme/many.git/git-upload-pack`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2', connection: 'close' },
          body,
        });
        const b = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        expect(b.includes('PACK')).toBe(true);
        expect(b.readUInt32BE(b.indexOf('PACK') + 8)).toBe(1202);
      }
    } finally {
      await small.stop();
    }
  }, 120_000);
});

describe('a first push kept as the clone pack', () => {
  const packFiles = (dataDir: string) => fs.readdirSync(path.join(dataDir, 'cache', 'packs')).filter((f) => f.endsWith('.pack'));

  it('serves the clones that follow a first push of branches and tags from the pushed pack', async () => {
    const gw2 = await startGitwell();
    try {
      const k = await gw2.createKey('acme');
      await gw2.createRepo('acme/first', { public: true });
      const dir = tempDir('gw-seed-src-');
      await makeBigRepo(dir);
      await gitOk(['tag', '-a', '-m', 'release', 'v1', 'HEAD~2'], { cwd: dir });
      await gitOk(['tag', 'light', 'HEAD~1'], { cwd: dir });
      await gitOk(['branch', 'older', 'HEAD~3'], { cwd: dir });
      await gitOk(['push', '-q', repoUrl(gw2.url, 'acme/first', k), 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'], { cwd: dir });
      // kept at once, before any clone asked: under the keys of clones with and without include-tag
      const seeded = packFiles(gw2.dataDir);
      expect(seeded).toHaveLength(2);
      const want = await objectIds(dir);
      for (const v of ['2', '0']) {
        const c = path.join(tempDir('gw-seed-clone-'), 'c.git');
        const r = await git(['-c', `protocol.version=${v}`, 'clone', '-q', '--bare', repoUrl(gw2.url, 'acme/first'), c]);
        expect(r.code, r.stderr).toBe(0);
        expect(await objectIds(c)).toEqual(want);
        expect((await fsck(c)).code).toBe(0);
        expect(await gitOk(['for-each-ref', '--format=%(objectname) %(refname)'], { cwd: c })).toBe(await gitOk(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/tags'], { cwd: dir }));
      }
      // no clone made a pack of its own: both were served from the pushed pack
      expect(packFiles(gw2.dataDir).sort()).toEqual(seeded.sort());
    } finally {
      await gw2.stop();
    }
  }, 180_000);

  it('keeps nothing when the first push also makes refs a clone does not fetch', async () => {
    const gw2 = await startGitwell();
    try {
      const k = await gw2.createKey('acme');
      await gw2.createRepo('acme/notes', { public: true });
      const dir = tempDir('gw-seed-notes-');
      await gitOk(['init', '-q', '-b', 'main', dir]);
      fs.writeFileSync(path.join(dir, 'a.txt'), 'a\n');
      await gitOk(['add', '-A'], { cwd: dir });
      await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'a'], { cwd: dir });
      await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'notes', 'add', '-m', 'a note', 'HEAD'], { cwd: dir });
      await gitOk(['push', '-q', repoUrl(gw2.url, 'acme/notes', k), 'main', 'refs/notes/commits'], { cwd: dir });
      expect(packFiles(gw2.dataDir)).toEqual([]);
      const c = path.join(tempDir('gw-seed-notes-clone-'), 'c.git');
      await gitOk(['clone', '-q', '--bare', repoUrl(gw2.url, 'acme/notes'), c]);
      expect(await objectIds(c)).toEqual(await objectIds(dir, ['main']));
    } finally {
      await gw2.stop();
    }
  }, 120_000);
});

describe('a repo cloned lately gets its new clone pack right after a push', () => {
  const packFiles = (dataDir: string) => fs.readdirSync(path.join(dataDir, 'cache', 'packs')).filter((f) => f.endsWith('.pack')).sort();
  const until = async (what: () => boolean, ms: number) => {
    for (const end = Date.now() + ms; Date.now() < end && !what(); ) await new Promise((r) => setTimeout(r, 50));
  };

  it('makes the pack after the push, before any clone asks; a repo nobody cloned gets none', async () => {
    const gw2 = await startGitwell();
    try {
      const k = await gw2.createKey('acme');
      await gw2.createRepo('acme/warm', { public: true });
      await gw2.createRepo('acme/cold', { public: true });
      const dir = tempDir('gw-warm-src-');
      await makeBigRepo(dir);
      const urlOf = (slug: string) => repoUrl(gw2.url, `acme/${slug}`, k);
      for (const slug of ['warm', 'cold']) await gitOk(['push', '-q', urlOf(slug), 'main'], { cwd: dir });
      // the first pushes are kept as the clone packs; the clone of warm is served from its own
      const seeded = packFiles(gw2.dataDir);
      expect(seeded).toHaveLength(2);
      const first = path.join(tempDir('gw-warm-c1-'), 'c.git');
      await gitOk(['clone', '-q', '--bare', repoUrl(gw2.url, 'acme/warm'), first]);
      expect(packFiles(gw2.dataDir)).toEqual(seeded);

      fs.writeFileSync(path.join(dir, 'warm.txt'), 'a push after a clone\n');
      await gitOk(['add', '-A'], { cwd: dir });
      await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', 'warm'], { cwd: dir });
      for (const slug of ['warm', 'cold']) await gitOk(['push', '-q', urlOf(slug), 'main'], { cwd: dir });
      // the warm repo's new pack appears with no clone asking; the cold repo's never does
      await until(() => packFiles(gw2.dataDir).length === 3, 20_000);
      const warmed = packFiles(gw2.dataDir);
      expect(warmed).toHaveLength(3);
      await new Promise((r) => setTimeout(r, 1000));
      expect(packFiles(gw2.dataDir)).toEqual(warmed);
      // and the next clone is served from it, complete
      const second = path.join(tempDir('gw-warm-c2-'), 'c.git');
      await gitOk(['clone', '-q', '--bare', repoUrl(gw2.url, 'acme/warm'), second]);
      expect(packFiles(gw2.dataDir)).toEqual(warmed);
      expect(await objectIds(second)).toEqual(await objectIds(dir, ['main']));
      expect((await fsck(second)).code).toBe(0);
    } finally {
      await gw2.stop();
    }
  }, 180_000);
});
