// Conformance with Coregit's code: diff and compare. Each case names the file and line of
// coregit-inc/coregit-api it follows (src/routes/diff.ts at 12dfdd0, src/routes/compare.ts at
// df8a03e) and runs against a real gitwell server. (test/v1-diff.test.ts checks the same
// routes against git itself.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let api: Api;
const R = '/v1/repos/d';
let base: string;
let head: string;

const commit = async (branch: string, changes: unknown[], extra: Record<string, unknown> = {}) =>
  (await api('POST', `${R}/commits`, { body: { branch, message: `on ${branch}`, author: { name: 'Ann', email: 'ann@x' }, changes, ...extra } })).json;

beforeAll(async () => {
  gw = await startGitwell();
  api = apiClient(gw, await gw.createKey('acme'));
  await api('POST', '/v1/repos', { body: { slug: 'd' } });
  base = (await commit('main', [{ path: 'keep.txt', content: 'a\nb\nc\n' }, { path: 'gone.txt', content: 'bye\n' }, { path: 'bin', content: Buffer.from([0, 1, 2]).toString('base64'), encoding: 'base64' }])).sha;
  head = (
    await commit('main', [
      { action: 'edit', path: 'keep.txt', edits: [{ old_string: 'b', new_string: 'B' }] },
      { action: 'delete', path: 'gone.txt' },
      { path: 'new.txt', content: 'new\n' },
      { path: 'bin', content: Buffer.from([0, 9]).toString('base64'), encoding: 'base64' },
    ])
  ).sha;
});
afterAll(async () => {
  await gw?.stop();
});

describe('GET /diff (routes/diff.ts)', () => {
  it('routes/diff.ts:149-168 {base, head, files: [{path, status, old_sha, new_sha}], total_files_changed, total_additions, total_deletions}; status added | removed | modified', async () => {
    const r = await api('GET', `${R}/diff?base=${base}&head=${head}`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ base, head, total_files_changed: 4, total_additions: 2, total_deletions: 2 });
    const byPath = Object.fromEntries(r.json.files.map((f: { path: string; status: string }) => [f.path, f.status]));
    expect(byPath).toEqual({ 'keep.txt': 'modified', 'gone.txt': 'removed', 'new.txt': 'added', bin: 'modified' });
    const gone = r.json.files.find((f: { path: string }) => f.path === 'gone.txt');
    expect(gone).toMatchObject({ old_sha: expect.stringMatching(/^[0-9a-f]{40}$/), new_sha: null });
    expect(r.json.files[0]).not.toHaveProperty('patch');
  });

  it('routes/diff.ts:68-91,124,155 patch=true: each file\'s "--- a/…" and "+++ b/…" lines and hunks; binary files say so', async () => {
    const r = await api('GET', `${R}/diff?base=${base}&head=${head}&patch=true`);
    const patch = (p: string) => r.json.files.find((f: { path: string }) => f.path === p).patch;
    expect(patch('keep.txt')).toBe('--- a/keep.txt\n+++ b/keep.txt\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n');
    expect(patch('new.txt')).toBe('--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1 @@\n+new\n');
    expect(patch('gone.txt')).toBe('--- a/gone.txt\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n');
    expect(patch('bin')).toBe('Binary files differ');
  });

  it('routes/diff.ts:125 context: fewer lines around a change; a large value is clamped, not refused', async () => {
    const r = await api('GET', `${R}/diff?base=${base}&head=${head}&patch=true&context=0`);
    expect(r.json.files.find((f: { path: string }) => f.path === 'keep.txt').patch).toBe('--- a/keep.txt\n+++ b/keep.txt\n@@ -2 +2 @@ a\n-b\n+B\n'); // the hunk's function line, as git diff writes it
    expect((await api('GET', `${R}/diff?base=${base}&head=${head}&patch=true&context=5000`)).status).toBe(200);
  });

  it('routes/diff.ts:105,121 400 without base or head; 404 for a ref that is not there', async () => {
    expect((await api('GET', `${R}/diff?base=${base}`)).status).toBe(400);
    expect((await api('GET', `${R}/diff?head=${head}`)).status).toBe(400);
    expect((await api('GET', `${R}/diff?base=nope&head=${head}`)).status).toBe(404);
  });
});

describe('GET /compare (routes/compare.ts)', () => {
  let feature: string;
  let side: string;
  beforeAll(async () => {
    feature = (await commit('feature', [{ path: 'feat.txt', content: 'f\n' }], { parent_sha: head })).sha;
    side = (await commit('main', [{ path: 'main-only.txt', content: 'm\n' }])).sha;
  });

  it('routes/compare.ts:152-176 {base, head, merge_base, ahead_by, behind_by, commits: [{sha, message, author, email, date}], files, totals, mergeable, conflicts}', async () => {
    const r = await api('GET', `${R}/compare?base=main&head=feature`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ base: side, head: feature, merge_base: head, ahead_by: 1, behind_by: 1, total_files_changed: 1, mergeable: true, conflicts: [] });
    expect(r.json.commits).toHaveLength(1);
    const c = r.json.commits[0];
    expect(c).toEqual({ sha: feature, message: 'on feature', author: 'Ann', email: 'ann@x', date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) });
    expect(r.json.files).toMatchObject([{ path: 'feat.txt', status: 'added' }]);
  });

  it('routes/compare.ts:102-117 the same commit: nothing ahead or behind, no files, mergeable', async () => {
    const r = await api('GET', `${R}/compare?base=main&head=${side}`);
    expect(r.json).toMatchObject({ base: side, head: side, merge_base: side, ahead_by: 0, behind_by: 0, commits: [], files: [], total_files_changed: 0, mergeable: true, conflicts: [] });
  });

  it('routes/compare.ts:169-172 mergeable is null when head has nothing base lacks', async () => {
    const r = await api('GET', `${R}/compare?base=main&head=${head}`);
    expect(r.json).toMatchObject({ ahead_by: 0, behind_by: 1, mergeable: null, conflicts: [] });
  });

  it('routes/compare.ts:170 conflicts are the paths merging head into base would conflict on', async () => {
    const a = (await commit('conflict-a', [{ path: 'keep.txt', content: 'mine\n' }], { parent_sha: head })).sha;
    const b = (await commit('conflict-b', [{ path: 'keep.txt', content: 'theirs\n' }], { parent_sha: head })).sha;
    const r = await api('GET', `${R}/compare?base=${a}&head=${b}`);
    expect(r.json).toMatchObject({ mergeable: false, conflicts: ['keep.txt'] });
  });

  it('routes/compare.ts:72,99,100,122 400 without base or head, 404 for an unknown ref, 422 without a common ancestor', async () => {
    expect((await api('GET', `${R}/compare?base=main`)).status).toBe(400);
    expect((await api('GET', `${R}/compare?base=main&head=nope`)).status).toBe(404);
    const orphan = (await commit('orphan', [{ path: 'o', content: 'o' }])).sha;
    const r = await api('GET', `${R}/compare?base=main&head=${orphan}`);
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('UNPROCESSABLE');
  });
});
