// REST /v1 merges and cherry-picks against a real server, with git as the oracle: merge
// commits and squashes equal `git merge-tree` (tree, parents), clone and pass `git fsck`;
// fast-forwards, already-merged branches, conflicts (the kinds git reports; nothing moves),
// stale expected_sha and racing merges (exactly one wins) answer as documented; a cherry-pick
// makes the very commits `git cherry-pick` makes on a clone (same committer and dates: same
// ids). Both routes are in the OpenAPI document and under the /v1 pipeline (request ids,
// rate-limit headers).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fsck, git, gitOk, lines, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { gitMergeTree } from './helpers/merge-oracle.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;
let api: Api;
let n = 0;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(() => removeTempDirs());

const LINES = Array.from({ length: 30 }, (_, i) => `line ${i}`);
const file = (edits: Record<number, string> = {}) => LINES.map((l, i) => edits[i] ?? l).join('\n') + '\n';

/**
 * A repo on the server pushed from a local one: main with a.txt and b.txt; branches
 * `feature` (edits a.txt line 25, renames b.txt), `conflict` (edits a.txt line 2 as main does
 * too), `ahead` (main plus one commit), and main's own next commit (edits a.txt line 2).
 */
async function seeded(): Promise<{ slug: string; work: string }> {
  const slug = `m${++n}`;
  expect((await api('POST', '/v1/repos', { body: { slug, init: false } })).status).toBe(201);
  const work = path.join(tempDir(), 'work');
  await gitOk(['init', '-q', '-b', 'main', work]);
  const w = (p: string, s: string) => fs.writeFileSync(path.join(work, p), s);
  const commit = async (msg: string) => {
    await gitOk(['add', '-A'], { cwd: work });
    await gitOk(['commit', '-q', '-m', msg], { cwd: work });
  };
  w('a.txt', file());
  w('b.txt', LINES.map((l) => `${l} of b`).join('\n') + '\n');
  await commit('base');
  await gitOk(['checkout', '-q', '-b', 'ahead'], { cwd: work });
  w('c.txt', 'ahead\n');
  await commit('ahead');
  await gitOk(['checkout', '-q', '-b', 'feature', 'main'], { cwd: work });
  w('a.txt', file({ 25: 'feature' }));
  await gitOk(['mv', 'b.txt', 'renamed-b.txt'], { cwd: work });
  await commit('feature');
  await gitOk(['checkout', '-q', '-b', 'conflict', 'main'], { cwd: work });
  w('a.txt', file({ 2: 'conflict' }));
  await commit('conflict');
  await gitOk(['checkout', '-q', 'main'], { cwd: work });
  w('a.txt', file({ 2: 'main' }));
  await commit('main moves on');
  await gitOk(['push', '-q', repoUrl(gw.url, `acme/${slug}`, key), 'main', 'ahead', 'feature', 'conflict'], { cwd: work });
  return { slug, work };
}

async function clone(slug: string): Promise<string> {
  const dir = path.join(tempDir(), 'clone');
  await gitOk(['clone', '-q', '--no-checkout', repoUrl(gw.url, `acme/${slug}`, key), dir]);
  const r = await fsck(dir);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return dir;
}

const head = async (slug: string, branch: string) => (await api('GET', `/v1/repos/${slug}/branches/${branch}`)).json.sha as string;

describe('POST /v1/repos/:slug/branches/:name/merge', () => {
  it('merge-commit: parents [target, source], the tree git merge-tree makes, a clone git fsck accepts', async () => {
    const { slug, work } = await seeded();
    const before = await head(slug, 'main');
    const feature = await head(slug, 'feature');
    const r = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature', author: { name: 'M', email: 'm@x' } } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ merged: true, strategy: 'merge-commit', target: 'main', source: feature, already_up_to_date: false });
    expect(r.headers.get('x-request-id')).toBeTruthy();
    expect(r.headers.get('x-ratelimit-remaining')).toBeTruthy();
    const dir = await clone(slug);
    expect(await gitOk(['rev-parse', 'main'], { cwd: dir })).toBe(r.json.sha);
    expect(lines(await gitOk(['log', '-1', '--format=%P', 'main'], { cwd: dir })).join(' ')).toBe(`${before} ${feature}`);
    const want = await gitMergeTree(work, before, feature);
    expect(want.code).toBe(0);
    expect(await gitOk(['rev-parse', 'main^{tree}'], { cwd: dir })).toBe(want.tree);
    expect(await gitOk(['log', '-1', '--format=%an <%ae>%n%s', 'main'], { cwd: dir })).toBe("M <m@x>\nMerge branch 'feature' into main");
    // the rename on feature was followed: main's change to a.txt and b.txt's new name both there
    expect(await gitOk(['show', 'main:renamed-b.txt'], { cwd: dir })).toContain('line 0 of b');
    expect(await gitOk(['show', 'main:a.txt'], { cwd: dir })).toContain('main\n');
  });

  it('squash with the URL naming the source: one parent, the merged tree', async () => {
    const { slug, work } = await seeded();
    const before = await head(slug, 'main');
    const feature = await head(slug, 'feature');
    const r = await api('POST', `/v1/repos/${slug}/branches/feature/merge`, { body: { target: 'main', strategy: 'squash', message: 'squashed feature' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({ merged: true, strategy: 'squash', target: 'main', source: feature });
    const dir = await clone(slug);
    expect(await gitOk(['log', '-1', '--format=%P%n%s', 'main'], { cwd: dir })).toBe(`${before}\nsquashed feature`);
    expect(await gitOk(['rev-parse', 'main^{tree}'], { cwd: dir })).toBe((await gitMergeTree(work, before, feature)).tree);
    // without target: into the default branch
    const again = await api('POST', `/v1/repos/${slug}/branches/feature/merge`, { body: { strategy: 'squash' } });
    expect(again.json).toMatchObject({ merged: true, already_up_to_date: true, sha: r.json.sha });
  });

  it('fast-forward: moves when possible, 409 when the branches diverged; a merged source is already up to date', async () => {
    const { slug } = await seeded();
    const main = await head(slug, 'main');
    const ahead = await head(slug, 'ahead');
    // ahead forked below main's last commit: main cannot be fast-forwarded to it
    const diverged = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'ahead', strategy: 'fast-forward' } });
    expect(diverged.status).toBe(409);
    expect(diverged.json).toMatchObject({ code: 'CONFLICT', merged: false });
    expect(await head(slug, 'main')).toBe(main);
    // a branch at main's parent can be fast-forwarded to main
    const parent = (await api('GET', `/v1/repos/${slug}/commits/${main}`)).json.parents[0];
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'old', from_sha: parent } })).status).toBe(201);
    const ff = await api('POST', `/v1/repos/${slug}/branches/old/merge`, { body: { source: 'main', strategy: 'fast-forward' } });
    expect(ff.status, ff.text).toBe(200);
    expect(ff.json).toMatchObject({ merged: true, sha: main, already_up_to_date: false });
    expect(await head(slug, 'old')).toBe(main);
    const upToDate = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'old', strategy: 'fast-forward' } });
    expect(upToDate.json).toMatchObject({ merged: true, sha: main, already_up_to_date: true });
    expect(ahead).not.toBe(main);
  });

  it('conflicts: 409 {merged: false, conflicts} with the kinds git reports; nothing moves', async () => {
    const { slug, work } = await seeded();
    const before = await head(slug, 'main');
    const r = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'conflict' } });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ code: 'CONFLICT', merged: false });
    const git = await gitMergeTree(work, 'main', 'conflict');
    expect(git.code).toBe(1);
    expect(r.json.conflicts.map((c: { path: string; kind: string }) => `${c.path}|${c.kind}`)).toEqual(git.conflicts.map((c) => c.split('|').slice(0, 2).join('|')));
    expect(r.json.conflicts[0]).toMatchObject({ path: 'a.txt', kind: 'content' });
    expect(await head(slug, 'main')).toBe(before);
  });

  it('expected_sha: a stale one is 409 with current_sha; the right one merges', async () => {
    const { slug } = await seeded();
    const main = await head(slug, 'main');
    const stale = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature', expected_sha: '1'.repeat(40) } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ merged: false, details: { current_sha: main } });
    const ok = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature', expected_sha: main } });
    expect(ok.status, ok.text).toBe(200);
  });

  it('racing merges into one branch: exactly one wins, the others get 409 and store nothing', async () => {
    const { slug, work } = await seeded();
    // eight branches from below main's head that each add their own file: each merge makes a new tree
    for (let i = 0; i < 8; i++) {
      await gitOk(['checkout', '-q', '-b', `r${i}`, 'main~1'], { cwd: work });
      fs.writeFileSync(path.join(work, `race-${i}.txt`), `racer ${i}\n`);
      await gitOk(['add', '-A'], { cwd: work });
      await gitOk(['commit', '-q', '-m', `racer ${i}`], { cwd: work });
    }
    await gitOk(['push', '-q', repoUrl(gw.url, `acme/${slug}`, key), ...Array.from({ length: 8 }, (_, i) => `r${i}`)], { cwd: work });
    const main = await head(slug, 'main');
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: `r${i}`, expected_sha: main } })),
    );
    const won = replies.filter((r) => r.status === 200);
    expect(won.length).toBe(1);
    for (const r of replies.filter((x) => x.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.json.merged).toBe(false);
    }
    expect(await head(slug, 'main')).toBe(won[0].json.sha);
    // the losers' merged trees were never stored: the repo cannot read them
    for (let i = 0; i < 8; i++) {
      const tree = (await gitMergeTree(work, main, `r${i}`)).tree;
      const winner = `r${i}` === won[0].json.source || (await gitOk(['rev-parse', `r${i}`], { cwd: work })) === won[0].json.source;
      expect((await api('GET', `/v1/repos/${slug}/tree/${tree}`)).status, `r${i}`).toBe(winner ? 200 : 404);
    }
    const dir = await clone(slug);
    expect(await gitOk(['log', '-1', '--format=%P', 'main'], { cwd: dir })).toBe(`${main} ${won[0].json.source}`);
    // without expected_sha each merge is made on the head it read: still one winner per head
    const again = await Promise.all(
      Array.from({ length: 4 }, (_, i) => api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: `r${(i + 1) % 8}` } })),
    );
    expect(again.every((r) => r.status === 200 || (r.status === 409 && r.json.merged === false))).toBe(true);
    expect(again.filter((r) => r.status === 200 && !r.json.already_up_to_date).length).toBeGreaterThanOrEqual(1);
    await clone(slug);
  });

  it('validation, unknown branches, unrelated histories, and the namespaced path', async () => {
    const { slug, work } = await seeded();
    expect((await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature', target: 'main' } })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature', strategy: 'rebase' } })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'nope' } })).status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/branches/nope/merge`, { body: { source: 'main' } })).status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'feature' }, key: null })).status).toBe(401);
    // a history of its own: no common ancestor
    await gitOk(['checkout', '-q', '--orphan', 'lone'], { cwd: work });
    fs.writeFileSync(path.join(work, 'lone.txt'), 'alone\n');
    await gitOk(['add', '-A'], { cwd: work });
    await gitOk(['commit', '-q', '-m', 'lone'], { cwd: work });
    await gitOk(['push', '-q', repoUrl(gw.url, `acme/${slug}`, key), 'lone'], { cwd: work });
    const unrelated = await api('POST', `/v1/repos/${slug}/branches/main/merge`, { body: { source: 'lone' } });
    expect(unrelated.status).toBe(422);
    const ns = await api('POST', '/v1/repos', { body: { slug: 'nsrepo', namespace: 'team', init: true } });
    expect(ns.status).toBe(201);
    const b = await api('POST', '/v1/repos/team/nsrepo/branches', { body: { name: 'side' } });
    expect(b.status).toBe(201);
    const c = await api('POST', '/v1/repos/team/nsrepo/commits', { body: { branch: 'side', message: 'side', author: { name: 'A', email: 'a@x' }, changes: [{ path: 'side.txt', content: 's\n' }] } });
    expect(c.status).toBe(201);
    const m = await api('POST', '/v1/repos/team/nsrepo/branches/side/merge', { body: {} });
    expect(m.status, m.text).toBe(200);
    expect(m.json).toMatchObject({ merged: true, target: 'main', source: c.json.sha });
  });
});

describe('POST /v1/repos/:slug/cherry-pick', () => {
  it('makes the very commits git cherry-pick makes (same ids), then moves the branch', async () => {
    const { slug, work } = await seeded();
    // three commits on top of feature to replay onto main
    await gitOk(['checkout', '-q', '-b', 'picks', 'feature'], { cwd: work });
    for (let i = 0; i < 3; i++) {
      fs.writeFileSync(path.join(work, `p${i}.txt`), `pick ${i}\n`);
      fs.writeFileSync(path.join(work, 'a.txt'), file({ 25: 'feature', [10 + i]: `pick ${i}` }));
      await gitOk(['add', '-A'], { cwd: work });
      await gitOk(['commit', '-q', '-m', `pick ${i}\n\nbody ${i}`], { cwd: work, env: { GIT_AUTHOR_NAME: `Author ${i}`, GIT_AUTHOR_DATE: `@${1700000100 + i} +0200` } });
    }
    await gitOk(['push', '-q', repoUrl(gw.url, `acme/${slug}`, key), 'picks'], { cwd: work });
    const committer = { name: 'Picker', email: 'picker@x', date: '2024-05-06T07:08:09Z' };
    const r = await api('POST', `/v1/repos/${slug}/cherry-pick`, { body: { base: 'feature', head: 'picks', onto: 'main', committer } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.commits.length).toBe(3);
    expect(r.json.branch).toBe('main');
    // git on a clone, with the same committer and date
    const dir = path.join(tempDir(), 'oracle');
    await gitOk(['clone', '-q', work, dir]);
    await gitOk(['checkout', '-q', 'main'], { cwd: dir });
    const env = { GIT_COMMITTER_NAME: 'Picker', GIT_COMMITTER_EMAIL: 'picker@x', GIT_COMMITTER_DATE: '@1714979289 +0000' };
    const g = await git(['cherry-pick', 'origin/feature..origin/picks'], { cwd: dir, env });
    expect(g.code, g.stderr).toBe(0);
    expect(r.json.sha).toBe(await gitOk(['rev-parse', 'HEAD'], { cwd: dir }));
    expect(r.json.commits.map((c: { sha: string }) => c.sha)).toEqual(lines(await gitOk(['rev-list', '--reverse', 'HEAD~3..HEAD'], { cwd: dir })));
    expect(await head(slug, 'main')).toBe(r.json.sha);
    await clone(slug);
  });

  it('a conflict names the commit and the paths; nothing moves', async () => {
    const { slug } = await seeded();
    const main = await head(slug, 'main');
    const conflictSha = await head(slug, 'conflict');
    const r = await api('POST', `/v1/repos/${slug}/cherry-pick`, { body: { base: 'conflict~1', head: 'conflict', onto: 'main' } });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ code: 'CONFLICT', commit: conflictSha, conflicts: [{ path: 'a.txt', kind: 'content' }] });
    expect(await head(slug, 'main')).toBe(main);
    expect((await api('POST', `/v1/repos/${slug}/cherry-pick`, { body: { base: 'conflict~1', head: 'conflict', onto: main } })).status).toBe(400);
    const stale = await api('POST', `/v1/repos/${slug}/cherry-pick`, { body: { base: 'feature~1', head: 'feature', onto: 'main', expected_sha: '2'.repeat(40) } });
    expect(stale.status).toBe(409);
    expect(stale.json.details.current_sha).toBe(main);
  });
});

describe('the OpenAPI document', () => {
  it('describes both routes with their bodies', async () => {
    const doc = (await api('GET', '/v1/openapi.json', { key: null })).json;
    const merge = doc.paths['/v1/repos/{slug}/branches/{name}/merge'].post;
    expect(Object.keys(merge.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['source', 'target', 'strategy', 'message', 'author', 'expected_sha']),
    );
    expect(merge.responses['409']).toBeTruthy();
    expect(doc.paths['/v1/repos/{namespace}/{slug}/branches/{name}/merge'].post).toBeTruthy();
    const pick = doc.paths['/v1/repos/{slug}/cherry-pick'].post;
    expect(Object.keys(pick.requestBody.content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['base', 'head', 'onto', 'branch', 'expected_sha']),
    );
  });
});
