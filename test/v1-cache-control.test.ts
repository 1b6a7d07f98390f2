// Cache-Control of raw, blob and tree follows the ref in the URL (src/http/middleware/etag.ts):
// only a full commit sha is immutable; a branch, a tag or a rev like main~1 gets a short max-age
// and revalidates with its ETag, because the same URL names other bytes once the branch moves.
// Each case runs with the hot read path (src/http/v1/hot.ts) on and off, and every URL is read
// twice so that the second reply is the hot path's replay when it is on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api, type ApiReply } from './helpers/v1-api.js';

const MODES = [
  { name: 'hot path on', env: {} },
  { name: 'hot path off', env: { GITWELL_HOT_CACHE_BYTES: '0' } },
];

const IMMUTABLE = 'max-age=31536000, immutable';
const KINDS = ['raw', 'blob', 'tree'] as const;
/** the URL of `kind` at `rev` for the file d/f.txt (tree: its directory) */
const urlOf = (base: string, kind: (typeof KINDS)[number], rev: string) => (kind === 'tree' ? `${base}/tree/${rev}/d` : `${base}/${kind}/${rev}/d/f.txt`);

describe.each(MODES)('Cache-Control by ref kind ($name)', ({ env }) => {
  let gw: Gitwell;
  let api: Api;
  let anon: Api;
  let first: string;
  let second: string;
  /** each repo's two commits: the repos' histories differ (each starts with its own initial commit) */
  const shas: Record<string, { first: string; second: string }> = {};
  beforeAll(async () => {
    gw = await startGitwell({ env });
    api = apiClient(gw, await gw.createKey('acme'));
    anon = apiClient(gw, null);
    for (const slug of ['priv', 'pub']) {
      expect((await api('POST', '/v1/repos', { body: { slug, visibility: slug === 'pub' ? 'public' : 'private' } })).status).toBe(201);
    }
    for (const slug of ['priv', 'pub']) {
      const c1 = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ action: 'create', path: 'd/f.txt', content: 'one\n' }]) });
      const c2 = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ action: 'edit', path: 'd/f.txt', content: 'two\n' }]) });
      expect(c1.status).toBe(201);
      expect(c2.status).toBe(201);
      expect((await api('PUT', `/v1/repos/${slug}/refs/tags/v1`, { body: { sha: c2.json.sha } })).status).toBeLessThan(300);
      shas[slug] = { first: c1.json.sha, second: c2.json.sha };
    }
    ({ first, second } = shas.priv);
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
  });

  /** Two GETs of the same URL (the second a replay when the hot path is on): the same reply. */
  async function readTwice(call: Api, url: string): Promise<ApiReply> {
    const a = await call('GET', url);
    const b = await call('GET', url);
    expect(a.status, url).toBe(200);
    expect(b.status, url).toBe(200);
    expect(b.bytes.equals(a.bytes), url).toBe(true);
    for (const h of ['etag', 'cache-control', 'content-type']) expect(b.headers.get(h), `${url} ${h}`).toBe(a.headers.get(h));
    return b;
  }

  /** If-None-Match with the reply's ETag: 304, no body, the same ETag and Cache-Control (twice). */
  async function revalidates(call: Api, url: string, r: ApiReply): Promise<void> {
    const etag = r.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{40}"$/);
    for (let i = 0; i < 2; i++) {
      const nm = await call('GET', url, { headers: { 'if-none-match': etag } });
      expect(nm.status, url).toBe(304);
      expect(nm.bytes.length).toBe(0);
      expect(nm.headers.get('etag')).toBe(etag);
      expect(nm.headers.get('cache-control'), url).toBe(r.headers.get('cache-control'));
    }
  }

  it.each(KINDS)('%s: a full commit sha is immutable; a branch is max-age=60 with its ETag; both revalidate to 304', async (kind) => {
    const base = '/v1/repos/priv';
    const bySha = urlOf(base, kind, second);
    const byBranch = urlOf(base, kind, 'main');
    const s = await readTwice(api, bySha);
    expect(s.headers.get('cache-control')).toBe(`private, ${IMMUTABLE}`);
    await revalidates(api, bySha, s);
    const b = await readTwice(api, byBranch);
    expect(b.headers.get('cache-control')).toBe('private, max-age=60');
    // the same object either way: one ETag
    expect(b.headers.get('etag')).toBe(s.headers.get('etag'));
    await revalidates(api, byBranch, b);
  });

  it.each(KINDS)('%s: a tag, main~1 and an upper-case sha', async (kind) => {
    const base = '/v1/repos/priv';
    const tag = await readTwice(api, urlOf(base, kind, 'v1'));
    expect(tag.headers.get('cache-control')).toBe('private, max-age=60');
    await revalidates(api, urlOf(base, kind, 'v1'), tag);
    const parent = await readTwice(api, urlOf(base, kind, 'main~1'));
    expect(parent.headers.get('cache-control')).toBe('private, max-age=60');
    const older = await readTwice(api, urlOf(base, kind, first));
    expect(older.headers.get('cache-control')).toBe(`private, ${IMMUTABLE}`);
    expect(parent.headers.get('etag')).toBe(older.headers.get('etag'));
    const upper = await readTwice(api, urlOf(base, kind, second.toUpperCase()));
    expect(upper.headers.get('cache-control')).toBe(`private, ${IMMUTABLE}`);
    // an abbreviated sha names nothing here (only full shas and refs resolve): never immutable
    const short = await api('GET', urlOf(base, kind, second.slice(0, 12)));
    expect(short.status).toBe(404);
    expect(short.headers.get('cache-control') ?? '').not.toMatch(/immutable/);
  });

  it.each(KINDS)('%s: a public repo says public, on the keyed and the public route', async (kind) => {
    for (const [call, base] of [
      [api, '/v1/repos/pub'],
      [anon, '/v1/orgs/acme/repos/pub'],
    ] as const) {
      const s = await readTwice(call, urlOf(base, kind, shas.pub.second));
      expect(s.headers.get('cache-control')).toBe(`public, ${IMMUTABLE}`);
      const b = await readTwice(call, urlOf(base, kind, 'main'));
      expect(b.headers.get('cache-control')).toBe('public, max-age=60');
      await revalidates(call, urlOf(base, kind, 'main'), b);
    }
  });

  it('when the branch moves, its URL serves the new bytes and the old ETag no longer matches; the sha URL stays', async () => {
    const base = '/v1/repos/priv';
    const before = await readTwice(api, urlOf(base, 'raw', 'main'));
    const shaUrl = urlOf(base, 'raw', second);
    await readTwice(api, shaUrl);
    const c3 = await api('POST', `${base}/commits`, { body: commitBody('main', [{ action: 'edit', path: 'd/f.txt', content: 'three\n' }]) });
    expect(c3.status).toBe(201);
    const stale = await api('GET', urlOf(base, 'raw', 'main'), { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(stale.status).toBe(200);
    expect(stale.text).toBe('three\n');
    expect(stale.headers.get('cache-control')).toBe('private, max-age=60');
    const kept = await api('GET', shaUrl, { headers: { 'if-none-match': before.headers.get('etag')! } });
    expect(kept.status).toBe(304);
    expect(kept.headers.get('cache-control')).toBe(`private, ${IMMUTABLE}`);
    expect((await readTwice(api, shaUrl)).text).toBe('two\n');
  });
});

describe('GITWELL_BRANCH_MAX_AGE', () => {
  it('sets the max-age of branch URLs, not of sha URLs', async () => {
    const gw = await startGitwell({ env: { GITWELL_BRANCH_MAX_AGE: '5' } });
    try {
      const api = apiClient(gw, await gw.createKey('acme'));
      await api('POST', '/v1/repos', { body: { slug: 'r' } });
      const c = await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ action: 'create', path: 'd/f.txt', content: 'x\n' }]) });
      for (const kind of KINDS) {
        expect((await api('GET', urlOf('/v1/repos/r', kind, 'main'))).headers.get('cache-control')).toBe('private, max-age=5');
        expect((await api('GET', urlOf('/v1/repos/r', kind, c.json.sha))).headers.get('cache-control')).toBe(`private, ${IMMUTABLE}`);
      }
    } finally {
      await gw.stop();
    }
  });
});
