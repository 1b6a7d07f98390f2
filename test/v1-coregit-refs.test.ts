// Conformance with Coregit's code: branches and refs. Each case names the file and line of
// coregit-inc/coregit-api it follows (src/routes/branches.ts at 4374490, src/routes/refs.ts at
// 2f4db07, src/routes/files.ts at 7c8b6e3 for the list of refs) and runs against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

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

async function seeded(): Promise<{ slug: string; first: string; second: string }> {
  const slug = `cr${++n}`;
  await api('POST', '/v1/repos', { body: { slug } });
  const a = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f', content: '1' }]) });
  const b = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f', content: '2' }]) });
  return { slug, first: a.json.sha, second: b.json.sha };
}

describe('branches (routes/branches.ts)', () => {
  it('routes/branches.ts:106 POST: 201 {name, sha, created: true}, from the default branch, from a branch, from a sha', async () => {
    const { slug, first, second } = await seeded();
    const r = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'dev' } });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({ name: 'dev', sha: second, created: true });
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'b2', from: 'dev' } })).json.sha).toBe(second);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'b3', from_sha: first } })).json.sha).toBe(first);
  });

  it('routes/branches.ts:65,68,74-80,91 400 without a name or with a bad one; from_sha is used over from; 404 for an unknown from_sha or source branch', async () => {
    const { slug, first } = await seeded();
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: {} })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'a..b' } })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'x', from: 'nope', from_sha: first } })).json.sha).toBe(first);
    const sha = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'y', from_sha: 'a'.repeat(40) } });
    expect(sha.status).toBe(404);
    expect(sha.json.error).toBe('from_sha not found');
    const src = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'z', from: 'nope' } });
    expect(src.status).toBe(404);
    expect(src.json.error).toBe("Source branch 'nope' not found");
  });

  it('routes/branches.ts:80,94 a name taken: 409 "Branch \'<name>\' already exists"', async () => {
    const { slug } = await seeded();
    const r = await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'main' } });
    expect(r.status).toBe(409);
    expect(r.json.error).toBe("Branch 'main' already exists");
  });

  it('routes/branches.ts:131-164 GET list: {branches, default_branch, total, next_cursor}, by name, cursor = the last name, limit up to 500', async () => {
    const { slug, second } = await seeded();
    for (const name of ['b', 'a', 'c']) await api('POST', `/v1/repos/${slug}/branches`, { body: { name } });
    const page = await api('GET', `/v1/repos/${slug}/branches?limit=2`);
    expect(page.json).toEqual({ branches: [{ name: 'a', sha: second }, { name: 'b', sha: second }], default_branch: 'main', total: 4, next_cursor: 'b' });
    const rest = await api('GET', `/v1/repos/${slug}/branches?limit=2&cursor=b`);
    expect(rest.json.branches.map((x: { name: string }) => x.name)).toEqual(['c', 'main']);
    expect(rest.json.next_cursor).toBeNull();
    // a cursor is a name to start after, not only one the server gave out
    expect((await api('GET', `/v1/repos/${slug}/branches?cursor=bb`)).json.branches.map((x: { name: string }) => x.name)).toEqual(['c', 'main']);
    expect((await api('GET', `/v1/repos/${slug}/branches?limit=9999`)).status).toBe(200);
  });

  it('routes/branches.ts:188,190 GET one: {name, sha}; 404 "Branch not found"', async () => {
    const { slug, second } = await seeded();
    expect((await api('GET', `/v1/repos/${slug}/branches/main`)).json).toEqual({ name: 'main', sha: second });
    const r = await api('GET', `/v1/repos/${slug}/branches/nope`);
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('Branch not found');
  });

  it('routes/branches.ts:214,217,229 DELETE: the default branch is 400, an unknown one 404, else {deleted: true, name}', async () => {
    const { slug } = await seeded();
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'tmp' } });
    const def = await api('DELETE', `/v1/repos/${slug}/branches/main`);
    expect(def.status).toBe(400);
    expect(def.json.error).toBe('Cannot delete the default branch');
    expect((await api('DELETE', `/v1/repos/${slug}/branches/nope`)).status).toBe(404);
    expect((await api('DELETE', `/v1/repos/${slug}/branches/tmp`)).json).toMatchObject({ deleted: true, name: 'tmp' });
  });
});

describe('the list of refs (routes/files.ts)', () => {
  it('routes/files.ts:126-178 {branches, tags, default_branch, total, next_cursor}; one sequence, branches first, paged by "branch:<name>" / "tag:<name>"', async () => {
    const { slug, first, second } = await seeded();
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'dev' } });
    for (const t of ['v2', 'v1']) await api('PUT', `/v1/repos/${slug}/refs/tags/${t}`, { body: { sha: first } });
    const all = await api('GET', `/v1/repos/${slug}/refs`);
    expect(all.json).toMatchObject({
      branches: [
        { name: 'dev', sha: second, type: 'branch' },
        { name: 'main', sha: second, type: 'branch' },
      ],
      tags: [
        { name: 'v1', sha: first, type: 'tag' },
        { name: 'v2', sha: first, type: 'tag' },
      ],
      default_branch: 'main',
      total: 4,
      next_cursor: null,
    });
    const p1 = await api('GET', `/v1/repos/${slug}/refs?limit=3`);
    expect(p1.json.branches).toHaveLength(2);
    expect(p1.json.tags.map((t: { name: string }) => t.name)).toEqual(['v1']);
    expect(p1.json.next_cursor).toBe('tag:v1');
    const p2 = await api('GET', `/v1/repos/${slug}/refs?limit=3&cursor=tag:v1`);
    expect(p2.json).toMatchObject({ branches: [], tags: [{ name: 'v2' }], total: 4, next_cursor: null });
  });
});

describe('one ref (routes/refs.ts)', () => {
  it('routes/refs.ts:84,86 GET: {ref, sha}; 404 "Ref \'<ref>\' not found"', async () => {
    const { slug, second } = await seeded();
    expect((await api('GET', `/v1/repos/${slug}/refs/heads/main`)).json).toEqual({ ref: 'refs/heads/main', sha: second });
    const r = await api('GET', `/v1/repos/${slug}/refs/tags/nope`);
    expect(r.status).toBe(404);
    expect(r.json.error).toBe("Ref 'refs/tags/nope' not found");
  });

  it('routes/refs.ts:102,133,140 PUT: only refs/heads/* and refs/tags/* (400), a sha that is no sha 400, an object that is not there 404', async () => {
    const { slug, second } = await seeded();
    const path = await api('PUT', `/v1/repos/${slug}/refs/notes/x`, { body: { sha: second } });
    expect(path.status).toBe(400);
    expect(path.json.error).toBe('Invalid ref path. Must be refs/heads/* or refs/tags/*');
    expect((await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: 'abc' } })).status).toBe(400);
    const missing = await api('PUT', `/v1/repos/${slug}/refs/heads/x`, { body: { sha: 'e'.repeat(40) } });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe(`Object '${'e'.repeat(40)}' not found`);
  });

  it('routes/refs.ts:144-177 PUT: without expected_sha a plain set; with it, 404 for a ref that is not there, 409 {current_sha} when stale; {ref, sha, previous_sha}', async () => {
    const { slug, first, second } = await seeded();
    expect((await api('PUT', `/v1/repos/${slug}/refs/tags/t`, { body: { sha: first } })).json).toEqual({ ref: 'refs/tags/t', sha: first, previous_sha: null });
    expect((await api('PUT', `/v1/repos/${slug}/refs/tags/t`, { body: { sha: second } })).json).toEqual({ ref: 'refs/tags/t', sha: second, previous_sha: first });
    const none = await api('PUT', `/v1/repos/${slug}/refs/tags/u`, { body: { sha: first, expected_sha: first } });
    expect(none.status).toBe(404);
    expect(none.json.error).toBe("Ref 'refs/tags/u' not found (cannot CAS a non-existent ref)");
    const stale = await api('PUT', `/v1/repos/${slug}/refs/tags/t`, { body: { sha: first, expected_sha: first } });
    expect(stale.status).toBe(409);
    expect(stale.json.current_sha).toBe(second);
    expect(stale.json.error).toBe('Ref was updated concurrently (expected_sha mismatch)');
    expect((await api('PUT', `/v1/repos/${slug}/refs/tags/t`, { body: { sha: first, expected_sha: 'xyz' } })).status).toBe(400);
    expect((await api('PUT', `/v1/repos/${slug}/refs/tags/t`, { body: { sha: first, expected_sha: second } })).json).toEqual({ ref: 'refs/tags/t', sha: first, previous_sha: second });
  });

  it('routes/refs.ts:202,211 DELETE: the default branch is 400; {deleted: true, ref, sha} with where it pointed', async () => {
    const { slug, first } = await seeded();
    await api('PUT', `/v1/repos/${slug}/refs/tags/gone`, { body: { sha: first } });
    expect((await api('DELETE', `/v1/repos/${slug}/refs/heads/main`)).status).toBe(400);
    expect((await api('DELETE', `/v1/repos/${slug}/refs/tags/gone`)).json).toEqual({ deleted: true, ref: 'refs/tags/gone', sha: first });
    expect((await api('DELETE', `/v1/repos/${slug}/refs/tags/gone`)).status).toBe(404);
  });
});
