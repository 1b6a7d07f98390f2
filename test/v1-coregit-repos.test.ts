// Conformance with Coregit's code: repositories. Each case names the file and line of
// coregit-inc/coregit-api it follows (src/routes/repos.ts at c6fd54a, src/routes/public.ts at
// e37cefa) and runs against a real gitwell server. gitwell's extra fields (org,
// deny_non_fast_forwards, code, request_id) may be present; Coregit's must be, with its types.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let api: Api;
let anon: Api;

beforeAll(async () => {
  gw = await startGitwell();
  api = apiClient(gw, await gw.createKey('acme'));
  anon = apiClient(gw, null);
});
afterAll(async () => {
  await gw?.stop();
});

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Keys of `o` in order, gitwell's extras left out. */
const coregitKeys = (o: Record<string, unknown>, extras = ['org', 'deny_non_fast_forwards', 'is_empty', 'updated_at']) => Object.keys(o).filter((k) => !extras.includes(k));

describe('POST /v1/repos (routes/repos.ts)', () => {
  it('routes/repos.ts:64,117-126 init defaults to true: an empty tree committed as "Initial commit" on the default branch', async () => {
    const r = await api('POST', '/v1/repos', { body: { slug: 'c-init', default_branch: 'trunk' } });
    expect(r.status).toBe(201);
    const b = await api('GET', '/v1/repos/c-init/branches/trunk');
    expect(b.status).toBe(200);
    const c = await api('GET', `/v1/repos/c-init/commits/${b.json.sha}`);
    expect(c.json).toMatchObject({ message: 'Initial commit', tree: EMPTY_TREE, parents: [] });
    expect((await api('POST', '/v1/repos', { body: { slug: 'c-noinit', init: false } })).status).toBe(201);
    expect((await api('GET', '/v1/repos/c-noinit/branches')).json.total).toBe(0);
  });

  it('routes/repos.ts:139,164-177 201 {id, namespace, slug, description, default_branch, visibility, is_template, git_url, api_url, created_at}; no description is null', async () => {
    const r = await api('POST', '/v1/repos', { body: { slug: 'c-shape', namespace: 'team' } });
    expect(r.status).toBe(201);
    for (const k of ['id', 'namespace', 'slug', 'description', 'default_branch', 'visibility', 'is_template', 'git_url', 'api_url', 'created_at']) expect(r.json, k).toHaveProperty(k);
    expect(r.json).toMatchObject({ namespace: 'team', slug: 'c-shape', description: null, default_branch: 'main', visibility: 'private', is_template: false });
    expect(typeof r.json.id).toBe('string');
    expect(r.json.git_url).toMatch(/\/acme\/team\/c-shape\.git$/);
    expect(r.json.api_url).toMatch(/\/v1\/repos\/team\/c-shape$/);
    expect(Number.isNaN(Date.parse(r.json.created_at))).toBe(false);
  });

  it('routes/repos.ts:67,70,78,81 400: no slug, a bad slug, a visibility not public or private, a description over 500', async () => {
    for (const body of [{}, { slug: 'Bad' }, { slug: '-x' }, { slug: 'a--b' }, { slug: 'x', visibility: 'internal' }, { slug: 'x', description: 'd'.repeat(501) }]) {
      const r = await api('POST', '/v1/repos', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(typeof r.json.error).toBe('string');
    }
  });

  it('routes/repos.ts:103 a slug taken: 409', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'c-taken' } });
    const r = await api('POST', '/v1/repos', { body: { slug: 'c-taken' } });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('CONFLICT');
  });
});

describe('GET /v1/repos (routes/repos.ts)', () => {
  let lister: Api;
  beforeAll(async () => {
    lister = apiClient(gw, await gw.createKey('lister'));
    for (let i = 0; i < 5; i++) await lister('POST', '/v1/repos', { body: { slug: `l${i}`, ...(i === 2 ? { is_template: true } : {}) } });
    // a later change moves a repo to the front (updated_at)
    await lister('PATCH', '/v1/repos/l1', { body: { description: 'touched' } });
  });

  it('routes/repos.ts:271,281-293 newest updated_at first, then the higher id; items {id, namespace, slug, description, default_branch, visibility, is_template, forked_from, created_at, updated_at}', async () => {
    const r = await lister('GET', '/v1/repos');
    expect(r.json.repos.map((x: { slug: string }) => x.slug)).toEqual(['l1', 'l4', 'l3', 'l2', 'l0']);
    expect(coregitKeys(r.json.repos[0], ['org', 'deny_non_fast_forwards', 'git_url', 'api_url'])).toEqual([
      'id', 'namespace', 'slug', 'description', 'default_branch', 'visibility', 'is_template', 'forked_from', 'created_at', 'updated_at',
    ]);
    expect(r.json.repos[0].forked_from).toBeNull();
  });

  it('routes/repos.ts:210,216,296 limit above 100 is 100; offset only without a cursor, and said only then', async () => {
    const r = await lister('GET', '/v1/repos?limit=1000&offset=1');
    expect(r.json).toMatchObject({ limit: 100, offset: 1, next_cursor: null });
    expect(r.json.repos).toHaveLength(4);
    const page = await lister('GET', '/v1/repos?limit=2');
    expect(page.json.next_cursor).toEqual(expect.any(String));
    const next = await lister('GET', `/v1/repos?limit=2&offset=3&cursor=${encodeURIComponent(page.json.next_cursor)}`);
    expect(next.json).not.toHaveProperty('offset');
    expect(next.json.repos.map((x: { slug: string }) => x.slug)).toEqual(['l3', 'l2']);
  });

  it('routes/repos.ts:187,258 the cursor is base64("<updated_at>|<id>"); anything else is 400 "Invalid cursor"', async () => {
    const page = await lister('GET', '/v1/repos?limit=1');
    const decoded = Buffer.from(page.json.next_cursor, 'base64').toString();
    expect(decoded).toBe(`${page.json.repos[0].updated_at}|${page.json.repos[0].id}`);
    const bad = await lister('GET', '/v1/repos?cursor=bm90IGEgY3Vyc29y');
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'Invalid cursor', code: 'VALIDATION_ERROR' });
  });

  it('routes/repos.ts:234 ?is_template=true lists the templates only', async () => {
    expect((await lister('GET', '/v1/repos?is_template=true')).json.repos.map((x: { slug: string }) => x.slug)).toEqual(['l2']);
  });
});

describe('GET, PATCH, DELETE /v1/repos/:slug (routes/repos.ts)', () => {
  it('routes/repos.ts:330-341,350-364 GET: the full shape; is_empty while the default branch has no file, or there is none', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'c-get' } });
    const r = await api('GET', '/v1/repos/c-get');
    expect(coregitKeys(r.json, ['org', 'deny_non_fast_forwards'])).toEqual([
      'id', 'namespace', 'slug', 'description', 'default_branch', 'visibility', 'is_template', 'forked_from', 'is_empty', 'git_url', 'api_url', 'created_at', 'updated_at',
    ]);
    expect(r.json.is_empty).toBe(true);
    await api('POST', '/v1/repos/c-get/commits', { body: commitBody('main', [{ path: 'a', content: 'a' }]) });
    expect((await api('GET', '/v1/repos/c-get')).json.is_empty).toBe(false);
    await api('POST', '/v1/repos', { body: { slug: 'c-get-none', init: false } });
    expect((await api('GET', '/v1/repos/c-get-none')).json.is_empty).toBe(true);
    expect((await api('GET', '/v1/repos/nope')).status).toBe(404);
  });

  it('routes/repos.ts:405-417,435-444 PATCH: is_template; default_branch only to a branch that exists (400); nothing to update 400', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'c-patch' } });
    const p = await api('PATCH', '/v1/repos/c-patch', { body: { is_template: true, description: 'd' } });
    expect(p.status).toBe(200);
    for (const k of ['id', 'namespace', 'slug', 'description', 'default_branch', 'visibility', 'is_template', 'updated_at']) expect(p.json, k).toHaveProperty(k);
    expect(p.json).toMatchObject({ is_template: true, description: 'd' });
    const missing = await api('PATCH', '/v1/repos/c-patch', { body: { default_branch: 'dev' } });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe("Branch 'dev' does not exist");
    const empty = await api('PATCH', '/v1/repos/c-patch', { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.json.error).toBe('No fields to update');
  });

  it('routes/repos.ts:509 DELETE answers {deleted: true}', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'c-del' } });
    const d = await api('DELETE', '/v1/repos/c-del');
    expect(d.status).toBe(200);
    expect(d.json.deleted).toBe(true);
    expect((await api('GET', '/v1/repos/c-del')).status).toBe(404);
  });
});

describe('public routes (routes/public.ts)', () => {
  it('routes/public.ts:69 an org that does not exist is 404 "Organization not found"', async () => {
    const r = await anon('GET', '/v1/orgs/no-such-org/repos');
    expect(r.status).toBe(404);
    expect(r.json.error).toBe('Organization not found');
  });

  it('routes/public.ts:87,102-116 public repos only, oldest updated_at first; a private one is 404', async () => {
    const o = apiClient(gw, await gw.createKey('pubs'));
    for (const slug of ['p1', 'p2', 'p3']) await o('POST', '/v1/repos', { body: { slug, visibility: slug === 'p2' ? 'private' : 'public' } });
    await o('PATCH', '/v1/repos/p1', { body: { description: 'newest now' } });
    const r = await anon('GET', '/v1/orgs/pubs/repos?limit=500');
    expect(r.json.repos.map((x: { slug: string }) => x.slug)).toEqual(['p3', 'p1']);
    expect(r.json.limit).toBe(100);
    expect((await anon('GET', '/v1/orgs/pubs/repos/p2')).status).toBe(404);
    expect((await anon('GET', '/v1/orgs/pubs/repos/p3')).json).toMatchObject({ slug: 'p3', is_empty: true });
  });
});

describe('probes (src/app.ts at 05f1f1a)', () => {
  it('app.ts:170-175,177-188 GET / {name, version, status: "ok"}; GET /health {status: "ok", db: "ok"}; no key needed', async () => {
    const root = await anon('GET', '/');
    expect(root.status).toBe(200);
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(root.json).toEqual({ name: 'gitwell', version: pkg.version, status: 'ok' });
    const health = await anon('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok', db: 'ok' });
  });
});
