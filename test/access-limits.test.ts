// Limits on every route, in one pipeline: diff and compare take rate-limit tokens, count as calls
// and carry X-RateLimit-*; each token has its own bucket beside its org's keys; anonymous callers
// pay per IP; the 429 of the synchronous front is the general path's 429 byte for byte; git smart
// HTTP has a budget of its own, per credential and per IP. Usage: GET /v1/usage with each quota,
// and what a SIGKILL may cost of it (storage: nothing; calls: at most the flush interval).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, repoUrl, tempDir, removeTempDirs } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { infoRefs } from './helpers/raw-git.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

afterAll(() => removeTempDirs());

async function seed(api: Api, slug: string, visibility: 'public' | 'private' = 'private') {
  expect((await api('POST', '/v1/repos', { body: { slug, visibility } })).status).toBe(201);
  expect((await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'a.txt', content: 'one\n' }]) })).status).toBe(201);
  expect((await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ action: 'edit', path: 'a.txt', content: 'two\n' }]) })).status).toBe(201);
}

const limitHeaders = (h: Headers) => ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'].map((n) => h.get(n));

describe.each([
  { name: 'hot path on', env: {} },
  { name: 'hot path off', env: { GITWELL_HOT_CACHE_BYTES: '0' } },
])('REST limits ($name)', ({ env }) => {
  let gw: Gitwell;
  beforeAll(async () => {
    // 5 calls a minute per credential: each repo is seeded, and each case run, with keys of its own
    gw = await startGitwell({ env: { ...env, GITWELL_RATE_LIMIT_PER_MINUTE: '5', GITWELL_RATE_LIMIT_PER_HOUR: '1000', GITWELL_ANON_RATE_LIMIT_PER_MINUTE: '3', GITWELL_ANON_RATE_LIMIT_PER_HOUR: '1000' } });
    await seed(apiClient(gw, await gw.createKey('acme')), 'r');
    await seed(apiClient(gw, await gw.createKey('acme')), 'pub', 'public');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const newKey = async () => apiClient(gw, await gw.createKey('acme'));

  it('diff and compare take a token each, carry X-RateLimit-*, and are 429 with Retry-After past the budget', async () => {
    const k = await newKey();
    const got: number[] = [];
    for (const p of ['diff', 'compare', 'diff', 'compare', 'diff', 'compare']) {
      const r = await k('GET', `/v1/repos/r/${p}?base=main~1&head=main`);
      got.push(r.status);
      expect(limitHeaders(r.headers).every((v) => v !== null), p).toBe(true);
      if (r.status === 429) {
        expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(r.json.code).toBe('RATE_LIMITED');
      }
    }
    expect(got).toEqual([200, 200, 200, 200, 200, 429]);
    // the public forms too, from the anonymous caller's IP bucket
    const anon = apiClient(gw, null);
    const pub: number[] = [];
    for (let i = 0; i < 4; i++) pub.push((await anon('GET', `/v1/orgs/acme/repos/pub/${i % 2 ? 'compare' : 'diff'}?base=main~1&head=main`)).status);
    expect(pub).toEqual([200, 200, 200, 429]);
  });

  it('a token has its own bucket: the org\'s key out of tokens does not stop it', async () => {
    const k = await newKey();
    const t = (await k('POST', '/v1/tokens', { body: { name: 'ci', scopes: { 'repos:r': ['read'] }, expires_in: 3600 } })).json.token;
    const tok = apiClient(gw, t);
    for (let i = 0; i < 4; i++) await k('GET', '/v1/repos/r/raw/main/a.txt');
    expect((await k('GET', '/v1/repos/r/raw/main/a.txt')).status).toBe(429);
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) seen.push((await tok('GET', '/v1/repos/r/raw/main/a.txt')).status);
    expect(seen).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('the front\'s 429 is the general path\'s 429: same status, headers and body', async () => {
    const k = await newKey();
    for (let i = 0; i < 5; i++) expect((await k('GET', '/v1/repos/r/raw/main/a.txt')).status).toBe(200);
    // a GET is refused by the synchronous front, a POST by the pipeline
    const front = await k('GET', '/v1/repos/r/raw/main/a.txt', { headers: { 'x-request-id': 'same-id' } });
    const general = await k('POST', '/v1/repos/r/blobs/batch', { body: { paths: ['a.txt'] }, headers: { 'x-request-id': 'same-id' } });
    for (const r of [front, general]) expect(r.status).toBe(429);
    expect(front.text).toBe(general.text);
    expect(JSON.parse(front.text)).toMatchObject({ code: 'RATE_LIMITED', request_id: 'same-id', details: { limit: 5 } });
    for (const h of ['content-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'retry-after', 'x-request-id']) expect(front.headers.get(h), h).toBe(general.headers.get(h));
    // an unknown route and a route that needs no credential are refused the same way
    expect((await k('GET', '/v1/no/such')).status).toBe(429);
    expect((await k('GET', '/v1/openapi.json')).status).toBe(429);
    // a 304 is still answered, and costs nothing
    const etag = (await (await newKey())('GET', '/v1/repos/r/raw/main/a.txt')).headers.get('etag')!;
    expect((await k('GET', '/v1/repos/r/raw/main/a.txt', { headers: { 'if-none-match': etag } })).status).toBe(304);
  });
});

describe('git smart HTTP limits', () => {
  let gw: Gitwell;
  beforeAll(async () => {
    gw = await startGitwell({
      env: {
        GITWELL_GIT_RATE_LIMIT_PER_MINUTE: '3',
        GITWELL_GIT_RATE_LIMIT_PER_HOUR: '1000',
        GITWELL_ANON_GIT_RATE_LIMIT_PER_MINUTE: '2',
        GITWELL_ANON_GIT_RATE_LIMIT_PER_HOUR: '1000',
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('a budget per credential and per IP, apart from the REST budget; 429 with Retry-After', async () => {
    const key = await gw.createKey('acme');
    const api = apiClient(gw, key);
    await seed(api, 'g', 'public');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await infoRefs(gw.url, 'acme/g', 'git-upload-pack', { key });
      statuses.push(r.status);
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      if (r.status === 429) expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    // the REST API is another budget
    expect((await api('GET', '/v1/repos/g')).status).toBe(200);
    // another credential, and anonymous callers, have buckets of their own
    const other = await gw.createKey('acme');
    expect((await infoRefs(gw.url, 'acme/g', 'git-upload-pack', { key: other })).status).toBe(200);
    const anon = [];
    for (let i = 0; i < 3; i++) anon.push((await infoRefs(gw.url, 'acme/g', 'git-upload-pack')).status);
    expect(anon).toEqual([200, 200, 429]);
    // a clone is counted: with one request left the stock client gets a 429
    const third = await gw.createKey('acme');
    expect((await infoRefs(gw.url, 'acme/g', 'git-upload-pack', { key: third })).status).toBe(200);
    expect((await infoRefs(gw.url, 'acme/g', 'git-upload-pack', { key: third })).status).toBe(200);
    const c = await git(['clone', '-q', repoUrl(gw.url, 'acme/g', third), `${tempDir()}/c`]);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/429/);
  });
});

describe('usage', () => {
  let dataDir: string;
  let gw: Gitwell;
  let key: string;
  const api = () => apiClient(gw, key);
  const env = { GITWELL_USAGE_FLUSH_MS: '50', GITWELL_QUOTA_REPOS: '10', GITWELL_QUOTA_API_CALLS_PER_MONTH: '100000' };
  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-usage-'));
    gw = await startGitwell({ dataDir, env });
    key = await gw.createKey('acme');
  });
  afterAll(async () => {
    await gw?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function usage(query = '') {
    const r = await api()('GET', `/v1/usage${query}`);
    expect(r.status, r.text).toBe(200);
    return r.json;
  }

  async function crash() {
    gw.kill9();
    await gw.exited;
    gw = await startGitwell({ dataDir, env });
  }

  it('reports calls, git transfer, storage and repos, each with its quota', async () => {
    await seed(api(), 'u', 'public');
    const before = await usage();
    expect(before).toMatchObject({
      org: 'acme',
      period: new Date().toISOString().slice(0, 7),
      repos: { used: 1, quota: 10 },
      api_calls: { quota: 100000 },
      git_bytes_in: { quota: null },
      storage_bytes: { quota: 1024 ** 4 },
    });
    expect(before.api_calls.used).toBe(4);
    expect(before.storage_bytes.used).toBeGreaterThan(0);
    const dir = `${tempDir()}/c`;
    const c = await git(['clone', '-q', repoUrl(gw.url, 'acme/u'), dir]);
    expect(c.code, c.stderr).toBe(0);
    await gitOk(['-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-q', '--allow-empty', '-m', 'x'], { cwd: dir });
    const p = await git(['push', '-q', repoUrl(gw.url, 'acme/u', key), 'HEAD:refs/heads/main'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    const after = await usage();
    expect(after.git_requests.used).toBeGreaterThanOrEqual(4);
    expect(after.git_bytes_out.used).toBeGreaterThan(200);
    expect(after.git_bytes_in.used).toBeGreaterThan(100);
    expect(after.storage_bytes.used).toBeGreaterThan(before.storage_bytes.used);
    expect(after.api_calls.used).toBe(before.api_calls.used + 1);
    expect(await usage('?period=2001-01')).toMatchObject({ period: '2001-01', api_calls: { used: 0 }, git_requests: { used: 0 } });
    expect((await api()('GET', '/v1/usage?period=2001-13')).status).toBe(400);
  });

  it('a SIGKILL loses no storage bytes (written with the objects) and no calls older than the flush interval', async () => {
    const c = await api()('POST', '/v1/repos/u/commits', { body: commitBody('main', [{ path: `big-${Date.now()}.bin`, content: 'z'.repeat(10_000) + Math.random() }]) });
    expect(c.status).toBe(201);
    const before = await usage();
    // storage: the answer came after the transaction that added it; nothing else needs to happen
    await crash();
    const storage = (await usage()).storage_bytes.used;
    expect(storage).toBe(before.storage_bytes.used);
    // calls: a few, then more than the flush interval (50 ms here), then SIGKILL
    for (let i = 0; i < 5; i++) await api()('GET', '/v1/repos/u');
    const counted = (await usage()).api_calls.used;
    await new Promise((r) => setTimeout(r, 400));
    await crash();
    expect((await usage()).api_calls.used).toBe(counted + 1);
  });

  it('a clean stop writes every count', async () => {
    for (let i = 0; i < 3; i++) await api()('GET', '/v1/repos/u');
    const counted = (await usage()).api_calls.used;
    await gw.stop();
    gw = await startGitwell({ dataDir, env: { ...env, GITWELL_USAGE_FLUSH_MS: '60000' } });
    expect((await usage()).api_calls.used).toBe(counted + 1);
  });
});
