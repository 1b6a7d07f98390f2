// The per-repo denyNonFastForwards flag (git's receive.denyNonFastForwards): a forced
// non-fast-forward push is refused, a fast-forward one still goes through.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore } from '../storage/index.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { git, gitOk, lsRemote, repoUrl, tempDir } from './helpers/git.js';

let gw: Gitwell;
let key: string;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  await gw.createRepo('acme/strict');
  // the CLI and the server share the data dir; so can this test
  const store = openStore(gw.dataDir);
  try {
    const repo = store.findRepo('acme', null, 'strict')!;
    store.updateRepo(repo.id, { denyNonFastForwards: true });
  } finally {
    store.close();
  }
}, 60_000);

afterAll(async () => {
  await gw?.stop();
});

it('refuses a forced non-fast-forward push and accepts a fast-forward one', async () => {
  const dir = tempDir('gw-nonff-');
  const url = repoUrl(gw.url, 'acme/strict', key);
  const commit = async (msg: string) => {
    fs.writeFileSync(path.join(dir, 'f.txt'), `${msg}\n`);
    await gitOk(['add', '-A'], { cwd: dir });
    await gitOk(['-c', 'user.name=T', '-c', 'user.email=t@e', 'commit', '-qm', msg], { cwd: dir });
  };
  await gitOk(['init', '-q', '-b', 'main', dir]);
  await commit('one');
  await commit('two');
  await gitOk(['push', '-q', url, 'main'], { cwd: dir });
  const two = await gitOk(['rev-parse', 'main'], { cwd: dir });

  await gitOk(['reset', '-q', '--hard', 'HEAD~1'], { cwd: dir });
  await commit('other');
  const forced = await git(['push', '--force', url, 'main'], { cwd: dir });
  expect(forced.code).not.toBe(0);
  expect(forced.stderr).toMatch(/non-fast-forward/);
  expect((await lsRemote(url)).refs).toContain(`${two}\trefs/heads/main`);

  await gitOk(['reset', '-q', '--hard', two], { cwd: dir });
  await commit('three');
  expect((await git(['push', url, 'main'], { cwd: dir })).code).toBe(0);
});
