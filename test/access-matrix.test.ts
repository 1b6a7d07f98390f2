// Every route of /v1, taken from the route table itself (src/http/v1/routes.ts: a new row is in
// this matrix without a word here, or it fails for want of a sample request), and git smart
// HTTP, × every kind of caller: none, another org's master key, a read token for another repo,
// a read token, a write token, an expired token, a revoked token, a made-up credential, the
// master key. Each answer is
// exactly what the row's `auth` and `access` allow that caller, and no private byte (the private
// repos' file content, description and commit id) reaches a caller that may not read them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../storage/index.js';
import { ManualClock } from '../src/core/clock.js';
import { createToken } from '../src/services/credentials.js';
import { v1Table, type TableRow } from '../src/http/v1/routes.js';
import { git, repoUrl, tempDir, removeTempDirs } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { basicAuth, emptyPack, infoRefs, receivePack, ZERO_OID } from './helpers/raw-git.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

const MARK = `PRIVATE-BYTES-${Math.random().toString(36).slice(2)}`;
const DESC = `PRIVATE-DESC-${Math.random().toString(36).slice(2)}`;

type Cred = 'master' | 'write' | 'read' | 'readOther' | 'rival' | 'none' | 'expired' | 'revoked' | 'bogus';
const CREDS: Cred[] = ['master', 'write', 'read', 'readOther', 'rival', 'none', 'expired', 'revoked', 'bogus'];
/** who may read the private repos of acme (and so see their bytes) */
const READERS = new Set<Cred>(['master', 'write', 'read']);

let gw: Gitwell;
let master: Api;
const secret: Record<Cred, string | null> = { master: '', write: '', read: '', readOther: '', rival: '', none: null, expired: '', revoked: '', bogus: `gwt_0123456789abcdef_${'A'.repeat(43)}` };
const sha: Record<string, string> = {};
let victimToken = '';
let victimKey = '';
let n = 0;

beforeAll(async () => {
  const high = '1000000';
  gw = await startGitwell({
    env: {
      GITWELL_RATE_LIMIT_PER_MINUTE: high, GITWELL_RATE_LIMIT_PER_HOUR: high, GITWELL_ANON_RATE_LIMIT_PER_MINUTE: high, GITWELL_ANON_RATE_LIMIT_PER_HOUR: high,
      // a watch stream ends with its window: each sample's answer is whole in a fifth of a second
      GITWELL_WATCH_WINDOW_SECONDS: '0.2',
    },
  });
  secret.master = await gw.createKey('acme');
  secret.rival = await gw.createKey('rival');
  master = apiClient(gw, secret.master);
  const repos: Array<[string | null, string, 'private' | 'public']> = [
    [null, 'secret', 'private'],
    ['team', 'secret', 'private'],
    [null, 'victim', 'private'],
    ['team', 'victim', 'private'],
    ['team', 'other', 'private'],
    [null, 'pub', 'public'],
    ['team', 'pub', 'public'],
  ];
  for (const [namespace, slug, visibility] of repos) {
    // team/other is the repo the read-other token may read: its bytes are not the marked ones
    const priv = visibility === 'private' && slug !== 'other';
    const c = await master('POST', '/v1/repos', { body: { slug, namespace, visibility, description: priv ? DESC : 'public' } });
    expect(c.status, c.text).toBe(201);
    const path = namespace ? `${namespace}/${slug}` : slug;
    const commit = await master('POST', `/v1/repos/${path}/commits`, { body: commitBody('main', [{ path: 'f.txt', content: priv ? `${MARK}\n` : 'public\n' }]) });
    expect(commit.status, commit.text).toBe(201);
    sha[path] = commit.json.sha;
    // the snapshot the restore sample moves main back to (where it is)
    expect((await master('POST', `/v1/repos/${path}/snapshots`, { body: { name: 'keep' } })).status).toBe(201);
  }
  const token = async (name: string, scopes: unknown) => {
    const r = await master('POST', '/v1/tokens', { body: { name, scopes, expires_in: 3600 } });
    expect(r.status, r.text).toBe(201);
    return r.json as { id: string; token: string };
  };
  secret.write = (await token('write', { 'repos:*': ['write'] })).token;
  secret.read = (await token('read', { 'repos:secret': ['read'], 'repos:team/secret': ['read'], 'repos:victim': ['read'], 'repos:team/victim': ['read'] })).token;
  secret.readOther = (await token('read-other', { 'repos:team/other': ['read'] })).token;
  const revoked = await token('revoked', { 'repos:*': ['admin'] });
  expect((await master('DELETE', `/v1/tokens/${revoked.id}`)).status).toBe(200);
  secret.revoked = revoked.token;
  victimToken = (await token('victim', ['repo'])).id;
  const k = await gw.cli(['key', 'create', '--org', 'acme', '--name', 'victim', '--json']);
  victimKey = JSON.parse(k.stdout).id;
  // an expired token: made an hour and a minute ago by the same service, through the same
  // store the server runs on (LMDB takes a second process), with a clock set back
  const store = openStore(gw.dataDir);
  try {
    const past = new ManualClock(Date.now() - 3660_000);
    secret.expired = createToken(store, 'acme', { name: 'expired', scopes: { 'repos:*': ['admin'] }, expiresIn: 3600 }, { keyId: null }, past).token;
  } finally {
    store.close();
  }
});

afterAll(async () => {
  await gw?.stop();
  removeTempDirs();
});

const PREFIXES = ['/v1/orgs/:org/repos/:namespace/:slug', '/v1/orgs/:org/repos/:slug', '/v1/repos/:namespace/:slug', '/v1/repos/:slug'];

interface Sample {
  /** the path after the repo part, params filled in (or the whole path of a top route) */
  path: (target: string) => string;
  body?: () => unknown;
  /** the status an allowed caller gets */
  ok: number;
}

/**
 * One request per row that an allowed caller can make without taking the fixture apart: writes
 * create new names; deletes aim at what is refused after authorization (the default branch) or
 * at a victim. A new route needs a line here, or this test fails naming it.
 */
const SAMPLES: Record<string, Sample> = {
  'GET /v1/openapi.json': { path: () => '/v1/openapi.json', ok: 200 },
  'POST /v1/repos': { path: () => '/v1/repos', body: () => ({ slug: `mx-${n++}` }), ok: 201 },
  'GET /v1/repos': { path: () => '/v1/repos', ok: 200 },
  'GET /v1/orgs/:org/repos': { path: () => '/v1/orgs/acme/repos', ok: 200 },
  'POST /v1/tokens': { path: () => '/v1/tokens', body: () => ({ name: `t-${n++}`, scopes: ['repo'], expires_in: 3600 }), ok: 201 },
  'GET /v1/tokens': { path: () => '/v1/tokens', ok: 200 },
  'DELETE /v1/tokens/:id': { path: () => `/v1/tokens/${victimToken}`, ok: 200 },
  'GET /v1/keys': { path: () => '/v1/keys', ok: 200 },
  'GET /v1/keys/:id': { path: () => `/v1/keys/${victimKey}`, ok: 200 },
  'DELETE /v1/keys/:id': { path: () => `/v1/keys/${victimKey}`, ok: 200 },
  'GET /v1/usage': { path: () => '/v1/usage', ok: 200 },
  'GET /v1/audit-log': { path: () => '/v1/audit-log', ok: 200 },

  'GET /raw/:ref/*path': { path: () => '/raw/main/f.txt', ok: 200 },
  'GET /blob/:ref/*path': { path: () => '/blob/main/f.txt', ok: 200 },
  'GET /tree/:ref/*path': { path: () => '/tree/main/', ok: 200 },
  'GET /tree': { path: () => '/tree', ok: 200 },
  'GET ': { path: () => '', ok: 200 },
  'PATCH ': { path: () => '', body: () => ({ description: DESC }), ok: 200 },
  'DELETE ': { path: () => '', ok: 200 },
  'GET /branches': { path: () => '/branches', ok: 200 },
  'POST /branches': { path: () => '/branches', body: () => ({ name: `b-${n++}`, from: 'main' }), ok: 201 },
  'GET /branches/*name': { path: () => '/branches/main', ok: 200 },
  // the default branch: refused after authorization, by the rule every door shares (400, as Coregit answers it)
  'DELETE /branches/*name': { path: () => '/branches/main', ok: 400 },
  'GET /refs': { path: () => '/refs', ok: 200 },
  'GET /refs/*ref': { path: () => '/refs/heads/main', ok: 200 },
  'PUT /refs/*ref': { path: () => `/refs/heads/p-${n++}`, body: () => ({ sha: '' }), ok: 200 },
  'DELETE /refs/*ref': { path: () => '/refs/heads/main', ok: 400 },
  'POST /blobs/batch': { path: () => '/blobs/batch', body: () => ({ paths: ['f.txt'] }), ok: 200 },
  'GET /commits': { path: () => '/commits', ok: 200 },
  'POST /commits': { path: () => '/commits', body: () => commitBody(`c-${n++}`, [{ path: 'g.txt', content: 'x\n' }]), ok: 201 },
  'GET /commits/:sha': { path: (t) => `/commits/${sha[t]}`, ok: 200 },
  'GET /diff': { path: () => '/diff?base=main&head=main', ok: 200 },
  'GET /compare': { path: () => '/compare?base=main&head=main', ok: 200 },
  // the merge engine's routes (issue 11): main into main is up to date, an empty range picks nothing
  'POST /branches/*name/merge': { path: () => '/branches/main/merge', body: () => ({ source: 'main' }), ok: 200 },
  'POST /cherry-pick': { path: () => '/cherry-pick', body: () => ({ base: 'main', head: 'main', onto: 'main' }), ok: 200 },
  // Coregit's (issue 14): a fork to a new name (a token needs write on the source and on that name)
  'POST /fork': { path: () => '/fork', body: () => ({ slug: `fk-${n++}` }), ok: 201 },
  'POST /snapshots': { path: () => '/snapshots', body: () => ({ name: `s-${n++}` }), ok: 201 },
  'GET /snapshots': { path: () => '/snapshots', ok: 200 },
  'GET /snapshots/:name': { path: () => '/snapshots/keep', ok: 200 },
  // a snapshot that does not exist: refused after authorization
  'DELETE /snapshots/:name': { path: () => '/snapshots/never-taken', ok: 404 },
  // main is where `keep` was taken: the compare-and-swap moves it to where it is
  'POST /snapshots/:name/restore': { path: () => '/snapshots/keep/restore', body: () => ({}), ok: 200 },
  'GET /watch': { path: () => '/watch', ok: 200 },
  'POST /prefetch': { path: () => '/prefetch', body: () => ({ globs: ['**'] }), ok: 200 },
};

interface Case {
  row: TableRow;
  key: string;
  /** the repo the request names ("team/secret"), for repo routes */
  target: string | null;
  url: string;
  /** a new body for each request (names it creates are new each time) */
  body?: () => unknown;
  ok: number;
  /** the repo it names is private */
  private: boolean;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const row of v1Table) {
    const prefix = PREFIXES.find((p) => row.fullPath.startsWith(p) && (row.fullPath === p || row.fullPath[p.length] === '/'));
    const key = prefix ? `${row.method} ${row.fullPath.slice(prefix.length)}` : `${row.method} ${row.fullPath}`;
    const sample = SAMPLES[key];
    if (!sample) throw new Error(`no sample request for ${row.method} ${row.fullPath} (${key}): add one to SAMPLES`);
    if (!prefix) {
      out.push({ row, key, target: null, url: sample.path(''), body: sample.body, ok: sample.ok, private: false });
      continue;
    }
    const namespaced = prefix.includes(':namespace');
    const publicRoute = prefix.startsWith('/v1/orgs/');
    // a delete of the repo aims at a victim; public routes are asked for a public and a private repo
    const slugs = row.method === 'DELETE' && key === 'DELETE ' ? ['victim'] : publicRoute ? ['pub', 'secret'] : ['secret'];
    for (const slug of slugs) {
      const target = namespaced ? `team/${slug}` : slug;
      const base = publicRoute ? `/v1/orgs/acme/repos/${target}` : `/v1/repos/${target}`;
      const body = key === 'PUT /refs/*ref' ? () => ({ sha: sha[target] }) : sample.body;
      out.push({ row, key, target, url: base + sample.path(target), body, ok: sample.ok, private: slug !== 'pub' });
    }
  }
  return out;
}

/** What the row lets this caller get: the sample's status when allowed, else the refusal. */
function expected(c: Case, cred: Cred): number {
  // a credential that is not valid is 401 on every route, the public ones too
  if (cred === 'expired' || cred === 'revoked' || cred === 'bogus') return 401;
  const { auth, access } = c.row;
  if (auth === 'none') {
    if (c.target === null) return c.ok;
    return c.private ? 404 : c.ok;
  }
  if (cred === 'none') return 401;
  if (auth === 'master') {
    if (cred !== 'master' && cred !== 'rival') return 403;
    // another org's master key sees its own org: acme's token and key ids are not found
    if (cred === 'rival' && c.row.fullPath.endsWith('/:id')) return 404;
    return c.ok;
  }
  if (c.target === null) {
    // POST /v1/repos needs write on the new name; GET /v1/repos lists what the caller may read
    if (c.row.method === 'POST') return cred === 'read' || cred === 'readOther' ? 403 : c.ok;
    return c.ok;
  }
  if (access === undefined) throw new Error(`${c.row.method} ${c.row.fullPath} is a repo route without \`access\` in the table`);
  if (cred === 'rival') return 404;
  if (cred === 'master') return c.ok;
  if (cred === 'readOther') return 403;
  const level = { read: 1, write: 2, admin: 3 }[access];
  const has = cred === 'read' ? 1 : 2;
  return has >= level ? c.ok : 403;
}

function headersFor(cred: Cred): Record<string, string> {
  const s = secret[cred];
  return s === null ? {} : { 'x-api-key': s };
}

describe('the /v1 route table × every caller', () => {
  it('every row answers each caller exactly as its auth and access say, with no private byte to those who may not read', async () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(80);
    const wrong: string[] = [];
    const leaks: string[] = [];
    for (const c of all) {
      // the master key goes first (it warms the hot read path the others then pass through), except
      // when it deletes the victim: then last, after every refusal was seen
      const order = c.key === 'DELETE ' || c.row.fullPath.startsWith('/v1/keys/') || c.row.fullPath.startsWith('/v1/tokens/') ? [...CREDS.slice(1), 'master' as Cred] : CREDS;
      for (const cred of order) {
        const body = c.body === undefined ? undefined : JSON.stringify(c.body());
        const res = await fetch(gw.url + c.url, { method: c.row.method, headers: { ...headersFor(cred), ...(body ? { 'content-type': 'application/json' } : {}) }, body });
        const text = await res.text();
        const want = expected(c, cred);
        if (res.status !== want) wrong.push(`${cred} ${c.row.method} ${c.url}: ${res.status}, expected ${want}: ${text.slice(0, 160)}`);
        if (!READERS.has(cred) && (text.includes(MARK) || text.includes(DESC) || (c.target && c.private && sha[c.target] && text.includes(sha[c.target])))) {
          leaks.push(`${cred} ${c.row.method} ${c.url}: ${res.status} carries private bytes`);
        }
        if (res.status === 403) expect(JSON.parse(text).details?.missing_scope, `${cred} ${c.url}`).toBeTruthy();
        // every answer carries the limits, whatever it is
        if (!res.headers.get('x-ratelimit-limit')) wrong.push(`${cred} ${c.row.method} ${c.url}: no X-RateLimit-Limit`);
      }
    }
    expect(leaks).toEqual([]);
    expect(wrong).toEqual([]);
  });

  it('a token lists only the repos it may read (public ones too)', async () => {
    const list = async (cred: Cred) => {
      const r = await fetch(`${gw.url}/v1/repos?limit=100`, { headers: headersFor(cred) });
      return ((await r.json()) as { repos: Array<{ namespace: string | null; slug: string }> }).repos.map((x) => (x.namespace ? `${x.namespace}/${x.slug}` : x.slug)).sort();
    };
    expect(await list('readOther')).toEqual(['pub', 'team/other', 'team/pub']);
    expect(await list('read')).toEqual(['pub', 'secret', 'team/pub', 'team/secret']);
    expect(await list('master')).toEqual(expect.arrayContaining(['pub', 'secret', 'team/other', 'team/pub', 'team/secret']));
  });
});

describe('git smart HTTP × every caller', () => {
  const ops = [
    { name: 'info/refs upload-pack', access: 'read' },
    { name: 'POST upload-pack', access: 'read' },
    { name: 'info/refs receive-pack', access: 'write' },
    { name: 'POST receive-pack', access: 'write' },
  ] as const;

  function expectGit(cred: Cred, access: 'read' | 'write'): number {
    if (cred === 'none' || cred === 'expired' || cred === 'revoked' || cred === 'bogus') return 401;
    if (cred === 'rival') return 404;
    if (cred === 'readOther') return 403;
    if (cred === 'read') return access === 'read' ? 200 : 403;
    return 200;
  }

  async function request(op: (typeof ops)[number]['name'], full: string, cred: Cred): Promise<{ status: number; body: Buffer; headers: Headers }> {
    const s = secret[cred] ?? undefined;
    if (op === 'info/refs upload-pack') return infoRefs(gw.url, full, 'git-upload-pack', { key: s });
    if (op === 'info/refs receive-pack') return infoRefs(gw.url, full, 'git-receive-pack', { key: s });
    if (op === 'POST upload-pack') {
      const res = await fetch(`${gw.url}/${full}.git/git-upload-pack`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-git-upload-pack-request', 'git-protocol': 'version=2', ...(s ? { authorization: basicAuth(s) } : {}) },
        body: '0014command=ls-refs\n0000',
      });
      return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
    }
    const r = await receivePack(gw.url, full, s, [{ old: ZERO_OID, new: sha[full.split('/').slice(1).join('/')], ref: `refs/heads/g-${n++}` }], emptyPack());
    return { status: r.status, headers: r.headers, body: r.body };
  }

  it('each operation answers each caller as its scopes say; no ref of a private repo reaches the others', async () => {
    const wrong: string[] = [];
    for (const full of ['acme/secret', 'acme/team/secret']) {
      const commit = sha[full.slice(5)];
      for (const op of ops) {
        for (const cred of CREDS) {
          const r = await request(op.name, full, cred);
          const want = expectGit(cred, op.access);
          if (r.status !== want) wrong.push(`${cred} ${op.name} ${full}: ${r.status}, expected ${want}: ${r.body.toString('latin1', 0, 120)}`);
          if (!READERS.has(cred) && r.body.toString('latin1').includes(commit)) wrong.push(`${cred} ${op.name} ${full}: the private commit id leaked`);
          if (r.status === 401 && !/^Basic/.test(r.headers.get('www-authenticate') ?? '')) wrong.push(`${cred} ${op.name}: 401 without WWW-Authenticate`);
          if (!r.headers.get('x-ratelimit-limit')) wrong.push(`${cred} ${op.name}: no X-RateLimit-Limit`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the stock client: a read token clones and cannot push, a write token pushes', async () => {
    const dir = `${tempDir()}/clone`;
    const c = await git(['clone', '-q', repoUrl(gw.url, 'acme/team/secret', secret.read!), dir]);
    expect(c.code, c.stderr).toBe(0);
    const readPush = await git(['push', '-q', repoUrl(gw.url, 'acme/team/secret', secret.read!), 'HEAD:refs/heads/from-read'], { cwd: dir });
    expect(readPush.code).not.toBe(0);
    expect(readPush.stderr).toMatch(/403/);
    const writePush = await git(['push', '-q', repoUrl(gw.url, 'acme/team/secret', secret.write!), 'HEAD:refs/heads/from-write'], { cwd: dir });
    expect(writePush.code, writePush.stderr).toBe(0);
    const other = await git(['clone', '-q', repoUrl(gw.url, 'acme/team/secret', secret.readOther!), `${dir}-2`]);
    expect(other.code).not.toBe(0);
  });
});

describe('the OpenAPI document', () => {
  it('comes from the same table: every row is in it, with what it needs of its caller', async () => {
    const doc = (await (await fetch(`${gw.url}/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { description?: string; security?: unknown[]; responses: Record<string, unknown> }>> };
    for (const row of v1Table) {
      const op = doc.paths[row.fullPath.replace(/[:*](\w+)/g, '{$1}')]?.[row.method.toLowerCase()];
      expect(op, `${row.method} ${row.fullPath}`).toBeDefined();
      if (row.auth === 'master') expect(op!.description).toMatch(/master key/);
      if (row.auth === 'key' && row.access) expect(op!.description).toContain(`["${row.access}"]`);
      if (row.auth === 'none') expect(op!.security).toEqual([]);
      expect(op!.responses['403']).toBeDefined();
    }
  });
});
