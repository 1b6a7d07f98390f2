// A real repository: lodash's whole history (../shared/bench-data/lodash.bundle, 71,485 objects,
// 449 refs), whose two old trees carry zero-padded modes (`040000`). `git push --mirror` to
// gitwell is accepted with those warnings, and a mirror clone back has the same refs and
// objects and passes `git fsck`. Skipped, saying why, when the bundle is not there (it is data
// beside the project, not part of it). Slow: the push alone takes tens of seconds.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { git, gitOk, objectIds, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { PROJECT_ROOT, startGitwell, type Gitwell } from './helpers/gitwell.js';
import { refList } from './helpers/interop.js';

const BUNDLE = path.resolve(PROJECT_ROOT, '../shared/bench-data/lodash.bundle');
const present = fs.existsSync(BUNDLE);
if (!present) console.log(`interop-lodash: skipped, ${BUNDLE} is absent (the bench data lives beside the project: ../shared/bench-data/README.md)`);

const LONG = 15 * 60_000;
let gw: Gitwell | undefined;
afterAll(async () => {
  await gw?.stop();
  removeTempDirs();
});

describe.skipIf(!present)('lodash, a real history with zero-padded trees', () => {
  it('is pushed whole (with fsck warnings), cloned back equal, and passes git fsck', async () => {
    const src = path.join(tempDir('gw-lodash-'), 'lodash.git');
    await gitOk(['clone', '-q', '--mirror', BUNDLE, src], { timeoutMs: LONG });
    gw = await startGitwell();
    const key = await gw.createKey('acme');
    await gw.createRepo('acme/lodash');
    const url = repoUrl(gw.url, 'acme/lodash', key);

    const t0 = Date.now();
    const push = await git(['push', '--mirror', url], { cwd: src, timeoutMs: LONG });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`interop-lodash: push --mirror took ${seconds.toFixed(1)} s`);
    expect(push.code, `${push.stderr}\n--- server log ---\n${gw.logs()}`).toBe(0);
    const warned = [...push.stderr.matchAll(/remote: warning: object ([0-9a-f]{40}): zeroPaddedFilemode/g)].map((m) => m[1]);
    expect(warned.length, push.stderr).toBe(2);
    // and nothing else: git fsck finds only those two in lodash
    expect(push.stderr.match(/remote: warning:/g)?.length, push.stderr).toBe(2);
    // the oracle agrees those are the trees with zero-padded modes
    for (const tree of warned) expect(await gitOk(['cat-file', '-p', tree!], { cwd: src })).toMatch(/^0\d{5} tree /m);

    const back = path.join(tempDir('gw-lodash-back-'), 'back.git');
    const c = await git(['clone', '-q', '--mirror', url, back], { timeoutMs: LONG });
    expect(c.code, c.stderr).toBe(0);
    expect(await refList(back, 'refs/heads', 'refs/tags')).toEqual(await refList(src, 'refs/heads', 'refs/tags'));
    expect(await objectIds(back)).toEqual(await objectIds(src));
    const f = await git(['fsck', '--full', '--no-dangling', '--no-progress'], { cwd: back, timeoutMs: LONG });
    expect(f.code, f.stderr).toBe(0);
  }, LONG);
});
