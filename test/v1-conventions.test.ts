// REST /v1 conventions: X-Request-Id, the Coregit error body (never a stack trace), 405, rate
// limits (headers on every reply, 429 with Retry-After, per key and per IP, the hourly bucket,
// a 304 costs nothing), and the OpenAPI 3.1 document built from the zod schemas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, repoUrl } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

describe('request ids, errors, methods', () => {
  let gw: Gitwell;
  let api: Api;
  beforeAll(async () => {
    gw = await startGitwell();
    api = apiClient(gw, await gw.createKey('acme'));
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('every reply carries X-Request-Id, and an error body names it', async () => {
    const ok = await api('GET', '/v1/repos');
    expect(ok.headers.get('x-request-id')).toMatch(/^[\w.-]+$/);
    const err = await api('GET', '/v1/repos/nope');
    expect(err.status).toBe(404);
    expect(err.headers.get('content-type')).toMatch(/^application\/json/);
    expect(err.json).toEqual({ error: expect.any(String), code: 'NOT_FOUND', request_id: err.headers.get('x-request-id') });
    // a client's own id is kept
    const mine = await api('GET', '/v1/repos/nope', { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    expect(mine.json.request_id).toBe('trace-123');
  });

  it('malformed input never leaks a stack trace', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'r', init: true } });
    const bodies = ['{', 'null', '[]', '"str"', '{"branch": {"$gt": 1}}', '\u0000\u0001', JSON.stringify(commitBody('main', [{ path: 'a'.repeat(5000), content: 'x' }]))];
    for (const body of bodies) {
      const r = await api('POST', '/v1/repos/r/commits', { body, headers: { 'content-type': 'application/json' } });
      expect(r.status, body).toBeGreaterThanOrEqual(400);
      expect(r.status, body).toBeLessThan(500);
      expect(r.text).not.toMatch(/\bat \w+ \(|node:internal|\.ts:\d+|\.js:\d+/);
      expect(r.json.code).toBe('VALIDATION_ERROR');
    }
    const weird = await api('GET', '/v1/repos/r/raw/main/%E0%A4%A');
    expect(weird.status).toBe(404);
    expect(weird.json.code).toBe('NOT_FOUND');
  });

  it('a method a route does not take is 405, an unknown path 404, both in the Coregit body with rate-limit headers', async () => {
    const r = await api('PUT', '/v1/repos');
    expect(r.status).toBe(405);
    expect(r.json.code).toBe('VALIDATION_ERROR');
    expect(r.json.details.allowed).toEqual(['POST', 'GET']);
    expect(r.headers.get('x-ratelimit-remaining')).not.toBeNull();
    const missing = await api('GET', '/v1/no/such/route');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ code: 'NOT_FOUND', request_id: missing.headers.get('x-request-id') });
    expect(missing.headers.get('x-ratelimit-limit')).toBe('600');
  });

  it('git smart HTTP still reaches a repo of an org named "v1"', async () => {
    const key = await gw.createKey('v1');
    await gw.createRepo('v1/tools');
    const r = await git(['ls-remote', repoUrl(gw.url, 'v1/tools', key)]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('GET /v1/openapi.json is an OpenAPI 3.1 document of every route, from the zod schemas', async () => {
    const r = await api('GET', '/v1/openapi.json', { key: null });
    expect(r.status).toBe(200);
    const doc = r.json;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.apiKey).toEqual({ type: 'apiKey', in: 'header', name: 'x-api-key' });
    for (const [path, method] of [
      ['/v1/repos', 'post'],
      ['/v1/repos', 'get'],
      ['/v1/repos/{slug}', 'patch'],
      ['/v1/repos/{namespace}/{slug}/commits', 'post'],
      ['/v1/repos/{slug}/tree/{ref}/{path}', 'get'],
      ['/v1/repos/{slug}/raw/{ref}/{path}', 'get'],
      ['/v1/repos/{slug}/refs/{ref}', 'put'],
      ['/v1/repos/{slug}/blobs/batch', 'post'],
      ['/v1/orgs/{org}/repos/{slug}/blob/{ref}/{path}', 'get'],
    ]) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    const create = doc.paths['/v1/repos/{slug}/commits'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['branch', 'message', 'author', 'changes']));
    expect(body.properties.changes.items.properties.action.enum).toEqual(['create', 'modify', 'edit', 'delete', 'rename']);
    expect(body.properties.changes.items.properties.mode.enum).toEqual(['100644', '100755', '120000']);
    expect(create.responses['201']).toBeDefined();
    expect(create.responses['409'].content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
    const list = doc.paths['/v1/repos'].get;
    // a limit above 100 is clamped (Coregit's Math.min), so the schema says only its minimum
    expect(list.parameters.find((p: { name: string }) => p.name === 'limit')).toMatchObject({ in: 'query', schema: { type: 'integer', minimum: 1 } });
    expect(list.parameters.find((p: { name: string }) => p.name === 'limit').description).toMatch(/above 100 it is 100/);
    expect(doc.paths['/v1/orgs/{org}/repos/{slug}'].get.security).toEqual([]);
    expect(doc.paths['/v1/orgs/{org}/repos/{slug}/commits'].post).toBeUndefined();
    // operation ids are unique
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops as Record<string, { operationId: string }>).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('rate limits', () => {
  let gw: Gitwell;
  beforeAll(async () => {
    gw = await startGitwell({
      env: { GITWELL_RATE_LIMIT_PER_MINUTE: '3', GITWELL_RATE_LIMIT_PER_HOUR: '1000', GITWELL_ANON_RATE_LIMIT_PER_MINUTE: '2', GITWELL_ANON_RATE_LIMIT_PER_HOUR: '1000' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('X-RateLimit-* on every reply; the 4th request of a 3/min key is 429 with Retry-After', async () => {
    const api = apiClient(gw, await gw.createKey('a'));
    const now = Math.floor(Date.now() / 1000);
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await api('GET', i === 1 ? '/v1/repos/missing' : '/v1/repos'));
    expect(replies.map((r) => r.status)).toEqual([200, 404, 200, 429]);
    expect(replies.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['2', '1', '0', '0']);
    for (const r of replies) {
      expect(r.headers.get('x-ratelimit-limit')).toBe('3');
      const reset = Number(r.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThanOrEqual(now);
      expect(reset).toBeLessThanOrEqual(now + 70);
    }
    const limited = replies[3];
    expect(limited.json.code).toBe('RATE_LIMITED');
    const retry = Number(limited.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(20);
    expect(replies[0].headers.get('retry-after')).toBeNull();
    // another key has its own buckets
    expect((await apiClient(gw, await gw.createKey('b'))('GET', '/v1/repos')).status).toBe(200);
  });

  it('anonymous callers are limited per IP', async () => {
    const anon = apiClient(gw, null);
    // an org that does not exist is 404 (Coregit's routes/public.ts), and costs a token all the same
    const a = await anon('GET', '/v1/orgs/x/repos');
    const b = await anon('GET', '/v1/orgs/x/repos');
    const c = await anon('GET', '/v1/orgs/x/repos');
    expect([a.status, b.status, c.status]).toEqual([404, 404, 429]);
    expect(a.headers.get('x-ratelimit-limit')).toBe('2');
    expect(c.headers.get('retry-after')).not.toBeNull();
    // a bad key pays from the IP's bucket too, and is still told it is unauthorized... once it has a token
    expect((await anon('GET', '/v1/repos', { key: 'bogus' })).status).toBe(429);
  });

  it('a 304 costs no token, and is served even when the bucket is empty', async () => {
    const key = await gw.createKey('c');
    const api = apiClient(gw, key);
    // repo creation and the commit cost two tokens
    await api('POST', '/v1/repos', { body: { slug: 'r' } });
    await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'f.txt', content: 'cached' }]) });
    const first = await api('GET', '/v1/repos/r/raw/main/f.txt');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('0');
    const etag = first.headers.get('etag')!;
    for (let i = 0; i < 5; i++) {
      const r = await api('GET', '/v1/repos/r/raw/main/f.txt', { headers: { 'if-none-match': etag } });
      expect(r.status).toBe(304);
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    // but a request that is not a 304 is refused
    const miss = await api('GET', '/v1/repos/r/raw/main/f.txt', { headers: { 'if-none-match': '"stale"' } });
    expect(miss.status).toBe(429);
    expect(miss.headers.get('retry-after')).not.toBeNull();
  });
});

describe('the hourly bucket', () => {
  it('sustained use past the hourly budget is 429 with a long Retry-After', async () => {
    const gw = await startGitwell({ env: { GITWELL_RATE_LIMIT_PER_MINUTE: '100', GITWELL_RATE_LIMIT_PER_HOUR: '4' } });
    try {
      const api = apiClient(gw, await gw.createKey('h'));
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await api('GET', '/v1/repos')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      const r = await api('GET', '/v1/repos');
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(600); // one token per 15 minutes
      expect(r.headers.get('x-ratelimit-limit')).toBe('100');
    } finally {
      await gw.stop();
    }
  });
});
