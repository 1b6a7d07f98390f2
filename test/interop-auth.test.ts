// Interop: who may read and push over smart HTTP. Private repos answer 401 with
// `WWW-Authenticate: Basic` to anonymous and wrong-key requests (never 500), a key of the
// owning org reads and pushes, a key of another org does neither; public repos clone
// anonymously but never take an anonymous push. Checked with raw requests (exact statuses)
// and with the stock client (what a user sees).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { git, gitOk, lsRemote, makeFixture, removeTempDirs, repoUrl, tempDir, type Fixture } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { pushFixture, type SeededRepo } from './helpers/interop.js';
import { packOf, readTree, writeBlob, writeCommit, writeTree } from './helpers/objects.js';
import { refStatus } from './helpers/pktline.js';
import { basicAuth, emptyPack, infoRefs, receivePack, ZERO_OID } from './helpers/raw-git.js';

let fx: Fixture;
let gw: Gitwell;
let small: string; // a small commit of the fixture: v0.1, with no large file

beforeAll(async () => {
  fx = await makeFixture();
  small = await gitOk(['rev-parse', 'v0.1'], { cwd: fx.dir });
});
beforeEach(async () => {
  gw = await startGitwell();
});
afterEach(async () => {
  await gw?.stop();
  removeTempDirs();
});

const seed = (fullName: string, isPublic: boolean) =>
  pushFixture(gw, fx, fullName, { public: isPublic, refspecs: ['refs/tags/v0.1:refs/heads/main'] });

async function expectChallenge(res: { status: number; headers: Headers }, what: string) {
  expect(res.status, what).toBe(401);
  expect(res.headers.get('www-authenticate') ?? '', `${what}: WWW-Authenticate`).toMatch(/^Basic\b/i);
}

async function clone(url: string, protocol: 0 | 2 = 2) {
  const dir = path.join(tempDir(), 'clone');
  const r = await git(['-c', `protocol.version=${protocol}`, 'clone', '-q', url, dir]);
  return { ...r, dir };
}

/** Pushes a new commit on top of main as `url`; returns git's result. */
async function pushAs(url: string, branch = 'refs/heads/pushed') {
  return git(['push', url, `${small}:${branch}`], { cwd: fx.dir });
}

describe('private repo', () => {
  let repo: SeededRepo;
  beforeEach(async () => {
    repo = await seed('acme/private', false);
  });

  it('answers anonymous and wrong-key requests with 401 + WWW-Authenticate: Basic', async () => {
    for (const service of ['git-upload-pack', 'git-receive-pack'] as const) {
      await expectChallenge(await infoRefs(gw.url, repo.fullName, service), `anonymous ${service} info/refs`);
      await expectChallenge(await infoRefs(gw.url, repo.fullName, service, { protocolV2: true }), `anonymous v2 ${service}`);
      await expectChallenge(await infoRefs(gw.url, repo.fullName, service, { key: 'gw_wrong' }), `wrong key ${service}`);
      await expectChallenge(await infoRefs(gw.url, repo.fullName, service, { key: repo.key + 'x' }), `key + junk ${service}`);
    }
    // the POST endpoints are guarded too, not only the advertisement
    const up = await fetch(`${gw.url}/${repo.fullName}.git/git-upload-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2' },
      body: '0014command=ls-refs\n0000',
    });
    await expectChallenge(up, 'anonymous POST git-upload-pack');
    const rp = await receivePack(gw.url, repo.fullName, undefined, [{ old: ZERO_OID, new: small, ref: 'refs/heads/x' }], emptyPack());
    await expectChallenge(rp, 'anonymous POST git-receive-pack');
  });

  it('never answers 500 to malformed credentials', async () => {
    const url = `${gw.url}/${repo.fullName}.git/info/refs?service=git-upload-pack`;
    const headers = [
      'Basic',
      'Basic !!!not-base64!!!',
      'Basic ' + Buffer.from('no-colon').toString('base64'),
      'Basic ' + Buffer.from(':').toString('base64'),
      'Basic ' + Buffer.from('user:').toString('base64'),
      'Basic ' + Buffer.from('any:' + 'k'.repeat(10_000)).toString('base64'),
      'Basic ' + Buffer.from([0x61, 0x3a, 0xff, 0xfe, 0x00]).toString('base64'),
      'Bearer not-a-token',
      'Digest username="x"',
      basicAuth(repo.key).toLowerCase(),
    ];
    const got: Record<string, number> = {};
    for (const h of headers) got[h.slice(0, 40)] = (await fetch(url, { headers: { authorization: h } })).status;
    expect(got).toEqual(Object.fromEntries(headers.map((h) => [h.slice(0, 40), 401])));
  });

  it('the owning org key reads and pushes, over v0 and v2', async () => {
    const ok = await infoRefs(gw.url, repo.fullName, 'git-upload-pack', { key: repo.key });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    expect(ok.body.subarray(0, 30).toString('latin1')).toBe('001e# service=git-upload-pack\n');
    const okPush = await infoRefs(gw.url, repo.fullName, 'git-receive-pack', { key: repo.key, user: 'x-token' });
    expect(okPush.status).toBe(200);
    expect(okPush.headers.get('content-type')).toBe('application/x-git-receive-pack-advertisement');

    for (const protocol of [0, 2] as const) {
      const c = await clone(repo.url, protocol);
      expect(c.code, c.stderr).toBe(0);
      expect(await gitOk(['rev-parse', 'HEAD'], { cwd: c.dir })).toBe(small);
    }
    // any username works; the key is the password
    const other = repoUrl(gw.url, repo.fullName, repo.key).replace('//any:', '//someone-else:');
    const p = await pushAs(other);
    expect(p.code, p.stderr).toBe(0);
    expect((await lsRemote(repo.url)).refs).toContain(`${small}\trefs/heads/pushed`);
  });

  it('git clone without a key or with a wrong key fails and leaves nothing behind', async () => {
    const anon = await clone(repo.anonUrl);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/could not read Username|Authentication failed|401/);
    const wrong = await clone(repoUrl(gw.url, repo.fullName, 'gw_not_a_key'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed|401/);
    expect(wrong.stderr).not.toMatch(/\b500\b|internal error/i);
    expect(fs.existsSync(anon.dir) || fs.existsSync(wrong.dir)).toBe(false);
  });

  it('a key of another org can neither read nor push', async () => {
    const otherKey = await gw.createKey('rival');
    const before = (await lsRemote(repo.url)).refs;
    const read = await infoRefs(gw.url, repo.fullName, 'git-upload-pack', { key: otherKey });
    expect([401, 403, 404], `read with another org's key: ${read.status}`).toContain(read.status);
    const adv = await infoRefs(gw.url, repo.fullName, 'git-receive-pack', { key: otherKey });
    expect([401, 403, 404], `receive-pack advertisement with another org's key: ${adv.status}`).toContain(adv.status);
    const rp = await receivePack(gw.url, repo.fullName, otherKey, [{ old: ZERO_OID, new: small, ref: 'refs/heads/x' }], emptyPack());
    expect([401, 403, 404], `POST receive-pack with another org's key: ${rp.status}`).toContain(rp.status);

    const otherUrl = repoUrl(gw.url, repo.fullName, otherKey);
    const c = await clone(otherUrl);
    expect(c.code).not.toBe(0);
    const p = await pushAs(otherUrl);
    expect(p.code).not.toBe(0);
    expect(p.stderr).not.toMatch(/\b500\b|internal error/i);
    expect((await lsRemote(repo.url)).refs).toEqual(before);
  });
});

describe('public repo', () => {
  let repo: SeededRepo;
  beforeEach(async () => {
    repo = await seed('acme/public', true);
  });

  it('clones anonymously over v0 and v2', async () => {
    const adv = await infoRefs(gw.url, repo.fullName, 'git-upload-pack');
    expect(adv.status).toBe(200);
    for (const protocol of [0, 2] as const) {
      const c = await clone(repo.anonUrl, protocol);
      expect(c.code, c.stderr).toBe(0);
      expect(await gitOk(['rev-parse', 'HEAD'], { cwd: c.dir })).toBe(small);
    }
  });

  it('refuses anonymous, wrong-key and other-org pushes; the owner pushes', async () => {
    const before = (await lsRemote(repo.anonUrl)).refs;
    await expectChallenge(await infoRefs(gw.url, repo.fullName, 'git-receive-pack'), 'anonymous receive-pack info/refs');
    const rp = await receivePack(gw.url, repo.fullName, undefined, [{ old: ZERO_OID, new: small, ref: 'refs/heads/x' }], emptyPack());
    await expectChallenge(rp, 'anonymous POST git-receive-pack');
    await expectChallenge(await infoRefs(gw.url, repo.fullName, 'git-receive-pack', { key: 'gw_wrong' }), 'wrong key');

    const anon = await pushAs(repo.anonUrl);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/could not read Username|Authentication failed|401|403/);
    const wrong = await pushAs(repoUrl(gw.url, repo.fullName, 'gw_wrong'));
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed|401/);

    const otherKey = await gw.createKey('rival');
    const otherAdv = await infoRefs(gw.url, repo.fullName, 'git-receive-pack', { key: otherKey });
    expect([401, 403], `receive-pack advertisement with another org's key: ${otherAdv.status}`).toContain(otherAdv.status);
    const other = await pushAs(repoUrl(gw.url, repo.fullName, otherKey));
    expect(other.code).not.toBe(0);
    expect((await lsRemote(repo.anonUrl)).refs).toEqual(before);

    // another org's key may still read a public repo
    const readOther = await clone(repoUrl(gw.url, repo.fullName, otherKey));
    expect(readOther.code, readOther.stderr).toBe(0);

    const owner = await pushAs(repo.url);
    expect(owner.code, owner.stderr).toBe(0);
    expect((await lsRemote(repo.anonUrl)).refs).toContain(`${small}\trefs/heads/pushed`);
  });

  it('a repo that does not exist is 404 for its own org, and no 500 for anyone', async () => {
    const key = repo.key;
    const missing = await infoRefs(gw.url, 'acme/nope', 'git-upload-pack', { key });
    expect(missing.status).toBe(404);
    const anon = await infoRefs(gw.url, 'acme/nope', 'git-upload-pack');
    expect([401, 404]).toContain(anon.status);
    const bad = await fetch(`${gw.url}/acme/public.git/info/refs?service=git-bogus-pack`);
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
  });
});

describe('isolation between repos sharing one object store', () => {
  it('objects only in a private repo cannot be pointed at, built on or fetched through another repo', async () => {
    // acme/private holds a secret commit; rival/mirror has the same public base history
    const secretRepo = await seed('acme/private', false);
    const scratch = path.join(tempDir(), 'scratch.git');
    await gitOk(['clone', '-q', '--bare', fx.dir, scratch]);
    const secretBlob = await writeBlob(scratch, 'the launch code is 0000\n');
    const secretTree = await writeTree(scratch, [...(await readTree(scratch, small + '^{tree}')), { mode: '100644', name: 'secret.txt', oid: secretBlob }]);
    const secret = await writeCommit(scratch, secretTree, [small], 'secret');
    const pushed = await git(['push', secretRepo.url, `${secret}:refs/heads/main`], { cwd: scratch });
    expect(pushed.code, pushed.stderr).toBe(0);

    const rival = await pushFixture(gw, fx, 'rival/mirror', { public: true, refspecs: ['refs/tags/v0.1:refs/heads/main'] });
    const before = (await lsRemote(rival.url)).refs;
    const got: Record<string, string> = {};
    const details: string[] = [];
    const attempt = async (name: string, commit: string, pack: Buffer) => {
      const r = await receivePack(gw.url, rival.fullName, rival.key, [{ old: ZERO_OID, new: commit, ref: `refs/heads/${name}` }], pack);
      const st = refStatus(r.report, `refs/heads/${name}`);
      got[name] = r.status >= 500 ? `HTTP ${r.status}` : st === 'ok' ? 'accepted' : 'refused';
      details.push(`${name}: HTTP ${r.status} ${JSON.stringify(r.report.lines)}`);
    };
    // a ref straight at the secret commit, no objects sent
    await attempt('steal-commit', secret, emptyPack());
    // a commit of the rival's own whose tree names the secret blob without sending it
    const rivalTree = await writeTree(scratch, [...(await readTree(scratch, small + '^{tree}')), { mode: '100644', name: 'loot.txt', oid: secretBlob }]);
    const rivalCommit = await writeCommit(scratch, rivalTree, [small], 'loot');
    await attempt('steal-blob', rivalCommit, await packOf(scratch, [rivalCommit, rivalTree]));
    // a commit whose parent is the secret commit
    const child = await writeCommit(scratch, small + '^{tree}', [secret], 'child of secret');
    await attempt('steal-parent', child, await packOf(scratch, [child]));
    expect(got, details.join('\n')).toEqual({ 'steal-commit': 'refused', 'steal-blob': 'refused', 'steal-parent': 'refused' });
    expect((await lsRemote(rival.url)).refs).toEqual(before);

    // want <secret> through the rival repo (protocol v2 lets a client ask for any id)
    const thief = path.join(tempDir(), 'thief');
    await gitOk(['init', '-q', thief]);
    for (const oid of [secret, secretBlob]) {
      const f = await git(['-c', 'protocol.version=2', 'fetch', '-q', rival.url, oid], { cwd: thief });
      expect(f.code, `fetching ${oid} through rival/mirror succeeded`).not.toBe(0);
      expect(f.stderr).not.toMatch(/\b500\b|internal error/i);
      expect((await git(['cat-file', '-e', oid], { cwd: thief })).code).not.toBe(0);
    }
    // ...while the owner can fetch it by id from its own repo
    const own = await git(['-c', 'protocol.version=2', 'fetch', '-q', secretRepo.url, secret], { cwd: thief });
    expect(own.code, own.stderr).toBe(0);
  });

  // regression (found in review): every object of a pack joined the repo when any ref moved,
  // though only what the new tips reach was checked; a commit no tip reached could name another
  // repo's private tree and blob, and be fetched by id (git) or read by commit (REST) through it
  it('an object of a push that no new tip reaches does not join the repo, nor lend it what it names', async () => {
    const secretRepo = await seed('acme/private', false);
    const scratch = path.join(tempDir(), 'scratch.git');
    await gitOk(['clone', '-q', '--bare', fx.dir, scratch]);
    const secretBlob = await writeBlob(scratch, 'the vault code is 1234\n');
    const secretTree = await writeTree(scratch, [{ mode: '100644', name: 'secret.txt', oid: secretBlob }]);
    const secret = await writeCommit(scratch, secretTree, [small], 'secret');
    const pushed = await git(['push', secretRepo.url, `${secret}:refs/heads/main`], { cwd: scratch });
    expect(pushed.code, pushed.stderr).toBe(0);

    const rival = await pushFixture(gw, fx, 'rival/mirror', { public: true, refspecs: ['refs/tags/v0.1:refs/heads/main'] });
    // a harmless new tip, and beside it in the same pack a commit no tip reaches that names the secrets
    const benign = await writeCommit(scratch, small + '^{tree}', [small], 'benign');
    const lootTree = await writeTree(scratch, [{ mode: '100644', name: 'loot.txt', oid: secretBlob }, { mode: '40000', name: 'dir', oid: secretTree }]);
    const loot = await writeCommit(scratch, lootTree, [], 'loot');
    await receivePack(gw.url, rival.fullName, rival.key, [{ old: ZERO_OID, new: benign, ref: 'refs/heads/benign' }], await packOf(scratch, [benign, loot, lootTree]));

    const thief = path.join(tempDir(), 'thief');
    await gitOk(['init', '-q', thief]);
    for (const oid of [loot, lootTree]) {
      const f = await git(['-c', 'protocol.version=2', 'fetch', '-q', rival.url, oid], { cwd: thief });
      expect(f.code, `fetching ${oid} through rival/mirror succeeded`).not.toBe(0);
      expect(f.stderr).not.toMatch(/\b500\b|internal error/i);
    }
    for (const oid of [secretBlob, secretTree]) expect((await git(['cat-file', '-e', oid], { cwd: thief })).code).not.toBe(0);
    for (const u of [`raw/${loot}/loot.txt`, `raw/${loot}/dir/secret.txt`, `commits/${loot}`]) {
      const res = await fetch(`${gw.url}/v1/orgs/rival/repos/mirror/${u}`);
      expect(res.status, u).toBe(404);
      expect(await res.text()).not.toContain('vault code');
    }
  });
});

