// Shared steps of the interop suites: a server per test, the fixture pushed into a repo.
import { expect } from 'vitest';
import { git, gitOk, lines, repoUrl, type Fixture } from './git.js';
import type { Gitwell } from './gitwell.js';

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
