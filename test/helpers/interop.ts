// Shared steps of the interop suites: a server per test, the fixture pushed into a repo.
import { expect } from 'vitest';
import path from 'node:path';
import { fsck, git, gitOk, lines, repoUrl, tempDir, type Fixture } from './git.js';
import type { Gitwell } from './gitwell.js';
import { readTree, writeBlob, writeCommit, writeTree } from './objects.js';

/** The refspecs that push every branch and tag of the fixture (not --mirror: no remotes). */
export const ALL_REFS = ['refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*'];

export interface SeededRepo {
  fullName: string;
  key: string;
  /** authenticated URL */
  url: string;
  /** anonymous URL */
  anonUrl: string;
}

/** Creates ORG/SLUG (or ORG/NS/SLUG) with a fresh key of ORG and pushes the fixture into it. */
export async function pushFixture(
  gw: Gitwell,
  fx: Fixture,
  fullName: string,
  opts: { public?: boolean; refspecs?: string[] } = {},
): Promise<SeededRepo> {
  const org = fullName.split('/')[0]!;
  const key = await gw.createKey(org);
  await gw.createRepo(fullName, { public: opts.public });
  const url = repoUrl(gw.url, fullName, key);
  const r = await git(['push', '--porcelain', url, ...(opts.refspecs ?? ALL_REFS)], { cwd: fx.dir });
  expect(r.code, `push of the fixture to ${fullName} failed:\n${r.stderr}\n${r.stdout}\n--- server log ---\n${gw.logs()}`).toBe(0);
  return { fullName, key, url, anonUrl: repoUrl(gw.url, fullName) };
}

/** "oid refname" of every ref under the given prefixes, sorted. */
export async function refList(repo: string, ...prefixes: string[]): Promise<string[]> {
  const out = await gitOk(['for-each-ref', '--format=%(objectname) %(refname)', ...prefixes], { cwd: repo });
  return lines(out).sort();
}

/** A clone's refs renamed back to the names they have on the server (origin/* → heads/*). */
export async function cloneRefsAsServerRefs(clone: string): Promise<string[]> {
  const remote = (await refList(clone, 'refs/remotes/origin'))
    .filter((l) => !l.endsWith(' refs/remotes/origin/HEAD'))
    .map((l) => l.replace(' refs/remotes/origin/', ' refs/heads/'));
  return [...remote, ...(await refList(clone, 'refs/tags'))].sort();
}

/** Commit ids reachable from `rev` in `repo`, sorted. */
export async function commitsOf(repo: string, rev: string): Promise<string[]> {
  return lines(await gitOk(['rev-list', rev], { cwd: repo })).sort();
}

/** In `repo`, a commit on top of `parent` that adds or replaces `name` (objects written, not pushed). */
export async function childOf(repo: string, parent: string, name: string, content: string | Buffer) {
  const blob = await writeBlob(repo, content);
  const tree = await writeTree(repo, [
    ...(await readTree(repo, parent + '^{tree}')).filter((e) => e.name !== name),
    { mode: '100644', name, oid: blob },
  ]);
  const commit = await writeCommit(repo, tree, [parent], `add ${name}`);
  return { blob, tree, commit };
}

/** A fresh mirror clone of `url` succeeds and `git fsck --strict` finds nothing. */
export async function expectHealthy(url: string) {
  const dir = path.join(tempDir(), 'check.git');
  const c = await git(['clone', '-q', '--mirror', url, dir]);
  expect(c.code, c.stderr).toBe(0);
  const f = await fsck(dir);
  expect(f.code, f.stderr + f.stdout).toBe(0);
}
