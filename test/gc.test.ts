// `gitwell gc` on a real data dir: objects a refused push left behind (held by no repo) go, after
// the grace period, asked of the running server; with --prune-unreachable (here offline) so do
// objects a repo still held that no ref reaches after a force push; everything a ref reaches
// stays, including objects two repos share after one of them is deleted, and a clone
// afterwards is complete and passes fsck. A snapshot is a ref by another name: its commit
// survives --prune-unreachable.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../storage/index.js';
import { fsck, git, gitOk, lsRemote, makeFixture, objectIds, repoUrl, tempDir, type Fixture } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { pushFixture } from './helpers/interop.js';
import { packOf, readTree, writeBlob, writeCommit, writeTree } from './helpers/objects.js';
import { receivePack, ZERO_OID } from './helpers/raw-git.js';
import { apiClient, commitBody } from './helpers/v1-api.js';

let fx: Fixture;
let dataDir: string;
let gw: Gitwell;

beforeAll(async () => {
  fx = await makeFixture();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-gc-'));
}, 120_000);

afterAll(async () => {
  await gw?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const held = (oid: string) => {
  const store = openStore(dataDir);
  try {
    return store.hasObject(Buffer.from(oid, 'hex'));
  } finally {
    store.close();
  }
};

it('gc takes what no repo holds, and with --prune-unreachable what no ref reaches; the rest clones whole', async () => {
  gw = await startGitwell({ dataDir });
  const repo = await pushFixture(gw, fx, 'acme/app', { refspecs: ['refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'] });
  const twin = await pushFixture(gw, fx, 'acme/twin', { refspecs: ['refs/heads/main:refs/heads/main'] });
  const small = await gitOk(['rev-parse', 'v0.1'], { cwd: fx.dir });
  const scratch = path.join(tempDir(), 'scratch.git');
  await gitOk(['clone', '-q', '--bare', fx.dir, scratch]);

  // a refused push: a commit whose tree names a blob that was not sent leaves its commit and tree behind
  const missing = await writeBlob(scratch, 'never sent\n');
  const orphanTree = await writeTree(scratch, [...(await readTree(scratch, small + '^{tree}')), { mode: '100644', name: 'gone.txt', oid: missing }]);
  const orphanCommit = await writeCommit(scratch, orphanTree, [small], 'refused');
  const refused = await receivePack(gw.url, repo.fullName, repo.key, [{ old: ZERO_OID, new: orphanCommit, ref: 'refs/heads/refused' }], await packOf(scratch, [orphanCommit, orphanTree]));
  expect(refused.report.unpack === 'ok' ? refused.report.lines.join() : 'refused').toMatch(/ng |refused/);

  // a force push: the old tip of `rewritten` stays held by the repo, but no ref reaches it
  const work = tempDir('gw-gc-work-');
  await gitOk(['clone', '-q', repo.url, work]);
  fs.writeFileSync(path.join(work, 'soon-gone.txt'), 'only in the old history\n');
  await gitOk(['add', '-A'], { cwd: work });
  await gitOk(['commit', '-qm', 'to be rewritten'], { cwd: work });
  await gitOk(['push', '-q', repo.url, 'HEAD:refs/heads/rewritten'], { cwd: work });
  const oldTip = await gitOk(['rev-parse', 'HEAD'], { cwd: work });
  const oldBlob = await gitOk(['rev-parse', 'HEAD:soon-gone.txt'], { cwd: work });
  await gitOk(['reset', '-q', '--hard', 'HEAD~1'], { cwd: work });
  await gitOk(['commit', '-q', '--allow-empty', '-m', 'rewritten'], { cwd: work });
  await gitOk(['push', '-q', '--force', repo.url, 'HEAD:refs/heads/rewritten'], { cwd: work });

  // a deleted repo whose objects the other repo shares
  const api = (p: string, init: RequestInit = {}) => fetch(`${gw.url}${p}`, { ...init, headers: { 'x-api-key': twin.key, ...(init.headers ?? {}) } });
  expect((await api('/v1/repos/twin', { method: 'DELETE' })).status).toBeLessThan(300);

  // beside the running server, gc is the server's: within the grace period (an hour by
  // default) the refused push's objects stay ...
  expect(held(orphanCommit)).toBe(true);
  const early = await gw.cli(['gc', '--json']);
  expect(early.code, early.stderr).toBe(0);
  const r0 = JSON.parse(early.stdout);
  expect(r0.removed).toBe(0);
  expect(r0.deferred).toBeGreaterThanOrEqual(2);
  expect(held(orphanCommit)).toBe(true);
  // ... and with no grace they go, while the server serves on
  const first = await gw.cli(['gc', '--grace', '0', '--json']);
  expect(first.code, first.stderr).toBe(0);
  const r1 = JSON.parse(first.stdout);
  expect(r1.removed).toBeGreaterThanOrEqual(2);
  expect(r1.unreachable).toBe(0);
  expect(held(orphanCommit)).toBe(false);
  expect(held(orphanTree)).toBe(false);
  expect(held(oldTip)).toBe(true); // still held by acme/app
  expect(held(small)).toBe(true); // shared with the deleted twin: acme/app still holds it
  const refsBefore = (await lsRemote(repo.url)).refs;
  await gw.stop();

  const second = await gw.cli(['gc', '--prune-unreachable', '--json']);
  expect(second.code, second.stderr).toBe(0);
  const r2 = JSON.parse(second.stdout);
  expect(r2.unreachable).toBeGreaterThanOrEqual(2);
  expect(held(oldTip)).toBe(false);
  expect(held(oldBlob)).toBe(false);

  // the repo is whole: same refs, a clone has every object and passes fsck
  gw = await startGitwell({ dataDir });
  expect((await lsRemote(repoUrl(gw.url, 'acme/app', repo.key))).refs).toEqual(refsBefore);
  const clone = path.join(tempDir('gw-gc-clone-'), 'c.git');
  const c = await git(['clone', '-q', '--bare', repoUrl(gw.url, 'acme/app', repo.key), clone]);
  expect(c.code, c.stderr).toBe(0);
  expect((await fsck(clone)).code).toBe(0);
  const want = await objectIds(fx.dir);
  const got = new Set(await objectIds(clone));
  for (const o of want) expect(got.has(o), o).toBe(true);
  // and pushes and reads go on as before
  const raw = await fetch(`${gw.url}/v1/repos/app/tree/main`, { headers: { 'x-api-key': repo.key } });
  expect(raw.status).toBe(200);
}, 180_000);

it('--prune-unreachable keeps what a snapshot names (it stays restorable), and prunes what nothing names', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-gc-snap-'));
  let server = await startGitwell({ dataDir: dir });
  try {
    const key = await server.createKey('acme');
    const api = apiClient(server, key);
    await api('POST', '/v1/repos', { body: { slug: 's' } });
    await api('POST', '/v1/repos/s/commits', { body: commitBody('main', [{ path: 'a', content: 'a\n' }]) });
    const kept = await api('POST', '/v1/repos/s/commits', { body: commitBody('kept', [{ path: 'only-in-kept', content: 'kept\n' }]) });
    const dropped = await api('POST', '/v1/repos/s/commits', { body: commitBody('dropped', [{ path: 'only-in-dropped', content: 'dropped\n' }]) });
    expect((await api('POST', '/v1/repos/s/snapshots', { body: { name: 'snap', branch: 'kept' } })).status).toBe(201);
    for (const b of ['kept', 'dropped']) expect((await api('DELETE', `/v1/repos/s/branches/${b}`)).status).toBe(200);
    await server.stop();

    const had = (oid: string) => {
      const store = openStore(dir);
      try {
        return store.hasObject(Buffer.from(oid, 'hex'));
      } finally {
        store.close();
      }
    };
    const r = await server.cli(['gc', '--prune-unreachable', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(had(kept.json.sha)).toBe(true);
    expect(had(dropped.json.sha)).toBe(false);

    server = await startGitwell({ dataDir: dir });
    const api2 = apiClient(server, key);
    expect((await api2('POST', '/v1/repos/s/snapshots/snap/restore')).json).toMatchObject({ restored: true, branch: 'kept', sha: kept.json.sha });
    const clone = path.join(tempDir('gw-gc-snap-clone-'), 'c');
    await gitOk(['clone', '-q', '-b', 'kept', repoUrl(server.url, 'acme/s', key), clone]);
    expect((await fsck(clone)).code).toBe(0);
    expect(fs.readFileSync(path.join(clone, 'only-in-kept'), 'utf8')).toBe('kept\n');
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
