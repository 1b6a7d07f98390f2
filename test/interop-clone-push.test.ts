// Interop: the stock git client pushes the whole fixture into gitwell and clones it back over
// protocol v0 and v2; force-push and ref deletion. The oracle is git itself: the clone must hold
// exactly the source's refs and objects, and `git fsck --strict` must find nothing.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  fsck,
  git,
  gitOk,
  lines,
  lsRemote,
  makeFixture,
  objectIds,
  removeTempDirs,
  repoUrl,
  tempDir,
  type Fixture,
} from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { cloneRefsAsServerRefs, pushFixture, refList } from './helpers/interop.js';

let fx: Fixture;
let gw: Gitwell;

beforeAll(async () => {
  fx = await makeFixture();
});
beforeEach(async () => {
  gw = await startGitwell();
});
afterEach(async () => {
  await gw?.stop();
  removeTempDirs();
});

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe.each([0, 2] as const)('push the fixture, clone it back over protocol v%i', (protocol) => {
  it('has every ref, peeled tag and object of the source, fsck-clean, HEAD on main', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');

    // refs as advertised, HEAD and peeled ^{} lines included
    const source = await lsRemote(fx.dir);
    const served = await lsRemote(repo.url, { protocol });
    expect(served.code, served.stderr).toBe(0);
    expect(served.refs).toEqual(source.refs);
    expect(served.refs.some((l) => l.endsWith('refs/tags/v1.0-meta^{}'))).toBe(true);

    const symref = await git(['-c', `protocol.version=${protocol}`, 'ls-remote', '--symref', repo.url, 'HEAD']);
    expect(symref.code, symref.stderr).toBe(0);
    expect(lines(symref.stdout)[0]).toBe('ref: refs/heads/main\tHEAD');

    const dir = path.join(tempDir(), 'clone');
    const trace = path.join(path.dirname(dir), 'packet.trace');
    const c = await git(['-c', `protocol.version=${protocol}`, 'clone', repo.url, dir], {
      env: { GIT_TRACE_PACKET: trace },
    });
    expect(c.code, c.stderr).toBe(0);
    // the client falls back to v0 silently when the server ignores Git-Protocol: make sure it did not
    const spokeV2 = /git< version 2\b/.test(fs.readFileSync(trace, 'utf8'));
    expect(spokeV2, 'server answered with "version 2"').toBe(protocol === 2);

    expect(await cloneRefsAsServerRefs(dir)).toEqual(await refList(fx.dir, 'refs/heads', 'refs/tags'));
    expect(await objectIds(dir)).toEqual(await objectIds(fx.dir));

    const f = await fsck(dir);
    expect(f.code, f.stderr + f.stdout).toBe(0);
    expect(f.stderr + f.stdout).not.toMatch(/error|warning|missing|broken/i);

    // only v2 can name an unborn HEAD (ls-refs unborn); over v0 the client picks its own default
    if (protocol === 2) expect(await gitOk(['symbolic-ref', 'HEAD'], { cwd: dir })).toBe('refs/heads/main');
    expect(await gitOk(['symbolic-ref', 'refs/remotes/origin/HEAD'], { cwd: dir })).toBe('refs/remotes/origin/main');
    expect(await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).toBe(await gitOk(['rev-parse', 'main'], { cwd: fx.dir }));

    // the checkout: modes, link, the big file, odd names, the gitlink
    expect(await gitOk(['ls-files', '-s'], { cwd: dir })).toBe(await gitOk(['ls-files', '-s'], { cwd: fx.dir }));
    expect(await gitOk(['status', '--porcelain'], { cwd: dir })).toBe('');
    expect(fs.statSync(path.join(dir, 'scripts/run.sh')).mode & 0o111).toBe(0o111);
    expect(fs.lstatSync(path.join(dir, 'link-to-readme')).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(path.join(dir, 'link-to-readme'))).toBe('README.md');
    const big = path.join(dir, 'big/large.txt');
    expect(fs.statSync(big).size).toBeGreaterThan(3_000_000);
    expect(sha256(big)).toBe(sha256(path.join(fx.dir, 'big/large.txt')));
    expect(sha256(path.join(dir, 'assets/data.bin'))).toBe(sha256(path.join(fx.dir, 'assets/data.bin')));
    expect(fs.readFileSync(path.join(dir, 'docs/日本語 ファイル.txt'), 'utf8')).toBe('日本語のファイル\n');
    expect(fs.readFileSync(path.join(dir, 'docs/héllo wörld.md'), 'utf8')).toBe('héllo wörld\n');
    expect(fs.statSync(path.join(dir, 'vendor/lib')).isDirectory()).toBe(true);
  });
});

describe.each([0, 2] as const)('an empty repo over protocol v%i', (protocol) => {
  it('clones with a warning (v2: HEAD unborn on main) and takes the first push from that clone', async () => {
    const key = await gw.createKey('acme');
    await gw.createRepo('acme/empty');
    const url = repoUrl(gw.url, 'acme/empty', key);
    const ls = await lsRemote(url, { protocol });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.refs).toEqual([]);

    const dir = path.join(tempDir(), 'empty');
    const c = await git(['-c', `protocol.version=${protocol}`, 'clone', url, dir]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stderr).toMatch(/empty repository/);
    // only v2 can name an unborn HEAD (ls-refs unborn); over v0 the client picks its own default
    if (protocol === 2) expect(await gitOk(['symbolic-ref', 'HEAD'], { cwd: dir })).toBe('refs/heads/main');

    fs.writeFileSync(path.join(dir, 'first.txt'), 'first\n');
    await gitOk(['add', 'first.txt'], { cwd: dir });
    await gitOk(['commit', '-q', '-m', 'first'], { cwd: dir });
    const p = await git(['push', 'origin', 'HEAD:refs/heads/main'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    const head = await gitOk(['rev-parse', 'HEAD'], { cwd: dir });
    expect((await lsRemote(url, { protocol })).refs).toEqual([`${head}\tHEAD`, `${head}\trefs/heads/main`]);
  });
});

describe('namespaced repo ORG/NAMESPACE/SLUG', () => {
  it('takes a push and serves a clone at /ORG/NS/SLUG.git', async () => {
    const repo = await pushFixture(gw, fx, 'acme/tools/fixture', { refspecs: ['refs/heads/main:refs/heads/main'] });
    const ls = await lsRemote(repo.url);
    expect(ls.code, ls.stderr).toBe(0);
    const main = await gitOk(['rev-parse', 'main'], { cwd: fx.dir });
    expect(ls.refs).toEqual([`${main}\tHEAD`, `${main}\trefs/heads/main`].sort());

    const dir = path.join(tempDir(), 'clone');
    const c = await git(['clone', '--bare', repo.url, dir]);
    expect(c.code, c.stderr).toBe(0);
    expect(await objectIds(dir)).toEqual(await objectIds(fx.dir, ['main']));
    const f = await fsck(dir);
    expect(f.code, f.stderr).toBe(0);
  });
});

describe('force-push and delete', () => {
  it('rejects a non-fast-forward without --force, moves the ref with --force', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const work = path.join(tempDir(), 'work');
    await gitOk(['clone', '-q', '--no-tags', '-b', 'release-1.0', repo.url, work]);
    await gitOk(['reset', '-q', '--hard', 'HEAD~2'], { cwd: work });
    fs.writeFileSync(path.join(work, 'rewritten.txt'), 'history rewritten\n');
    await gitOk(['add', 'rewritten.txt'], { cwd: work });
    await gitOk(['commit', '-q', '-m', 'rewrite release-1.0'], { cwd: work });
    const rewritten = await gitOk(['rev-parse', 'HEAD'], { cwd: work });
    const before = await lsRemote(repo.url);

    const plain = await git(['push', repo.url, 'HEAD:refs/heads/release-1.0'], { cwd: work });
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/rejected|non-fast-forward|fetch first/);
    expect((await lsRemote(repo.url)).refs).toEqual(before.refs);

    const forced = await git(['push', '--force', repo.url, 'HEAD:refs/heads/release-1.0'], { cwd: work });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/\+ .*\(forced update\)/);
    const after = await lsRemote(repo.url);
    const expected = before.refs
      .filter((l) => !l.endsWith('\trefs/heads/release-1.0'))
      .concat(`${rewritten}\trefs/heads/release-1.0`)
      .sort();
    expect(after.refs).toEqual(expected);

    // a fresh clone of the rewritten branch is complete (the thin pack was completed)
    const check = path.join(tempDir(), 'check');
    const c = await git(['clone', '-q', '--bare', repo.url, check]);
    expect(c.code, c.stderr).toBe(0);
    expect(await gitOk(['rev-parse', 'refs/heads/release-1.0'], { cwd: check })).toBe(rewritten);
    const f = await fsck(check);
    expect(f.code, f.stderr).toBe(0);
  });

  it('deletes branches and tags with `git push URL :ref`, leaving the rest alone', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = await lsRemote(repo.url);
    const gone = ['refs/heads/feature/x', 'refs/heads/users/alice/wip', 'refs/tags/v0.1', 'refs/tags/v1.0-meta'];

    const del = await git(['push', repo.url, ':refs/heads/feature/x', ':refs/heads/users/alice/wip'], { cwd: fx.dir });
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toMatch(/\[deleted\]/);
    const delTags = await git(['push', '--delete', repo.url, 'refs/tags/v0.1', 'refs/tags/v1.0-meta'], { cwd: fx.dir });
    expect(delTags.code, delTags.stderr).toBe(0);

    const after = await lsRemote(repo.url);
    const kept = before.refs.filter((l) => !gone.some((g) => l.endsWith('\t' + g) || l.endsWith('\t' + g + '^{}')));
    expect(after.refs).toEqual(kept);
    expect(kept.length).toBe(before.refs.length - 5); // v1.0-meta had a peeled line too

    // deleting what is not there is not an error that changes anything
    const again = await git(['push', repo.url, ':refs/heads/feature/x'], { cwd: fx.dir });
    expect((await lsRemote(repo.url)).refs).toEqual(kept);
    expect(again.stderr).not.toMatch(/internal error|\b500\b/i);
  });
});
