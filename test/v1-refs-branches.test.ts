// REST /v1 branches and refs: list (with cursor), create (from, from_sha, default), get and
// delete with "/" in names, the default branch protected; refs GET/PUT/DELETE under heads/ and
// tags/ with compare-and-swap (409 carries current_sha); what git sees afterwards. Shapes and
// statuses as Coregit's routes/branches.ts and routes/refs.ts give them.
const ZERO = '0'.repeat(40);
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore } from '../storage/index.js';
import { GitwellError } from '../src/core/errors.js';
import { deleteRef } from '../src/services/refs.js';
import { gitOk, lines, lsRemote, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

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

/** A repo with two commits on main; returns its slug and the two shas. */
async function seeded(): Promise<{ slug: string; first: string; second: string }> {
  const slug = `rb${++n}`;
  await api('POST', '/v1/repos', { body: { slug } });
  const a = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'a', content: '1' }]) });
  const b = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'a', content: '2' }]) });
  return { slug, first: a.json.sha, second: b.json.sha };
}

describe('branches', () => {
  it('create from the default branch, from a branch, from a sha; names with slashes', async () => {
    const { slug, first, second } = await seeded();
    const def = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'dev' } });
    expect(def.status).toBe(201);
    // Coregit's POST /branches says created: true
    expect(def.json).toEqual({ name: 'dev', sha: second, created: true });
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'feature/deep/x', from: 'dev' } })).json.sha).toBe(second);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'old', from_sha: first } })).json.sha).toBe(first);

    const got = await api('GET', `/v1/repos/${slug}/branches/feature/deep/x`);
    expect(got.json).toEqual({ name: 'feature/deep/x', sha: second });
    const list = await api('GET', `/v1/repos/${slug}/branches`);
    expect(list.json).toMatchObject({ default_branch: 'main', total: 4, next_cursor: null });
    expect(list.json.branches).toEqual([
      { name: 'dev', sha: second },
      { name: 'feature/deep/x', sha: second },
      { name: 'main', sha: second },
      { name: 'old', sha: first },
    ]);
    // git sees the same
    const remote = await lsRemote(repoUrl(gw.url, `acme/${slug}`, key));
    expect(remote.refs).toContain(`${second}\trefs/heads/feature/deep/x`);
    expect(remote.refs).toContain(`${first}\trefs/heads/old`);
  });

  // changed with Coregit (routes/branches.ts): from_sha wins over from (both was 400), and an
  // empty repo's default branch is a source branch not found (404, was 422)
  it('errors: existing 409, bad name 400, unknown from 404, unknown sha 404, from_sha wins over from, empty repo 404', async () => {
    const { slug, first } = await seeded();
    const dup = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'main' } });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toBe("Branch 'main' already exists");
    expect(dup.json.details.current_sha).toMatch(/^[0-9a-f]{40}$/);
    for (const name of ['a..b', 'a b', 'x.lock', 'a/', '/a', 'a~1', 'x@{1}', 'a:b']) {
      const r = await api('POST', `/v1/repos/${slug}/branches`, { body: { name } });
      expect(r.status, name).toBe(400);
      expect(r.json.details.field).toBe('name');
    }
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'x', from: 'nope' } })).status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'x', from_sha: 'f'.repeat(40) } })).status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'x', from_sha: 'xyz' } })).json.details.field).toBe('from_sha');
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'x', from: 'main', from_sha: 'f'.repeat(40) } })).status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'both', from: 'nope', from_sha: first } })).json).toMatchObject({ sha: first });
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: {} })).json.details.field).toBe('name');
    await api('POST', '/v1/repos', { body: { slug: `${slug}-empty`, init: false } });
    const empty = await api('POST', `/v1/repos/${slug}-empty/branches`, { body: { name: 'x' } });
    expect(empty.status).toBe(404);
    expect(empty.json.error).toBe("Source branch 'main' not found");
    expect((await api('GET', `/v1/repos/${slug}/branches/nope`)).status).toBe(404);
  });

  it('delete: a branch goes, the default branch stays', async () => {
    const { slug, second } = await seeded();
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'tmp/x' } });
    const del = await api('DELETE', `/v1/repos/${slug}/branches/tmp/x`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ deleted: true, name: 'tmp/x', ref: 'refs/heads/tmp/x', sha: second });
    expect((await api('GET', `/v1/repos/${slug}/branches/tmp/x`)).status).toBe(404);
    expect((await api('DELETE', `/v1/repos/${slug}/branches/tmp/x`)).status).toBe(404);
    // Coregit: 400, "Cannot delete the default branch" (was 422)
    const main = await api('DELETE', `/v1/repos/${slug}/branches/main`);
    expect(main.status).toBe(400);
    expect(main.json.error).toBe('Cannot delete the default branch');
    expect((await api('GET', `/v1/repos/${slug}/branches/main`)).status).toBe(200);
  });

  it('pages with limit and cursor', async () => {
    const { slug } = await seeded();
    for (const name of ['b1', 'b2', 'b3', 'b4']) await api('POST', `/v1/repos/${slug}/branches`, { body: { name } });
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await api('GET', `/v1/repos/${slug}/branches?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.json.branches.length).toBeLessThanOrEqual(2);
      names.push(...r.json.branches.map((b: { name: string }) => b.name));
      cursor = r.json.next_cursor;
    } while (cursor);
    expect(names).toEqual(['b1', 'b2', 'b3', 'b4', 'main']);
  });

  it('namespaced repos have the same branch routes', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'nsrepo', namespace: 'team', init: true } });
    expect((await api('POST', '/v1/repos/team/nsrepo/branches', { body: { name: 'topic/a' } })).status).toBe(201);
    expect((await api('GET', '/v1/repos/team/nsrepo/branches/topic/a')).json.name).toBe('topic/a');
    expect((await api('GET', '/v1/repos/team/nsrepo/refs/heads/topic/a')).json.ref).toBe('refs/heads/topic/a');
    expect((await api('DELETE', '/v1/repos/team/nsrepo/branches/topic/a')).status).toBe(200);
  });
});

describe('refs', () => {
  it('lists refs and gets one, with slashes', async () => {
    const { slug, second } = await seeded();
    await api('PUT', `/v1/repos/${slug}/refs/tags/v1/rc`, { body: { sha: second } });
    const list = await api('GET', `/v1/repos/${slug}/refs`);
    expect(list.json.refs).toEqual([
      { ref: 'refs/heads/main', sha: second },
      { ref: 'refs/tags/v1/rc', sha: second },
    ]);
    expect(list.json.branches).toEqual([{ name: 'main', sha: second, type: 'branch' }]);
    expect(list.json.tags).toEqual([{ name: 'v1/rc', sha: second, type: 'tag' }]);
    expect((await api('GET', `/v1/repos/${slug}/refs/tags/v1/rc`)).json).toEqual({ ref: 'refs/tags/v1/rc', sha: second });
    expect((await api('GET', `/v1/repos/${slug}/refs/tags/none`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}/refs/notes/x`)).status).toBe(404);
  });

  it('PUT creates and moves a ref; expected_sha makes it a compare-and-swap', async () => {
    const { slug, first, second } = await seeded();
    const created = await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: first } });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ ref: 'refs/heads/topic', sha: first, previous_sha: null });
    const moved = await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: second, expected_sha: first } });
    expect(moved.json).toEqual({ ref: 'refs/heads/topic', sha: second, previous_sha: first });
    const stale = await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: first, expected_sha: first } });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('CONFLICT');
    expect(stale.json.details.current_sha).toBe(second);
    expect(stale.json.current_sha).toBe(second);
    // changed with Coregit (routes/refs.ts): expected_sha null is no compare-and-swap; "must
    // not exist yet" is the all-zero sha (gitwell's), and a CAS of a missing ref is 404
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: first, expected_sha: ZERO } })).json.current_sha).toBe(second);
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/fresh`, { body: { sha: first, expected_sha: ZERO } })).status).toBe(200);
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/nothing-yet`, { body: { sha: first, expected_sha: second } })).status).toBe(404);
    // racing CAS updates from one expected value: exactly one wins
    const racers = await Promise.all(
      [first, second, first, second, first].map((sha) => api('PUT', `/v1/repos/${slug}/refs/heads/race`, { body: { sha, expected_sha: ZERO } })),
    );
    expect(racers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(racers.filter((r) => r.status === 409)).toHaveLength(4);
    // null is a plain set
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: first, expected_sha: null } })).json.previous_sha).toBe(second);
    await api('PUT', `/v1/repos/${slug}/refs/heads/topic`, { body: { sha: second } });
    // git agrees
    const remote = await lsRemote(repoUrl(gw.url, `acme/${slug}`, key));
    expect(remote.refs).toContain(`${second}\trefs/heads/topic`);
  });

  // regression (found in review): without expected_sha, the value read at the request was
  // used as the expected one, and concurrent PUTs answered 409 though none had asked for a CAS
  it('concurrent PUTs and DELETEs without expected_sha all succeed: the last to land wins', async () => {
    const { slug, first, second } = await seeded();
    for (let round = 0; round < 5; round++) {
      const rs = await Promise.all([first, second, first, second].map((sha) => api('PUT', `/v1/repos/${slug}/refs/heads/free`, { body: { sha } })));
      expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const now = (await api('GET', `/v1/repos/${slug}/refs/heads/free`)).json.sha;
      expect([first, second]).toContain(now);
      // each reply's previous_sha is a value the ref really had
      for (const r of rs) expect([null, first, second]).toContain(r.json.previous_sha);
    }
    const deletes = await Promise.all([1, 2, 3].map(() => api('DELETE', `/v1/repos/${slug}/refs/heads/free`)));
    for (const d of deletes) expect([200, 404]).toContain(d.status);
    expect(deletes.some((d) => d.status === 200)).toBe(true);
    expect((await api('GET', `/v1/repos/${slug}/refs/heads/free`)).status).toBe(404);
  });

  it('deletes without expected_sha begun in the same turn: one deletes, the others find the ref gone (404, not 409)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-delref-'));
    const store = openStore(dir);
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'r', visibility: 'private', defaultBranch: 'main' });
      const sha = '1'.repeat(40);
      await store.updateRefs(repo.id, [{ name: 'refs/heads/free', expect: null, next: sha }], [], true);
      // each reads the ref before any of them lands
      const outcomes = await Promise.allSettled([1, 2, 3].map(() => deleteRef(store, repo, 'refs/heads/free')));
      const done = outcomes.filter((o) => o.status === 'fulfilled');
      expect(done).toHaveLength(1);
      expect(done[0].status === 'fulfilled' && done[0].value).toEqual({ ref: 'refs/heads/free', sha: null, previous: sha });
      for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as GitwellError).code).toBe('NOT_FOUND');
      expect(store.getRef(repo.id, 'refs/heads/free')).toBeUndefined();
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PUT refuses what is not in the repo, a non-commit for a branch, bad names and bodies', async () => {
    const { slug, second } = await seeded();
    const tree = (await api('GET', `/v1/repos/${slug}/commits/${second}`)).json.tree;
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: 'e'.repeat(40) } })).status).toBe(404);
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: tree } })).status).toBe(422);
    expect((await api('PUT', `/v1/repos/${slug}/refs/tags/tree-tag`, { body: { sha: tree } })).status).toBe(200); // a tag may name a tree
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: 'nothex' } })).json.details.field).toBe('sha');
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: second, expected_sha: 'short' } })).json.details.field).toBe('expected_sha');
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/bad..name`, { body: { sha: second } })).status).toBe(400);
    // Coregit: only refs/heads/* and refs/tags/* are written, 400 otherwise
    expect((await api('PUT', `/v1/repos/${slug}/refs/other/x`, { body: { sha: second } })).status).toBe(400);
    // an object of another repo is not an object of this one
    await api('POST', '/v1/repos', { body: { slug: `${slug}-other` } });
    const foreign = await api('POST', `/v1/repos/${slug}-other/commits`, { body: commitBody('main', [{ path: 'only-there', content: 'x' }]) });
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/y`, { body: { sha: foreign.json.sha } })).status).toBe(404);
  });

  it('DELETE removes a ref, with an optional expected_sha', async () => {
    const { slug, first, second } = await seeded();
    await api('PUT', `/v1/repos/${slug}/refs/tags/t1`, { body: { sha: first } });
    const stale = await api('DELETE', `/v1/repos/${slug}/refs/tags/t1?expected_sha=${second}`);
    expect(stale.status).toBe(409);
    expect(stale.json.details.current_sha).toBe(first);
    const del = await api('DELETE', `/v1/repos/${slug}/refs/tags/t1?expected_sha=${first}`);
    // Coregit: {deleted: true, ref, sha: <where it pointed>}
    expect(del.json).toEqual({ deleted: true, ref: 'refs/tags/t1', sha: first });
    expect((await api('DELETE', `/v1/repos/${slug}/refs/heads/main`)).status).toBe(400);
    expect((await api('DELETE', `/v1/repos/${slug}/refs/tags/t1`)).status).toBe(404);
    const refs = lines((await lsRemote(repoUrl(gw.url, `acme/${slug}`, key))).stdout);
    expect(refs.some((l) => l.endsWith('refs/tags/t1'))).toBe(false);
  });

  it('a ref set with the API is what a clone checks out', async () => {
    const { slug, first } = await seeded();
    await api('PUT', `/v1/repos/${slug}/refs/heads/main`, { body: { sha: first } });
    const dir = path.join(tempDir(), 'clone');
    await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}`, key), dir]);
    expect(await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).toBe(first);
  });
});
