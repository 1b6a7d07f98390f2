// Conformance with Coregit's code: commits. Each case names the file and line of
// coregit-inc/coregit-api it follows (src/routes/commits.ts at 17e92d7,
// src/services/commit-builder.ts at 4374490) and runs against a real gitwell server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let api: Api;
let n = 0;

beforeAll(async () => {
  gw = await startGitwell();
  api = apiClient(gw, await gw.createKey('acme'));
});
afterAll(async () => {
  await gw?.stop();
});

const author = { name: 'Agent', email: 'agent@example.com' };
const body = (branch: string, changes: unknown[], extra: Record<string, unknown> = {}) => ({ branch, message: 'm', author, changes, ...extra });

async function newRepo(init = true): Promise<string> {
  const slug = `cc${++n}`;
  expect((await api('POST', '/v1/repos', { body: { slug, init } })).status).toBe(201);
  return slug;
}

const commit = (slug: string, b: unknown) => api('POST', `/v1/repos/${slug}/commits`, { body: b });
const read = async (slug: string, ref: string, path: string) => (await api('GET', `/v1/repos/${slug}/raw/${ref}/${path}`)).text;

describe('POST /commits (routes/commits.ts)', () => {
  it('routes/commits.ts:170-177 201 {sha, tree_sha, branch, parent}', async () => {
    const slug = await newRepo();
    const head = (await api('GET', `/v1/repos/${slug}/branches/main`)).json.sha;
    const r = await commit(slug, body('main', [{ path: 'a.txt', content: 'a' }]));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ sha: expect.stringMatching(/^[0-9a-f]{40}$/), tree_sha: expect.stringMatching(/^[0-9a-f]{40}$/), branch: 'main', parent: head });
  });

  it('routes/commits.ts:80-89 400: no branch, a bad branch, no message, a message over 50 KB, no author name or email, no changes, over 1000 changes', async () => {
    const slug = await newRepo();
    const ok = body('main', [{ path: 'a', content: 'a' }]);
    const bad: Array<Record<string, unknown>> = [
      { ...ok, branch: undefined },
      { ...ok, branch: 'a..b' },
      { ...ok, message: '' },
      { ...ok, message: 'm'.repeat(51_201) },
      { ...ok, author: { email: 'a@b' } },
      { ...ok, author: { name: 'A' } },
      { ...ok, changes: [] },
      { ...ok, changes: Array.from({ length: 1001 }, (_, i) => ({ path: `f${i}`, content: 'x' })) },
    ];
    for (const b of bad) expect((await commit(slug, b)).status, JSON.stringify(b).slice(0, 80)).toBe(400);
    expect((await commit(slug, { ...ok, message: 'm'.repeat(51_200) })).status).toBe(201);
  });

  it('routes/commits.ts:94,97,113,120 400: a file over 10 MB, a path with traversal or an empty segment, an edit with neither range nor old_string, base64 that is not', async () => {
    const slug = await newRepo();
    const bad = [
      [{ path: 'big', content: 'x'.repeat(10 * 1024 * 1024 + 1) }],
      [{ path: 'a/../b', content: 'x' }],
      [{ path: 'a//b', content: 'x' }],
      [{ path: '/abs', content: 'x' }],
      [{ path: 'f', action: 'edit', edits: [{ new_string: 'y' }] }],
      [{ path: 'f', content: '!!!', encoding: 'base64' }],
    ];
    for (const changes of bad) expect((await commit(slug, body('main', changes))).status, JSON.stringify(changes).slice(0, 60)).toBe(400);
  });

  it('routes/commits.ts:181 + services/commit-builder.ts:272 409 when parent_sha is not the head; gitwell says where the head is (current_sha)', async () => {
    const slug = await newRepo();
    const a = await commit(slug, body('main', [{ path: 'f', content: '1' }]));
    const b = await commit(slug, body('main', [{ path: 'f', content: '2' }], { parent_sha: a.json.sha }));
    const stale = await commit(slug, body('main', [{ path: 'f', content: '3' }], { parent_sha: a.json.sha }));
    expect(stale.status).toBe(409);
    expect(stale.json.error).toBe('Branch has moved since parent_sha. Fetch latest HEAD and retry.');
    expect(stale.json.current_sha).toBe(b.json.sha);
  });

  it('services/commit-builder.ts:270,348,383 a new branch without parent_sha is an orphan (parent ""); with parent_sha it starts there', async () => {
    const slug = await newRepo();
    const a = await commit(slug, body('main', [{ path: 'base', content: 'base' }]));
    const orphan = await commit(slug, body('fresh', [{ path: 'only', content: 'x' }]));
    expect(orphan.json.parent).toBe('');
    expect((await api('GET', `/v1/repos/${slug}/commits/${orphan.json.sha}`)).json.parents).toEqual([]);
    expect((await api('GET', `/v1/repos/${slug}/raw/fresh/base`)).status).toBe(404);
    const from = await commit(slug, body('from-a', [{ path: 'more', content: 'y' }], { parent_sha: a.json.sha }));
    expect(from.json.parent).toBe(a.json.sha);
    expect(await read(slug, 'from-a', 'base')).toBe('base');
  });

  it('services/commit-builder.ts:291 deleting a path that is not there changes nothing', async () => {
    const slug = await newRepo();
    const a = await commit(slug, body('main', [{ path: 'f', content: '1' }]));
    const d = await commit(slug, body('main', [{ action: 'delete', path: 'never-was' }]));
    expect(d.status).toBe(201);
    expect(d.json.tree_sha).toBe(a.json.tree_sha);
  });

  it('services/commit-builder.ts:168-190 string edits apply first, in order; 422 with `context` when one does not match exactly once', async () => {
    const slug = await newRepo();
    await commit(slug, body('main', [{ path: 'f', content: 'alpha beta gamma' }]));
    const ok = await commit(slug, body('main', [{ action: 'edit', path: 'f', edits: [{ old_string: 'alpha', new_string: 'beta2' }, { old_string: 'beta2 beta', new_string: 'B' }] }]));
    expect(ok.status).toBe(201);
    expect(await read(slug, 'main', 'f')).toBe('B gamma');
    const none = await commit(slug, body('main', [{ action: 'edit', path: 'f', edits: [{ old_string: 'zeta'.repeat(30), new_string: 'x' }] }]));
    expect(none.status).toBe(422);
    expect(none.json.error).toMatch(/String not found in file\. Ensure old_string is unique and exact\./);
    expect(none.json.context).toBe('zeta'.repeat(30).slice(0, 80));
    await commit(slug, body('main', [{ path: 'g', content: 'x x' }]));
    const twice = await commit(slug, body('main', [{ action: 'edit', path: 'g', edits: [{ old_string: 'x', new_string: 'y' }] }]));
    expect(twice.status).toBe(422);
    expect(twice.json.error).toMatch(/old_string matches multiple locations\. Provide more context to make it unique\./);
  });

  it('services/commit-builder.ts:193-212 range edits: bottom-up against one numbering of the text split on "\\n", after the string edits', async () => {
    const slug = await newRepo();
    await commit(slug, body('main', [{ path: 'f', content: 'l1\nl2\nl3\nl4\nl5\n' }]));
    // given top-down, applied bottom-up: both count lines of the same text
    const r = await commit(slug, body('main', [{ action: 'edit', path: 'f', edits: [{ range: [1, 1], content: 'one\ntwo' }, { range: [4, 5], content: 'FOUR' }, { old_string: 'l3', new_string: 'L3' }] }]));
    expect(r.status).toBe(201);
    expect(await read(slug, 'main', 'f')).toBe('one\ntwo\nl2\nL3\nFOUR\n');
    // empty content deletes the lines; a start past the line after the last is 422 with context ""
    await commit(slug, body('main', [{ action: 'edit', path: 'f', edits: [{ range: [2, 3], content: '' }] }]));
    expect(await read(slug, 'main', 'f')).toBe('one\nL3\nFOUR\n');
    const past = await commit(slug, body('main', [{ action: 'edit', path: 'f', edits: [{ range: [9, 9], content: 'x' }] }]));
    expect(past.status).toBe(422);
    expect(past.json).toMatchObject({ error: expect.stringMatching(/Invalid range \[9, 9\]\. File has 4 lines\./), context: '' });
  });

  it('docs (commits.mdx): action "modify" is accepted as Coregit\'s docs spell it (the code reads it as create)', async () => {
    const slug = await newRepo();
    expect((await commit(slug, body('main', [{ path: 'c.json', content: '{}', action: 'modify' }]))).status).toBe(201);
    expect(await read(slug, 'main', 'c.json')).toBe('{}');
  });
});

describe('GET /commits (routes/commits.ts)', () => {
  it('routes/commits.ts:214,270-287 {commits: [{sha, message, author_name, author_email, timestamp, parents}], ref, has_more, next_cursor}; limit 20 by default, above 100 it is 100', async () => {
    const slug = await newRepo(false);
    for (let i = 0; i < 23; i++) await commit(slug, body('main', [{ path: 'f', content: String(i) }]));
    const r = await api('GET', `/v1/repos/${slug}/commits`);
    expect(r.json.commits).toHaveLength(20);
    expect(r.json).toMatchObject({ ref: 'main', has_more: true });
    const c = r.json.commits[0];
    for (const k of ['sha', 'message', 'author_name', 'author_email', 'timestamp', 'parents']) expect(c, k).toHaveProperty(k);
    expect(c).toMatchObject({ message: 'm', author_name: 'Agent', author_email: 'agent@example.com' });
    expect(typeof c.timestamp).toBe('number');
    expect((await api('GET', `/v1/repos/${slug}/commits?limit=1000`)).json.commits).toHaveLength(23);
  });

  it('routes/commits.ts:221-239,279-280 the cursor is the last sha returned; the next page starts at its first parent; nothing after the root is an empty page', async () => {
    const slug = await newRepo(false);
    const shas: string[] = [];
    for (let i = 0; i < 5; i++) shas.unshift((await commit(slug, body('main', [{ path: 'f', content: String(i) }]))).json.sha);
    const p1 = await api('GET', `/v1/repos/${slug}/commits?limit=2`);
    expect(p1.json.commits.map((x: { sha: string }) => x.sha)).toEqual(shas.slice(0, 2));
    expect(p1.json.next_cursor).toBe(shas[1]);
    const p2 = await api('GET', `/v1/repos/${slug}/commits?limit=2&cursor=${p1.json.next_cursor}`);
    expect(p2.json.commits.map((x: { sha: string }) => x.sha)).toEqual(shas.slice(2, 4));
    const p3 = await api('GET', `/v1/repos/${slug}/commits?limit=2&cursor=${p2.json.next_cursor}`);
    expect(p3.json).toMatchObject({ has_more: false, next_cursor: null });
    expect(p3.json.commits.map((x: { sha: string }) => x.sha)).toEqual([shas[4]]);
    expect((await api('GET', `/v1/repos/${slug}/commits?cursor=${shas[4]}`)).json).toEqual({ commits: [], ref: 'main', has_more: false, next_cursor: null });
    // routes/commits.ts:224,226: a cursor that is no commit of the repo is 400
    expect((await api('GET', `/v1/repos/${slug}/commits?cursor=${'0'.repeat(40)}`)).status).toBe(400);
    const tree = (await api('GET', `/v1/repos/${slug}/commits/${shas[0]}`)).json.tree;
    expect((await api('GET', `/v1/repos/${slug}/commits?cursor=${tree}`)).json.error).toBe('Cursor is not a commit');
    // routes/commits.ts:239: an unknown ref is 404
    expect((await api('GET', `/v1/repos/${slug}/commits?ref=nope`)).status).toBe(404);
  });

  it('routes/commits.ts:322-333 GET one: {sha, message, tree, author_name, author_email, timestamp, parents}; 404 unknown; 400 not a commit', async () => {
    const slug = await newRepo();
    const c = await commit(slug, body('main', [{ path: 'f', content: 'x' }]));
    const r = await api('GET', `/v1/repos/${slug}/commits/${c.json.sha}`);
    expect(r.json).toMatchObject({ sha: c.json.sha, message: 'm', tree: c.json.tree_sha, author_name: 'Agent', author_email: 'agent@example.com', parents: [c.json.parent] });
    expect((await api('GET', `/v1/repos/${slug}/commits/${'a'.repeat(40)}`)).status).toBe(404);
    const notCommit = await api('GET', `/v1/repos/${slug}/commits/${c.json.tree_sha}`);
    expect(notCommit.status).toBe(400);
    expect(notCommit.json.error).toBe('Object is not a commit');
  });
});
