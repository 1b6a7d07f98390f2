// The hot read path (src/http/v1/hot.ts) replays replies of raw, blob and tree from memory. The
// same cases run with it on (the default) and off (GITWELL_HOT_CACHE_BYTES=0): every reply must
// be the one the general path gives, whatever changed in between — a commit through the API, a
// push with the git CLI, a visibility change, a deleted repo — with the general path's rate
// limits, quotas, request ids and 304s.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, repoUrl } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

const MODES = [
  { name: 'hot path on', env: {} },
  { name: 'hot path off', env: { GITWELL_HOT_CACHE_BYTES: '0' } },
];

describe.each(MODES)('repeated reads ($name)', ({ env }) => {
  let gw: Gitwell;
  let key: string;
  let api: Api;
  const anon = () => apiClient(gw, null);
  beforeAll(async () => {
    gw = await startGitwell({ env });
    key = await gw.createKey('acme');
    api = apiClient(gw, key);
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('a commit through the API is seen by the next read of the same URL (raw, blob, tree)', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'r1' } });
    const c1 = await api('POST', '/v1/repos/r1/commits', { body: commitBody('main', [{ action: 'create', path: 'a.txt', content: 'one\n' }]) });
    expect(c1.status).toBe(201);
    const urls = ['/v1/repos/r1/raw/main/a.txt', '/v1/repos/r1/blob/main/a.txt', '/v1/repos/r1/tree/main'];
    const before = [];
    for (const u of urls) {
      const a = await api('GET', u);
      const b = await api('GET', u);
      expect(a.status, u).toBe(200);
      expect(b.status, u).toBe(200);
      expect(b.bytes.equals(a.bytes), u).toBe(true);
      expect(b.headers.get('etag')).toBe(a.headers.get('etag'));
      expect(b.headers.get('cache-control')).toBe(a.headers.get('cache-control'));
      expect(b.headers.get('content-type')).toBe(a.headers.get('content-type'));
      before.push(b);
    }
    expect(before[0].text).toBe('one\n');

    const c2 = await api('POST', '/v1/repos/r1/commits', {
      body: commitBody('main', [{ action: 'edit', path: 'a.txt', content: 'two\n' }], { parent_sha: c1.json.sha }),
    });
    expect(c2.status).toBe(201);
    const raw = await api('GET', urls[0]);
    expect(raw.text).toBe('two\n');
    expect(raw.headers.get('etag')).not.toBe(before[0].headers.get('etag'));
    expect((await api('GET', urls[1])).json.content).toBe('two\n');
    const tree = await api('GET', urls[2]);
    expect(tree.json.sha).toBe(c2.json.tree_sha);
    expect(tree.json.sha).not.toBe(before[2].json.sha);
  });

  it('a push with the git CLI is seen by the next read', async () => {
    // no initial commit: the push brings a history of its own
    await api('POST', '/v1/repos', { body: { slug: 'r2', init: false } });
    const work = mkdtempSync(path.join(os.tmpdir(), 'gw-hot-'));
    try {
      const g = (args: string[]) => git(args, { cwd: work });
      expect((await g(['init', '-q', '-b', 'main'])).code).toBe(0);
      writeFileSync(path.join(work, 'f.txt'), 'pushed 1\n');
      await g(['add', 'f.txt']);
      await g(['-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'one']);
      const url = repoUrl(gw.url, 'acme/r2', key);
      expect((await g(['push', '-q', url, 'main'])).code).toBe(0);
      expect((await api('GET', '/v1/repos/r2/raw/main/f.txt')).text).toBe('pushed 1\n');
      expect((await api('GET', '/v1/repos/r2/raw/main/f.txt')).text).toBe('pushed 1\n');

      writeFileSync(path.join(work, 'f.txt'), 'pushed 2\n');
      await g(['-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qam', 'two']);
      expect((await g(['push', '-q', url, 'main'])).code).toBe(0);
      expect((await api('GET', '/v1/repos/r2/raw/main/f.txt')).text).toBe('pushed 2\n');

      // a deleted branch: the URL that named it is a 404 now
      expect((await g(['push', '-q', url, 'main:side'])).code).toBe(0);
      expect((await api('GET', '/v1/repos/r2/raw/side/f.txt')).status).toBe(200);
      expect((await api('GET', '/v1/repos/r2/raw/side/f.txt')).status).toBe(200);
      expect((await g(['push', '-q', url, ':side'])).code).toBe(0);
      expect((await api('GET', '/v1/repos/r2/raw/side/f.txt')).status).toBe(404);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('public reads stop the moment the repo turns private or is deleted', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'pub', visibility: 'public' } });
    await api('POST', '/v1/repos/pub/commits', { body: commitBody('main', [{ action: 'create', path: 'p.txt', content: 'public\n' }]) });
    const url = '/v1/orgs/acme/repos/pub/raw/main/p.txt';
    for (let i = 0; i < 2; i++) {
      const r = await anon()('GET', url);
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toMatch(/^public/);
    }
    expect((await api('PATCH', '/v1/repos/pub', { body: { visibility: 'private' } })).status).toBe(200);
    const hidden = await anon()('GET', url);
    expect(hidden.status).toBe(404);
    expect(hidden.json.code).toBe('NOT_FOUND');
    // the owner still reads it on the keyed route, now cached as private
    const own = await api('GET', '/v1/repos/pub/raw/main/p.txt');
    expect(own.status).toBe(200);
    expect(own.headers.get('cache-control')).toMatch(/^private/);

    expect((await api('PATCH', '/v1/repos/pub', { body: { visibility: 'public' } })).status).toBe(200);
    expect((await anon()('GET', url)).status).toBe(200);
    expect((await anon()('GET', url)).status).toBe(200);
    expect((await api('DELETE', '/v1/repos/pub')).status).toBeLessThan(300);
    expect((await anon()('GET', url)).status).toBe(404);
    expect((await api('GET', '/v1/repos/pub/raw/main/p.txt')).status).toBe(404);
  });

  it('a reply cached for one org is never given to another, nor to a bad key', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'mine' } });
    await api('POST', '/v1/repos/mine/commits', { body: commitBody('main', [{ action: 'create', path: 's.txt', content: 'secret\n' }]) });
    const url = '/v1/repos/mine/raw/main/s.txt';
    expect((await api('GET', url)).text).toBe('secret\n');
    expect((await api('GET', url)).text).toBe('secret\n');
    const other = apiClient(gw, await gw.createKey('other'));
    const r = await other('GET', url);
    expect(r.status).toBe(404);
    expect(r.text).not.toContain('secret');
    const bad = await api('GET', url, { key: `${key}x` });
    expect(bad.status).toBe(401);
    const none = await api('GET', url, { key: null });
    expect(none.status).toBe(401);
    // Bearer and x-api-key are the same caller
    const bearer = await api('GET', url, { key: null, headers: { authorization: `Bearer ${key}` } });
    expect(bearer.text).toBe('secret\n');
  });

  it('every replay has its own request id, a caller id is kept, and Range is always honoured', async () => {
    await api('POST', '/v1/repos', { body: { slug: 'ids' } });
    await api('POST', '/v1/repos/ids/commits', { body: commitBody('main', [{ action: 'create', path: 'n.txt', content: '0123456789' }]) });
    const url = '/v1/repos/ids/raw/main/n.txt';
    const ids = new Set<string>();
    for (let i = 0; i < 4; i++) ids.add((await api('GET', url)).headers.get('x-request-id')!);
    expect(ids.size).toBe(4);
    const mine = await api('GET', url, { headers: { 'x-request-id': 'trace-hot-1' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-hot-1');
    const part = await api('GET', url, { headers: { range: 'bytes=2-4' } });
    expect(part.status).toBe(206);
    expect(part.text).toBe('234');
    expect((await api('GET', url)).text).toBe('0123456789');
  });
});

describe.each(MODES)('limits on repeated reads ($name)', ({ env }) => {
  let gw: Gitwell;
  beforeAll(async () => {
    gw = await startGitwell({
      env: { ...env, GITWELL_RATE_LIMIT_PER_MINUTE: '6', GITWELL_RATE_LIMIT_PER_HOUR: '1000', GITWELL_ANON_RATE_LIMIT_PER_MINUTE: '3', GITWELL_ANON_RATE_LIMIT_PER_HOUR: '1000' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('each replay takes a token, a 304 gives it back, an empty bucket is 429 but still answers 304s', async () => {
    const api = apiClient(gw, await gw.createKey('lim'));
    await api('POST', '/v1/repos', { body: { slug: 'r' } }); // token 1
    await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ action: 'create', path: 'f.txt', content: 'x' }]) }); // 2
    const url = '/v1/repos/r/raw/main/f.txt';
    const replies = [];
    for (let i = 0; i < 4; i++) replies.push(await api('GET', url)); // 3..6
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replies.map((r) => r.headers.get('x-ratelimit-remaining'))).toEqual(['3', '2', '1', '0']);
    for (const r of replies) expect(r.headers.get('x-ratelimit-limit')).toBe('6');
    const etag = replies[0].headers.get('etag')!;
    for (let i = 0; i < 3; i++) {
      const nm = await api('GET', url, { headers: { 'if-none-match': etag } });
      expect(nm.status).toBe(304);
      expect(nm.bytes.length).toBe(0);
      expect(nm.headers.get('etag')).toBe(etag);
      expect(nm.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    const limited = await api('GET', url);
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });

  it('anonymous replays pay from the IP bucket', async () => {
    const api = apiClient(gw, await gw.createKey('pubs'));
    await api('POST', '/v1/repos', { body: { slug: 'p', visibility: 'public' } });
    await api('POST', '/v1/repos/p/commits', { body: commitBody('main', [{ action: 'create', path: 'f.txt', content: 'y' }]) });
    const anon = apiClient(gw, null);
    const url = '/v1/orgs/pubs/repos/p/raw/main/f.txt';
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon('GET', url)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe.each(MODES)('the monthly call quota on repeated reads ($name)', ({ env }) => {
  it('a replay counts as a call; past the quota it is 429 QUOTA_EXCEEDED, and a 304 is free', async () => {
    const gw = await startGitwell({ env: { ...env, GITWELL_QUOTA_API_CALLS_PER_MONTH: '5' } });
    try {
      const api = apiClient(gw, await gw.createKey('q'));
      await api('POST', '/v1/repos', { body: { slug: 'r' } }); // call 1
      await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ action: 'create', path: 'f.txt', content: 'z' }]) }); // 2
      const url = '/v1/repos/r/raw/main/f.txt';
      const first = await api('GET', url); // 3
      const etag = first.headers.get('etag')!;
      expect((await api('GET', url, { headers: { 'if-none-match': etag } })).status).toBe(304); // free
      expect((await api('GET', url)).status).toBe(200); // 4
      expect((await api('GET', url)).status).toBe(200); // 5
      const over = await api('GET', url);
      expect(over.status).toBe(429);
      expect(over.json.code).toBe('QUOTA_EXCEEDED');
    } finally {
      await gw.stop();
    }
  });
});
