// Revocation takes effect on the very next request: on the hot read path (replies replayed from
// memory), on the general path and over git, whether the revocation came through the API of the
// same server (DELETE /v1/tokens/:id, DELETE /v1/keys/:id) or from the CLI, another process on
// the same data dir (gitwell key revoke | rotate). No sleeps: the request right after is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, repoUrl, tempDir, removeTempDirs } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { infoRefs } from './helpers/raw-git.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let admin: string;
let api: Api;
const RAW = '/v1/repos/r/raw/main/a.txt';

beforeAll(async () => {
  gw = await startGitwell();
  admin = await gw.createKey('acme');
  api = apiClient(gw, admin);
  expect((await api('POST', '/v1/repos', { body: { slug: 'r' } })).status).toBe(201);
  expect((await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'a.txt', content: 'hello\n' }]) })).status).toBe(201);
});
afterAll(async () => {
  await gw?.stop();
  removeTempDirs();
});

async function newToken(scopes: unknown = { 'repos:r': ['write'] }): Promise<{ id: string; token: string }> {
  const r = await api('POST', '/v1/tokens', { body: { name: 'ci', scopes, expires_in: 3600 } });
  expect(r.status, r.text).toBe(201);
  return r.json;
}

async function newKey(): Promise<{ id: string; key: string }> {
  const r = await gw.cli(['key', 'create', '--org', 'acme', '--name', 'ops', '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

const get = (secret: string, path = RAW) => fetch(gw.url + path, { headers: { authorization: `Bearer ${secret}` } });

/** Reads RAW until it is served from memory (the second read is a replay), then returns its status. */
async function warm(secret: string): Promise<void> {
  for (let i = 0; i < 3; i++) expect((await get(secret)).status).toBe(200);
}

async function gitWorks(secret: string): Promise<number> {
  return (await infoRefs(gw.url, 'acme/r', 'git-upload-pack', { key: secret })).status;
}

describe('a token', () => {
  it('revoked through the API: the next request is 401, on the hot path, the general path and git', async () => {
    const t = await newToken();
    await warm(t.token);
    expect(await gitWorks(t.token)).toBe(200);
    const del = await api('DELETE', `/v1/tokens/${t.id}`);
    expect(del.status).toBe(200);
    expect(del.json.revoked_at).toBeTruthy();
    const next = await get(t.token);
    expect(next.status).toBe(401);
    expect(((await next.json()) as { error: string }).error).toMatch(/revoked/);
    expect((await get(t.token, '/v1/repos/r')).status).toBe(401);
    expect(await gitWorks(t.token)).toBe(401);
    // the list says so, the secret is never shown again
    const list = await api('GET', '/v1/tokens');
    const listed = list.json.tokens.find((x: { id: string }) => x.id === t.id);
    expect(listed.revoked_at).toBeTruthy();
    expect(list.text).not.toContain(t.token.slice(-43));
    // a second revocation changes nothing
    expect((await api('DELETE', `/v1/tokens/${t.id}`)).json.revoked_at).toBe(del.json.revoked_at);
  });

  it('revoked: the stock client cannot clone with it, and says why', async () => {
    const t = await newToken();
    expect(await gitWorks(t.token)).toBe(200);
    await api('DELETE', `/v1/tokens/${t.id}`);
    const dir = `${tempDir()}/c`;
    const c = await git(['clone', '-q', repoUrl(gw.url, 'acme/r', t.token), dir]);
    expect(c.code).not.toBe(0);
    expect(c.stderr).toMatch(/401|Authentication failed/);
  });
});

describe('a master key', () => {
  it('revoked through DELETE /v1/keys/:id (by another key of the org): the next request is 401 everywhere', async () => {
    const k = await newKey();
    await warm(k.key);
    expect(await gitWorks(k.key)).toBe(200);
    const got = await api('GET', `/v1/keys/${k.id}`);
    expect(got.json).toMatchObject({ id: k.id, org: 'acme', name: 'ops', revoked_at: null });
    expect((await api('DELETE', `/v1/keys/${k.id}`)).status).toBe(200);
    expect((await get(k.key)).status).toBe(401);
    expect(await gitWorks(k.key)).toBe(401);
  });

  it('revoked by the CLI while the server runs (another process): the next request is 401, hot path and git', async () => {
    const k = await newKey();
    await warm(k.key);
    expect(await gitWorks(k.key)).toBe(200);
    const r = await gw.cli(['key', 'revoke', k.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((await get(k.key)).status).toBe(401);
    expect(await gitWorks(k.key)).toBe(401);
    // the other credentials of the org, verified again after the generation moved, still work
    expect((await get(admin)).status).toBe(200);
  });

  it('rotated by the CLI: the old key is refused at once, the new one works', async () => {
    const k = await newKey();
    await warm(k.key);
    const r = await gw.cli(['key', 'rotate', k.id, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rotated = JSON.parse(r.stdout) as { id: string; key: string; revoked: string };
    expect(rotated.revoked).toBe(k.id);
    expect((await get(k.key)).status).toBe(401);
    expect((await get(rotated.key)).status).toBe(200);
    expect(await gitWorks(rotated.key)).toBe(200);
    const list = await gw.cli(['key', 'list', '--org', 'acme', '--json']);
    const keys = JSON.parse(list.stdout).keys as Array<{ id: string; revoked_at: string | null }>;
    expect(keys.find((x) => x.id === k.id)?.revoked_at).toBeTruthy();
    expect(keys.find((x) => x.id === rotated.id)?.revoked_at).toBeNull();
  });

  it('the CLI refuses what it cannot do, with exit status 1', async () => {
    for (const args of [['key', 'revoke', '0123456789abcdef'], ['key', 'revoke'], ['key', 'rotate', 'nope'], ['key', 'list'], ['key', 'create', '--org', 'acme/'], ['key', 'create', '--org', 'Acme'], ['key', 'create', '--org', '-acme']]) {
      const r = await gw.cli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^gitwell: /);
    }
  });

  it('a token cannot manage tokens or keys (403 naming what it lacks)', async () => {
    const t = await newToken({ 'repos:*': ['admin'] });
    const k = await newKey();
    for (const [method, path] of [['GET', '/v1/tokens'], ['POST', '/v1/tokens'], ['DELETE', `/v1/keys/${k.id}`], ['GET', '/v1/keys']]) {
      const r = await apiClient(gw, t.token)(method, path, { body: method === 'POST' ? { name: 'x', scopes: ['repo'], expires_in: 3600 } : undefined });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.json.details.missing_scope).toBe('master key');
    }
    expect((await get(k.key)).status).toBe(200);
  });
});
