// REST /v1 repositories: create (with namespace, init, reserved slugs, validation), list with
// limit/offset/cursor/namespace, get, patch, delete; auth (401, another org's repos are 404);
// the public org routes; the repo-count quota. Shapes as Coregit's routes/repos.ts answers them
// (test/v1-coregit-*.test.ts checks them field by field).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let acme: Api;
let other: Api;
let anon: Api;

beforeAll(async () => {
  gw = await startGitwell();
  acme = apiClient(gw, await gw.createKey('acme'));
  other = apiClient(gw, await gw.createKey('other'));
  anon = apiClient(gw, null);
});
afterAll(async () => {
  await gw?.stop();
});

describe('POST /v1/repos', () => {
  it('creates a private repo with defaults and returns the Coregit shape', async () => {
    const r = await acme('POST', '/v1/repos', { body: { slug: 'plain', description: 'a repo' } });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      namespace: null,
      slug: 'plain',
      description: 'a repo',
      visibility: 'private',
      default_branch: 'main',
      is_template: false,
      forked_from: null,
      // Coregit's init (on by default) commits an empty tree: the repo is still empty
      is_empty: true,
    });
    expect(r.json.git_url).toMatch(/\/acme\/plain\.git$/);
    expect(r.json.api_url).toMatch(/\/v1\/repos\/plain$/);
    expect(typeof r.json.id).toBe('string');
    expect(Date.parse(r.json.created_at)).not.toBeNaN();
  });

  // changed with Coregit's init (routes/repos.ts): on by default, an empty tree and
  // "Initial commit" on the default branch (it made a README before), and is_empty stays true
  it('init (default true) makes an initial commit of an empty tree on the default branch; init: false makes none', async () => {
    const r = await acme('POST', '/v1/repos', { body: { slug: 'inited', default_branch: 'trunk', description: 'hello' } });
    expect(r.status).toBe(201);
    expect(r.json.is_empty).toBe(true);
    const b = await acme('GET', '/v1/repos/inited/branches');
    expect(b.json.default_branch).toBe('trunk');
    expect(b.json.branches.map((x: { name: string }) => x.name)).toEqual(['trunk']);
    const c = await acme('GET', `/v1/repos/inited/commits/${b.json.branches[0].sha}`);
    expect(c.json).toMatchObject({ message: 'Initial commit', tree: '4b825dc642cb6eb9a060e54bf8d69288fbee4904', parents: [] });
    expect((await acme('GET', '/v1/repos/inited/tree/trunk')).json.items).toEqual([]);

    expect((await acme('POST', '/v1/repos', { body: { slug: 'bare', init: false } })).json.is_empty).toBe(true);
    expect((await acme('GET', '/v1/repos/bare/branches')).json.branches).toEqual([]);
  });

  it('namespaces: the same slug in two namespaces, reached by /v1/repos/:namespace/:slug', async () => {
    expect((await acme('POST', '/v1/repos', { body: { slug: 'app', namespace: 'alice', init: true } })).status).toBe(201);
    expect((await acme('POST', '/v1/repos', { body: { slug: 'app', namespace: 'bob', init: false } })).status).toBe(201);
    await acme('POST', '/v1/repos/alice/app/commits', { body: { branch: 'main', message: 'm', author: { name: 'a', email: 'a@b' }, changes: [{ path: 'f', content: 'x' }] } });
    const a = await acme('GET', '/v1/repos/alice/app');
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ namespace: 'alice', slug: 'app', is_empty: false });
    expect(a.json.api_url).toMatch(/\/v1\/repos\/alice\/app$/);
    expect(a.json.git_url).toMatch(/\/acme\/alice\/app\.git$/);
    expect((await acme('GET', '/v1/repos/bob/app')).json.is_empty).toBe(true);
    expect((await acme('GET', '/v1/repos/app')).status).toBe(404);
    // a namespaced repo's resources: the branches of alice/app, not a repo "alice/branches"
    const br = await acme('GET', '/v1/repos/alice/app/branches');
    expect(br.status).toBe(200);
    expect(br.json.branches).toHaveLength(1);
  });

  it('409 for an existing slug', async () => {
    await acme('POST', '/v1/repos', { body: { slug: 'dup' } });
    const r = await acme('POST', '/v1/repos', { body: { slug: 'dup' } });
    expect(r.status).toBe(409);
    expect(r.json.code).toBe('CONFLICT');
  });

  it('rejects resource words as slugs (they would make routes ambiguous)', async () => {
    for (const slug of ['branches', 'refs', 'tree', 'blob', 'raw', 'blobs', 'commits', 'diff', 'compare']) {
      const r = await acme('POST', '/v1/repos', { body: { slug } });
      expect(r.status, slug).toBe(400);
      expect(r.json.details.field).toBe('slug');
    }
  });

  it('400 VALIDATION_ERROR naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, 'slug'],
      [{ slug: 'Bad_Slug' }, 'slug'],
      [{ slug: 'a--b' }, 'slug'],
      [{ slug: 'ok', visibility: 'secret' }, 'visibility'],
      [{ slug: 'ok', namespace: 'NS' }, 'namespace'],
      [{ slug: 'ok', description: 'x'.repeat(501) }, 'description'],
      [{ slug: 'ok', init: 'yes' }, 'init'],
      [{ slug: 'ok', default_branch: 'bad..name' }, 'default_branch'],
    ];
    for (const [body, field] of cases) {
      const r = await acme('POST', '/v1/repos', { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('VALIDATION_ERROR');
      expect(r.json.details.field, JSON.stringify(body)).toBe(field);
      expect(typeof r.json.request_id).toBe('string');
    }
    const notJson = await acme('POST', '/v1/repos', { body: '{"slug":', headers: { 'content-type': 'application/json' } });
    expect(notJson.status).toBe(400);
    expect(notJson.json.details.field).toBe('body');
  });

  it('401 without a key, 401 with a bad key', async () => {
    expect((await anon('POST', '/v1/repos', { body: { slug: 'x' } })).json.code).toBe('UNAUTHORIZED');
    const bad = await acme('POST', '/v1/repos', { body: { slug: 'x' }, key: 'gwk_0000000000000000_' + 'a'.repeat(43) });
    expect(bad.status).toBe(401);
    const bearer = await anon('GET', '/v1/repos', { headers: { authorization: 'Bearer nonsense' } });
    expect(bearer.status).toBe(401);
  });

  it('Authorization: Bearer works like x-api-key', async () => {
    const key = await gw.createKey('bearer-org');
    const r = await anon('POST', '/v1/repos', { body: { slug: 'via-bearer' }, headers: { authorization: `Bearer ${key}` } });
    expect(r.status).toBe(201);
    expect(r.json.git_url).toMatch(/\/bearer-org\/via-bearer\.git$/);
  });
});

describe('GET /v1/repos', () => {
  it('pages with limit/offset and with cursor until next_cursor is null; filters by namespace', async () => {
    const key = await gw.createKey('lister');
    const api = apiClient(gw, key);
    const slugs = ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07'];
    for (const slug of slugs) expect((await api('POST', '/v1/repos', { body: { slug } })).status).toBe(201);
    await api('POST', '/v1/repos', { body: { slug: 'r01', namespace: 'team' } });

    // changed with Coregit's order (routes/repos.ts): updated_at, newest first, then id
    const first = await api('GET', '/v1/repos?limit=3');
    expect(first.json.repos.map((r: { namespace: string | null; slug: string }) => `${r.namespace ?? ''}/${r.slug}`)).toEqual(['team/r01', '/r07', '/r06']);
    expect(first.json).toMatchObject({ limit: 3, offset: 0 });
    const off = await api('GET', '/v1/repos?limit=3&offset=3');
    expect(off.json.repos.map((r: { slug: string }) => r.slug)).toEqual(['r05', 'r04', 'r03']);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await api('GET', `/v1/repos?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.json.repos.map((r: { namespace: string | null; slug: string }) => `${r.namespace ?? ''}/${r.slug}`));
      // Coregit: offset only in a page without a cursor
      if (cursor) expect(page.json.offset).toBeUndefined();
      cursor = page.json.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['team/r01', ...slugs.map((s) => `/${s}`).reverse()]);

    const ns = await api('GET', '/v1/repos?namespace=team');
    expect(ns.json.repos.map((r: { slug: string }) => r.slug)).toEqual(['r01']);
    expect(ns.json.next_cursor).toBeNull();
  });

  it('a key lists only its org', async () => {
    await other('POST', '/v1/repos', { body: { slug: 'others-only' } });
    const r = await acme('GET', '/v1/repos?limit=100');
    expect(r.json.repos.map((x: { slug: string }) => x.slug)).not.toContain('others-only');
  });

  // changed with Coregit (routes/repos.ts: Math.min(limit, 100)): a limit above 100 is 100, not 400
  it('validates limit, offset and cursor; clamps a limit above 100', async () => {
    for (const q of ['limit=0', 'limit=abc', 'offset=-1']) {
      const r = await acme('GET', `/v1/repos?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.details.field).toBe(q.split('=')[0]);
    }
    const big = await acme('GET', '/v1/repos?limit=101');
    expect(big.status).toBe(200);
    expect(big.json.limit).toBe(100);
    const bad = await acme('GET', '/v1/repos?cursor=!!!');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('Invalid cursor');
  });
});

describe('GET/PATCH/DELETE /v1/repos/:slug', () => {
  it('gets, patches and deletes', async () => {
    await acme('POST', '/v1/repos', { body: { slug: 'life', init: true } });
    // Coregit moves the default branch only to one that exists (400 otherwise)
    const missing = await acme('PATCH', '/v1/repos/life', { body: { default_branch: 'dev' } });
    expect(missing.status).toBe(400);
    expect(missing.json.error).toBe("Branch 'dev' does not exist");
    expect((await acme('PATCH', '/v1/repos/life', { body: {} })).json.error).toBe('No fields to update');
    await acme('POST', '/v1/repos/life/branches', { body: { name: 'dev' } });
    const p = await acme('PATCH', '/v1/repos/life', { body: { description: 'changed', visibility: 'public', default_branch: 'dev' } });
    expect(p.status).toBe(200);
    expect(p.json).toMatchObject({ description: 'changed', visibility: 'public', default_branch: 'dev' });
    expect((await acme('GET', '/v1/repos/life')).json.description).toBe('changed');
    expect((await acme('PATCH', '/v1/repos/life', { body: { visibility: 'hidden' } })).json.details.field).toBe('visibility');
    expect((await acme('PATCH', '/v1/repos/life', { body: { default_branch: 'a b' } })).status).toBe(400);

    const d = await acme('DELETE', '/v1/repos/life');
    expect(d.status).toBe(200);
    expect(d.json.deleted).toBe(true);
    expect((await acme('GET', '/v1/repos/life')).status).toBe(404);
    expect((await acme('DELETE', '/v1/repos/life')).status).toBe(404);
    // the name is free again
    expect((await acme('POST', '/v1/repos', { body: { slug: 'life' } })).json.is_empty).toBe(true);
  });

  it("another org's repo is 404 (private or public), never 403", async () => {
    await acme('POST', '/v1/repos', { body: { slug: 'secret', init: true } });
    await acme('POST', '/v1/repos', { body: { slug: 'open', visibility: 'public', init: true } });
    for (const path of ['/v1/repos/secret', '/v1/repos/secret/tree/main', '/v1/repos/secret/raw/main/README.md', '/v1/repos/open/branches']) {
      const r = await other('GET', path);
      expect(r.status, path).toBe(404);
      expect(r.json.code).toBe('NOT_FOUND');
    }
    expect((await other('DELETE', '/v1/repos/secret')).status).toBe(404);
    expect((await acme('GET', '/v1/repos/secret')).status).toBe(200);
  });
});

/** A repo with a README (Coregit's init commits an empty tree). */
async function withReadme(api: Api, body: Record<string, unknown>): Promise<void> {
  expect((await api('POST', '/v1/repos', { body })).status).toBe(201);
  const path = body.namespace ? `${body.namespace}/${body.slug}` : body.slug;
  const c = await api('POST', `/v1/repos/${path}/commits`, {
    body: { branch: 'main', message: 'readme', author: { name: 'a', email: 'a@b' }, changes: [{ path: 'README.md', content: `# ${body.slug}\n` }] },
  });
  expect(c.status).toBe(201);
}

describe('public org routes', () => {
  it('serve public repos without a key; private repos are 404 there', async () => {
    await withReadme(acme, { slug: 'pub', visibility: 'public' });
    await withReadme(acme, { slug: 'pub', namespace: 'ns', visibility: 'public' });
    await withReadme(acme, { slug: 'priv' });

    const list = await anon('GET', '/v1/orgs/acme/repos?limit=100');
    expect(list.status).toBe(200);
    const names = list.json.repos.map((r: { namespace: string | null; slug: string }) => `${r.namespace ?? ''}/${r.slug}`);
    expect(names).toContain('/pub');
    expect(names).toContain('ns/pub');
    expect(names).not.toContain('/priv');
    expect(list.json.repos.every((r: { visibility: string }) => r.visibility === 'public')).toBe(true);

    expect((await anon('GET', '/v1/orgs/acme/repos/pub')).json.slug).toBe('pub');
    expect((await anon('GET', '/v1/orgs/acme/repos/ns/pub')).json.namespace).toBe('ns');
    expect((await anon('GET', '/v1/orgs/acme/repos/pub/raw/main/README.md')).text).toBe('# pub\n');
    expect((await anon('GET', '/v1/orgs/acme/repos/ns/pub/tree/main')).json.items[0].name).toBe('README.md');
    for (const path of ['/v1/orgs/acme/repos/priv', '/v1/orgs/acme/repos/priv/raw/main/README.md', '/v1/orgs/acme/repos/priv/commits', '/v1/orgs/nobody/repos/pub']) {
      expect((await anon('GET', path)).status, path).toBe(404);
    }
    // writes do not exist there
    expect((await anon('DELETE', '/v1/orgs/acme/repos/pub')).status).toBe(405);
    // a key does not open another org's private repo through the public routes either
    expect((await other('GET', '/v1/orgs/acme/repos/priv')).status).toBe(404);
  });

  it('a repo made private disappears from the public routes at once', async () => {
    await withReadme(acme, { slug: 'flip', visibility: 'public' });
    expect((await anon('GET', '/v1/orgs/acme/repos/flip/raw/main/README.md')).status).toBe(200);
    await acme('PATCH', '/v1/repos/flip', { body: { visibility: 'private' } });
    expect((await anon('GET', '/v1/orgs/acme/repos/flip/raw/main/README.md')).status).toBe(404);
  });
});

describe('quotas', () => {
  it('429 QUOTA_EXCEEDED past the repo quota', async () => {
    const small = await startGitwell({ env: { GITWELL_QUOTA_REPOS: '2' } });
    try {
      const api = apiClient(small, await small.createKey('tiny'));
      expect((await api('POST', '/v1/repos', { body: { slug: 'a' } })).status).toBe(201);
      expect((await api('POST', '/v1/repos', { body: { slug: 'b' } })).status).toBe(201);
      const r = await api('POST', '/v1/repos', { body: { slug: 'c' } });
      expect(r.status).toBe(429);
      expect(r.json.code).toBe('QUOTA_EXCEEDED');
      expect(r.json.details).toMatchObject({ quota: 'repos', max: 2 });
      // Coregit's free-tier 429 carries used and limit at the top level
      expect(r.json).toMatchObject({ used: 2, limit: 2 });
    } finally {
      await small.stop();
    }
  });

  it('429 QUOTA_EXCEEDED when a commit would pass the storage quota', async () => {
    const small = await startGitwell({ env: { GITWELL_QUOTA_STORAGE_BYTES: '3000' } });
    try {
      const api = apiClient(small, await small.createKey('store'));
      await api('POST', '/v1/repos', { body: { slug: 's' } });
      const commit = (content: string) =>
        api('POST', '/v1/repos/s/commits', { body: { branch: 'main', message: 'm', author: { name: 'a', email: 'a@b' }, changes: [{ path: `f-${content.length}`, content }] } });
      expect((await commit('x'.repeat(1500))).status).toBe(201);
      const over = await commit('y'.repeat(1600));
      expect(over.status).toBe(429);
      expect(over.json.code).toBe('QUOTA_EXCEEDED');
      expect(over.json.details).toMatchObject({ quota: 'storage_bytes', max: 3000 });
      expect(over.json.limit).toBe(3000);
      // the initial commit and the one that fit
      expect((await api('GET', '/v1/repos/s/commits')).json.commits).toHaveLength(2);
    } finally {
      await small.stop();
    }
  });

  it('429 QUOTA_EXCEEDED past the monthly API calls', async () => {
    const small = await startGitwell({ env: { GITWELL_QUOTA_API_CALLS_PER_MONTH: '5' } });
    try {
      const api = apiClient(small, await small.createKey('metered'));
      for (let i = 0; i < 5; i++) expect((await api('GET', '/v1/repos')).status).toBe(200);
      const r = await api('GET', '/v1/repos');
      expect(r.status).toBe(429);
      expect(r.json.code).toBe('QUOTA_EXCEEDED');
      expect(r.json.details).toMatchObject({ quota: 'api_calls_per_month', max: 5 });
      // another org has its own quota
      expect((await apiClient(small, await small.createKey('fresh'))('GET', '/v1/repos')).status).toBe(200);
    } finally {
      await small.stop();
    }
  });
});
