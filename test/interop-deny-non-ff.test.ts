// The per-repo denyNonFastForwards setting (git's receive.denyNonFastForwards): a forced
// non-fast-forward push is refused, a fast-forward one still goes through. It is set by the
// CLI (`repo create --deny-non-fast-forwards`, `repo set`), while the server runs on the same
// data dir, and through PATCH /v1/repos/:slug.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { git, gitOk, lsRemote, repoUrl, tempDir } from './helpers/git.js';
import { apiClient } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
}, 60_000);

afterAll(async () => {
  await gw?.stop();
});

/** A work tree that pushes to `repo`: commit, then try a forced push of rewritten history. */
async function forcedPush(repo: string): Promise<{ refused: boolean; stderr: string; fastForwardOk: boolean }> {
  const dir = tempDir('gw-nonff-');
  const url = repoUrl(gw.url, repo, key);
  const commit = async (msg: string) => {
    fs.writeFileSync(path.join(dir, 'f.txt'), `${msg}\n`);
    await gitOk(['add', '-A'], { cwd: dir });
    await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', msg], { cwd: dir });
  };
  await gitOk(['init', '-q', '-b', 'main', dir]);
  // build on what the repo has, so that this push is a fast-forward
  if ((await git(['fetch', '-q', url, 'main'], { cwd: dir })).code === 0) await gitOk(['reset', '-q', '--hard', 'FETCH_HEAD'], { cwd: dir });
  await commit('one');
  await commit('two');
  await gitOk(['push', '-q', url, 'main'], { cwd: dir });
  const two = await gitOk(['rev-parse', 'main'], { cwd: dir });
  await gitOk(['reset', '-q', '--hard', 'HEAD~1'], { cwd: dir });
  await commit('other');
  const forced = await git(['push', '--force', url, 'main'], { cwd: dir });
  const refused = forced.code !== 0;
  if (refused) expect((await lsRemote(url)).refs).toContain(`${two}\trefs/heads/main`);
  // a fast-forward from whatever main is now still goes through
  await gitOk(['fetch', '-q', url, 'main'], { cwd: dir });
  await gitOk(['reset', '-q', '--hard', 'FETCH_HEAD'], { cwd: dir });
  await commit('three');
  const ff = await git(['push', url, 'main'], { cwd: dir });
  return { refused, stderr: forced.stderr, fastForwardOk: ff.code === 0 };
}

it('repo create --deny-non-fast-forwards: a forced push is refused, a fast-forward accepted', async () => {
  const r = await gw.cli(['repo', 'create', 'acme/strict', '--deny-non-fast-forwards', '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).deny_non_fast_forwards).toBe(true);
  const p = await forcedPush('acme/strict');
  expect(p.refused).toBe(true);
  expect(p.stderr).toMatch(/non-fast-forward/);
  expect(p.fastForwardOk).toBe(true);
});

it('repo set turns it on and off while the server runs; a repo made without it takes forced pushes', async () => {
  await gw.createRepo('acme/loose');
  expect((await forcedPush('acme/loose')).refused).toBe(false);
  expect((await gw.cli(['repo', 'set', 'acme/loose', '--deny-non-fast-forwards', 'true'])).code).toBe(0);
  expect((await forcedPush('acme/loose')).refused).toBe(true);
  expect((await gw.cli(['repo', 'set', 'acme/loose', '--deny-non-fast-forwards', 'false'])).code).toBe(0);
  expect((await forcedPush('acme/loose')).refused).toBe(false);
  const bad = await gw.cli(['repo', 'set', 'acme/loose', '--deny-non-fast-forwards', 'maybe']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/true or false/);
  expect((await gw.cli(['repo', 'set', 'acme/none', '--deny-non-fast-forwards', 'true'])).stderr).toMatch(/no repository/);
});

it('PATCH /v1/repos/:slug sets deny_non_fast_forwards, and the repo says so', async () => {
  const api = apiClient(gw, key);
  await api('POST', '/v1/repos', { body: { slug: 'patched', init: false } });
  expect((await api('GET', '/v1/repos/patched')).json.deny_non_fast_forwards).toBe(false);
  const r = await api('PATCH', '/v1/repos/patched', { body: { deny_non_fast_forwards: true } });
  expect(r.status).toBe(200);
  expect(r.json.deny_non_fast_forwards).toBe(true);
  expect((await forcedPush('acme/patched')).refused).toBe(true);
  const bad = await api('PATCH', '/v1/repos/patched', { body: { deny_non_fast_forwards: 'yes' } });
  expect(bad.status).toBe(400);
  expect(bad.json.code).toBe('VALIDATION_ERROR');
});
