// What the hostile fuzz suite (hostile-fuzz.test.ts) found, kept as named regressions.
//
// 1. A link into what the repo already has was not type-checked. The connectivity walk of a
//    push stops at objects the repo holds, and it stopped before looking at them: a new tree
//    whose blob-mode entry named an existing tree, or a new commit whose parent was an existing
//    tree, was accepted, and `git fsck` of a clone then failed ("object ... is a tree, not a
//    blob"). Found by the pack-entries property (seed 983585).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fsck, git, gitOk, lsRemote, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { packOf, readTree, writeCommit, writeTree } from './helpers/objects.js';
import { receivePack, ZERO_OID } from './helpers/raw-git.js';
import { ObjectWalker } from '../src/wasm.js';

let gw: Gitwell;
let key: string;
let src: string;
let before: string[];

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  await gw.createRepo('acme/app');
  src = tempDir('gw-findings-');
  await gitOk(['-c', 'init.defaultBranch=main', 'init', '-q', src]);
  fs.mkdirSync(path.join(src, 'dir'));
  fs.writeFileSync(path.join(src, 'dir', 'f.txt'), 'f\n');
  fs.writeFileSync(path.join(src, 'a.txt'), 'a\n');
  await gitOk(['add', '-A'], { cwd: src });
  await gitOk(['commit', '-qm', 'one'], { cwd: src });
  await gitOk(['push', '-q', repoUrl(gw.url, 'acme/app', key), 'main'], { cwd: src });
  before = (await lsRemote(repoUrl(gw.url, 'acme/app', key))).refs;
});

afterAll(async () => {
  await gw?.stop();
});

let n = 0;
async function expectRefusedAndClean(commit: string, objects: string[], why: RegExp) {
  const ref = `refs/heads/bad-${n++}`;
  const r = await receivePack(gw.url, 'acme/app', key, [{ old: ZERO_OID, new: commit, ref }], await packOf(src, objects));
  expect(r.report.refs.get(ref), r.text).not.toBe('ok');
  expect(r.text).toMatch(why);
  expect((await lsRemote(repoUrl(gw.url, 'acme/app', key))).refs).toEqual(before);
  const dir = path.join(tempDir('gw-findings-clone-'), 'c.git');
  expect((await git(['clone', '-q', '--mirror', repoUrl(gw.url, 'acme/app', key), dir])).code).toBe(0);
  const f = await fsck(dir);
  expect(f.code, f.stderr).toBe(0);
}

describe('fuzz finding 1: links into existing objects name their type', () => {
  it('a blob-mode tree entry naming a tree the repo has is refused', async () => {
    const dirTree = await gitOk(['rev-parse', 'main:dir'], { cwd: src });
    const tree = await writeTree(src, [{ mode: '100644', name: 'not-a-blob', oid: dirTree }]);
    const commit = await writeCommit(src, tree, [await gitOk(['rev-parse', 'main'], { cwd: src })], 'bad link');
    await expectRefusedAndClean(commit, [commit, tree], /is a tree, but is linked as a blob/);
  });

  it('the same object linked as a tree and as a blob in one new tree is refused (the walk sees it once)', async () => {
    const dirTree = await gitOk(['rev-parse', 'main:dir'], { cwd: src });
    const tree = await writeTree(src, [...(await readTree(src, 'main^{tree}')), { mode: '100644', name: 'not-a-blob', oid: dirTree }]);
    const commit = await writeCommit(src, tree, [await gitOk(['rev-parse', 'main'], { cwd: src })], 'bad link');
    await expectRefusedAndClean(commit, [commit, tree], /is linked as a tree and as a blob/);
  });

  it('a tree-mode entry naming a blob the repo has is refused', async () => {
    const blob = await gitOk(['rev-parse', 'main:a.txt'], { cwd: src });
    const tree = await writeTree(src, [{ mode: '40000', name: 'not-a-dir', oid: blob }]);
    const commit = await writeCommit(src, tree, [], 'bad dir');
    await expectRefusedAndClean(commit, [commit, tree], /is a blob, but is linked as a tree/);
  });

  it('a commit whose parent is a tree the repo has is refused', async () => {
    const rootTree = await gitOk(['rev-parse', 'main^{tree}'], { cwd: src });
    // git commit-tree will not write it: the bytes by hand
    const text = `tree ${rootTree}\nparent ${await gitOk(['rev-parse', 'main:dir'], { cwd: src })}\nauthor A <a@b> 1700000000 +0000\ncommitter A <a@b> 1700000000 +0000\n\nbad parent\n`;
    const commit = await gitOk(['hash-object', '-t', 'commit', '--literally', '-w', '--stdin'], { cwd: src, input: text });
    await expectRefusedAndClean(commit, [commit], /is a tree, but is linked as a commit/);
  });
});

describe('the WASM walker keeps the first contradiction', () => {
  it('an oid pushed as a tree and then as a blob is reported once, with both kinds', () => {
    const w = new ObjectWalker();
    try {
      const a = Buffer.alloc(20, 1);
      w.push(a, 2);
      w.push(a, 2);
      w.push(Buffer.alloc(20, 2), 0);
      w.push(Buffer.alloc(20, 2), 3);
      expect(w.conflict).toBeNull();
      w.push(a, 3);
      w.push(Buffer.alloc(20, 2), 1);
      expect(w.conflict).toEqual({ oid: a, first: 2, second: 3 });
      expect(w.next()).toEqual(Buffer.alloc(20, 2));
      expect(w.next()).toEqual(a);
      expect(w.next()).toBeNull();
    } finally {
      w.dispose();
    }
  });
});
