// REST /v1 trees and files over the interop fixture (pushed with git): tree listings equal
// `git ls-tree`, blobs equal `git cat-file`; refs with slashes (longest existing ref wins), tags
// (annotated, of a tree, of a blob), shas; unicode and space paths; ETag/304 and Cache-Control;
// Range/206/416; blobs/batch; the recursive cap; public routes. Listings as Coregit's
// routes/files.ts gives them: folders first, then by name; modes as git writes them ("40000");
// a submodule is a "file".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitBytes, gitOk, makeFixture, type Fixture } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { pushFixture } from './helpers/interop.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let fx: Fixture;
let gw: Gitwell;
let api: Api;
let anon: Api;
const R = '/v1/repos/fx';

const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');

beforeAll(async () => {
  fx = await makeFixture();
  gw = await startGitwell();
  const seeded = await pushFixture(gw, fx, 'acme/fx');
  api = apiClient(gw, seeded.key);
  anon = apiClient(gw, null);
});
afterAll(async () => {
  await gw?.stop();
});

/** `git ls-tree` of `rev` as API items. */
async function lsTree(rev: string, opts: string[] = []) {
  const out = await gitOk(['ls-tree', '-z', ...opts, rev], { cwd: fx.dir });
  return out
    .split('\0')
    .filter(Boolean)
    .map((l) => {
      const [meta, path] = l.split('\t');
      const [mode, type, sha] = meta.split(' ');
      return { path, mode: mode === '040000' ? '40000' : mode, sha, type: type === 'tree' ? 'folder' : 'file' };
    });
}

/** Coregit's order of tree items (routes/files.ts): folders first, then by name (localeCompare). */
function coregitOrder<T extends { path: string; type: string }>(items: T[]): T[] {
  const name = (i: T) => i.path.slice(i.path.lastIndexOf('/') + 1);
  return [...items].sort((a, b) => (a.type !== b.type && (a.type === 'folder' || b.type === 'folder') ? (a.type === 'folder' ? -1 : 1) : name(a).localeCompare(name(b))));
}

const gitBlob = async (spec: string) => (await gitBytes(['cat-file', 'blob', spec], { cwd: fx.dir })).stdout;

describe('GET tree', () => {
  it('the root of main is git ls-tree main', async () => {
    const r = await api('GET', `${R}/tree/main`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ path: '', ref: 'main', truncated: false });
    expect(r.json.sha).toBe(await gitOk(['rev-parse', 'main^{tree}'], { cwd: fx.dir }));
    expect(r.json.commit_sha).toBe(await gitOk(['rev-parse', 'main'], { cwd: fx.dir }));
    const want = coregitOrder(await lsTree('main'));
    expect(r.json.items.map((i: { path: string; mode: string; sha: string; type: string }) => ({ path: i.path, mode: i.mode, sha: i.sha, type: i.type }))).toEqual(want);
    expect(r.json.items.find((i: { name: string }) => i.name === 'vendor')).toMatchObject({ type: 'folder', mode: '40000' });
    // the default branch without a ref
    expect((await api('GET', `${R}/tree`)).json.sha).toBe(r.json.sha);
  });

  // changed with Coregit (routes/files.ts): the recursive list is sorted as a listing is
  // (folders first, then by name), not left in git's order
  it('recursive=true holds what git ls-tree -r -t holds, in Coregit\'s order', async () => {
    const r = await api('GET', `${R}/tree/main?recursive=true`);
    const want = coregitOrder(await lsTree('main', ['-r', '-t']));
    expect(r.json.items.map((i: { path: string; sha: string; mode: string }) => `${i.mode} ${i.sha} ${i.path}`)).toEqual(want.map((i) => `${i.mode} ${i.sha} ${i.path}`));
    expect(r.json.items.find((i: { path: string }) => i.path === 'vendor/lib')).toMatchObject({ type: 'file', mode: '160000', name: 'lib' });
    expect(r.json.truncated).toBe(false);
    // a subdirectory, recursive, has paths from the root
    const docs = await api('GET', `${R}/tree/main/docs?recursive=1`);
    expect(docs.json.path).toBe('docs');
    expect(docs.json.items.map((i: { path: string }) => i.path)).toEqual(coregitOrder((await lsTree('main:docs', ['-r', '-t'])).map((i) => ({ ...i, path: `docs/${i.path}` }))).map((i) => i.path));
  });

  it('refs with slashes, tags and shas', async () => {
    const feature = await api('GET', `${R}/tree/feature/x/docs`);
    expect(feature.json.ref).toBe('feature/x');
    expect(feature.json.items.map((i: { name: string }) => i.name)).toContain('feature.md');
    const wip = await api('GET', `${R}/tree/users/alice/wip/docs`);
    expect(wip.json).toMatchObject({ ref: 'users/alice/wip', path: 'docs' });
    expect(wip.json.sha).toBe(await gitOk(['rev-parse', 'users/alice/wip:docs'], { cwd: fx.dir }));
    // an encoded slash in the ref segment works too
    expect((await api('GET', `${R}/tree/feature%2Fx/docs`)).json.sha).toBe(feature.json.sha);

    const v1 = await api('GET', `${R}/tree/v1.0`);
    expect(v1.json.commit_sha).toBe(await gitOk(['rev-parse', 'v1.0^{commit}'], { cwd: fx.dir }));
    expect((await api('GET', `${R}/tree/v1.0-meta`)).json.sha).toBe(v1.json.sha); // a tag of a tag
    const treeTag = await api('GET', `${R}/tree/tree-tag`);
    expect(treeTag.json.sha).toBe(await gitOk(['rev-parse', 'main~2^{tree}'], { cwd: fx.dir }));
    expect(treeTag.json.commit_sha).toBeNull();
    expect((await api('GET', `${R}/tree/blob-tag`)).status).toBe(422);

    const sha = await gitOk(['rev-parse', 'v0.1'], { cwd: fx.dir });
    const bySha = await api('GET', `${R}/tree/${sha}`);
    expect(bySha.json).toMatchObject({ ref: sha, commit_sha: sha });
    expect(bySha.headers.get('cache-control')).toBe('private, max-age=31536000, immutable');
    expect((await api('GET', `${R}/tree/${sha.toUpperCase()}`)).json.commit_sha).toBe(sha);
  });

  it('the longest existing ref prefix wins', async () => {
    const mainSha = await gitOk(['rev-parse', 'main'], { cwd: fx.dir });
    expect((await api('POST', `${R}/branches`, { body: { name: 'users', from_sha: mainSha } })).status).toBe(201);
    expect((await api('POST', `${R}/branches`, { body: { name: 'users/alice', from_sha: mainSha } })).status).toBe(201);
    try {
      const notes = await api('GET', `${R}/raw/users/alice/wip/docs/${enc('wip notes.md')}`);
      expect(notes.text).toBe('wip\nmore wip\n');
      const readme = await api('GET', `${R}/blob/users/alice/README.md`);
      expect(readme.json.path).toBe('README.md');
      const viaUsers = await api('GET', `${R}/tree/users/docs`);
      expect(viaUsers.json).toMatchObject({ ref: 'users', path: 'docs' });
    } finally {
      await api('DELETE', `${R}/branches/users`);
      await api('DELETE', `${R}/branches/users/alice`);
    }
  });

  it('errors: unknown ref, missing path, a file, a bad query', async () => {
    expect((await api('GET', `${R}/tree/nope`)).json.code).toBe('NOT_FOUND');
    expect((await api('GET', `${R}/tree/main/no/such/dir`)).status).toBe(404);
    // Coregit: a path that is no directory is "Path not found" (was 422)
    expect((await api('GET', `${R}/tree/main/README.md`)).status).toBe(404);
    expect((await api('GET', `${R}/tree/main/a//b`)).status).toBe(400);
    expect((await api('GET', `${R}/tree/${'a'.repeat(40)}`)).status).toBe(404);
    const bad = await api('GET', `${R}/tree/main?recursive=maybe`);
    expect(bad.status).toBe(400);
    expect(bad.json.details.field).toBe('recursive');
  });
});

describe('GET blob and raw', () => {
  it('text as utf-8, binary as base64, equal to git cat-file; unicode and spaces in paths', async () => {
    for (const p of ['README.md', 'docs/with space.md', 'docs/héllo wörld.md', 'docs/日本語 ファイル.txt', 'src/main.c', 'assets/logo.bin', 'link-to-readme', 'scripts/run.sh']) {
      const want = await gitBlob(`main:${p}`);
      const r = await api('GET', `${R}/blob/main/${enc(p)}`);
      expect(r.status, p).toBe(200);
      expect(r.json.path).toBe(p);
      expect(r.json.size).toBe(want.length);
      expect(r.json.sha).toBe(await gitOk(['rev-parse', `main:${p}`], { cwd: fx.dir }));
      const got = Buffer.from(r.json.content, r.json.encoding === 'base64' ? 'base64' : 'utf8');
      expect(got.equals(want), p).toBe(true);
      expect(r.json.encoding).toBe(p.endsWith('.bin') ? 'base64' : 'utf-8');
      const raw = await api('GET', `${R}/raw/main/${enc(p)}`);
      expect(raw.bytes.equals(want), p).toBe(true);
    }
  });

  it('raw: content types that never render a repo as HTML', async () => {
    const md = await api('GET', `${R}/raw/main/README.md`);
    expect(md.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(md.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await api('GET', `${R}/raw/main/assets/data.bin`)).headers.get('content-type')).toBe('application/octet-stream');
  });

  it('the 4 MB file, by branch and by tag', async () => {
    const want = await gitBlob('main:big/large.txt');
    expect((await api('GET', `${R}/raw/main/big/large.txt`)).bytes.equals(want)).toBe(true);
    const atTag = await api('GET', `${R}/raw/v1.0.1/big/large.txt`);
    expect(atTag.bytes.equals(await gitBlob('v1.0.1:big/large.txt'))).toBe(true);
  });

  // changed with Coregit (routes/files.ts): a directory or a submodule is "File not found" (404,
  // was 422), no path at all is 400
  it('errors: missing, a directory or a submodule 404; no path 400', async () => {
    expect((await api('GET', `${R}/blob/main/nope.txt`)).status).toBe(404);
    expect((await api('GET', `${R}/raw/main/src`)).status).toBe(404);
    expect((await api('GET', `${R}/blob/main/vendor/lib`)).status).toBe(404);
    expect((await api('GET', `${R}/raw/main`)).status).toBe(400);
    expect((await api('GET', `${R}/raw/nope/README.md`)).status).toBe(404);
  });

  it('ETag and If-None-Match: 304 with no body; Cache-Control private for a private repo', async () => {
    const sha = await gitOk(['rev-parse', 'main:README.md'], { cwd: fx.dir });
    for (const kind of ['raw', 'blob']) {
      const r = await api('GET', `${R}/${kind}/main/README.md`);
      expect(r.headers.get('etag')).toBe(`"${sha}"`);
      expect(r.headers.get('cache-control')).toBe('private, max-age=60');
      expect(r.headers.get('accept-ranges')).toBe('bytes');
      for (const inm of [`"${sha}"`, `W/"${sha}"`, `"nope", "${sha}"`, '*']) {
        const c = await api('GET', `${R}/${kind}/main/README.md`, { headers: { 'if-none-match': inm } });
        expect(c.status, `${kind} ${inm}`).toBe(304);
        expect(c.bytes.length).toBe(0);
        expect(c.headers.get('etag')).toBe(`"${sha}"`);
      }
      expect((await api('GET', `${R}/${kind}/main/README.md`, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
    }
    const tree = await api('GET', `${R}/tree/main/src`);
    expect(tree.headers.get('etag')).toBe(`"${tree.json.sha}"`);
    expect(tree.headers.get('cache-control')).toBe('private, max-age=60');
    expect((await api('GET', `${R}/tree/main/src`, { headers: { 'if-none-match': `"${tree.json.sha}"` } })).status).toBe(304);
  });

  // changed with Coregit (routes/files.ts): other forms are 416 (they were ignored), and a
  // range of a text file comes as utf-8 in blob's JSON (it was base64)
  it('Range: 206 with Content-Range, suffix and open ranges, 416 past the end and for other forms', async () => {
    const want = await gitBlob('main:assets/data.bin');
    const size = want.length;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-9', 0, 9],
      ['bytes=100-', 100, size - 1],
      ['bytes=-16', size - 16, size - 1],
      [`bytes=10-${size + 1000}`, 10, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const r = await api('GET', `${R}/raw/main/assets/data.bin`, { headers: { range } });
      expect(r.status, range).toBe(206);
      expect(r.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`);
      expect(r.bytes.equals(want.subarray(start, end + 1)), range).toBe(true);
    }
    const past = await api('GET', `${R}/raw/main/assets/data.bin`, { headers: { range: `bytes=${size}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`);
    for (const bad of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-3']) {
      const r = await api('GET', `${R}/raw/main/assets/data.bin`, { headers: { range: bad } });
      expect(r.status, bad).toBe(416);
      expect(r.headers.get('content-range')).toBe(`bytes */${size}`);
    }
    const blob = await api('GET', `${R}/blob/main/README.md`, { headers: { range: 'bytes=2-8' } });
    expect(blob.status).toBe(206);
    expect(blob.headers.get('vary')).toBe('Range');
    const readme = await gitBlob('main:README.md');
    expect(blob.json).toMatchObject({ encoding: 'utf-8', size: readme.length, range: { start: 2, end: 8, length: 7 } });
    expect(blob.json.content).toBe(readme.subarray(2, 9).toString('utf8'));
    expect((await api('GET', `${R}/blob/main/README.md`, { headers: { range: 'bytes=99999-' } })).status).toBe(416);
  });

  it('many concurrent reads of different files each get their own bytes', async () => {
    const paths = ['README.md', 'src/main.c', 'assets/logo.bin', 'docs/with space.md', 'scripts/run.sh', 'src/utils.c'];
    const want = await Promise.all(paths.map((p) => gitBlob(`main:${p}`)));
    const replies = await Promise.all(Array.from({ length: 240 }, (_, i) => api('GET', `${R}/raw/main/${enc(paths[i % paths.length])}`)));
    replies.forEach((r, i) => expect(r.bytes.equals(want[i % paths.length]), paths[i % paths.length]).toBe(true));
  });
});

describe('POST blobs/batch', () => {
  it('returns the files it finds and names the ones it does not', async () => {
    const r = await api('POST', `${R}/blobs/batch`, { body: { ref: 'feature/x', paths: ['README.md', 'docs/feature.md', 'nope.txt', 'src', 'assets/logo.bin', 'vendor/lib'] } });
    expect(r.status).toBe(200);
    expect(r.json.ref).toBe('feature/x');
    expect(r.json.commit_sha).toBe(await gitOk(['rev-parse', 'feature/x'], { cwd: fx.dir }));
    expect(r.json.blobs.map((b: { path: string }) => b.path)).toEqual(['README.md', 'docs/feature.md', 'assets/logo.bin']);
    expect(r.json.missing).toEqual(['nope.txt', 'src', 'vendor/lib']);
    const logo = r.json.blobs[2];
    expect(logo.encoding).toBe('base64');
    expect(Buffer.from(logo.content, 'base64').equals(await gitBlob('feature/x:assets/logo.bin'))).toBe(true);
    expect(r.json.blobs[1].content).toBe((await gitBlob('feature/x:docs/feature.md')).toString('utf8'));
    // the default branch when ref is left out
    expect((await api('POST', `${R}/blobs/batch`, { body: { paths: ['README.md'] } })).json.ref).toBe('main');
  });

  it('validates paths (1 to 100) and the ref', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `f${i}`);
    expect((await api('POST', `${R}/blobs/batch`, { body: { paths: many } })).json.details.field).toBe('paths');
    expect((await api('POST', `${R}/blobs/batch`, { body: { paths: [] } })).json.details.field).toBe('paths');
    expect((await api('POST', `${R}/blobs/batch`, { body: { ref: 'nope', paths: ['a'] } })).status).toBe(404);
  });
});

describe('public routes and visibility', () => {
  it('private: 404 without a key on the org routes; public: served, with public caching', async () => {
    expect((await anon('GET', '/v1/orgs/acme/repos/fx/raw/main/README.md')).status).toBe(404);
    expect((await anon('GET', `${R}/raw/main/README.md`)).status).toBe(401);
    await api('PATCH', R, { body: { visibility: 'public' } });
    try {
      const r = await anon('GET', '/v1/orgs/acme/repos/fx/raw/main/README.md');
      expect(r.status).toBe(200);
      expect(r.headers.get('cache-control')).toBe('public, max-age=60');
      const main = await gitOk(['rev-parse', 'main'], { cwd: fx.dir });
      expect((await anon('GET', `/v1/orgs/acme/repos/fx/raw/${main}/README.md`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect((await anon('GET', '/v1/orgs/acme/repos/fx/tree/feature/x')).headers.get('cache-control')).toBe('public, max-age=60');
      const commits = await anon('GET', '/v1/orgs/acme/repos/fx/commits?limit=2');
      expect(commits.json.commits).toHaveLength(2);
      expect((await anon('GET', '/v1/orgs/acme/repos/fx/refs')).json.tags.map((t: { name: string }) => t.name)).toContain('v1.0');
      // reads only: no writes on the public routes
      expect((await anon('POST', '/v1/orgs/acme/repos/fx/commits', { body: {} })).status).toBe(405);
    } finally {
      await api('PATCH', R, { body: { visibility: 'private' } });
    }
  });
});

describe('limits on reads', () => {
  let small: Gitwell;
  let sapi: Api;
  beforeAll(async () => {
    small = await startGitwell({ env: { GITWELL_TREE_RECURSIVE_LIMIT: '5', GITWELL_BLOB_MAX_BYTES: '64' } });
    sapi = apiClient(small, await small.createKey('lim'));
    await sapi('POST', '/v1/repos', { body: { slug: 'r' } });
    const changes = Array.from({ length: 4 }, (_, i) => ({ path: `d${i}/f.txt`, content: 'x'.repeat(i * 40) }));
    expect((await sapi('POST', '/v1/repos/r/commits', { body: commitBody('main', changes) })).status).toBe(201);
  });
  afterAll(async () => {
    await small?.stop();
  });

  it('a recursive listing stops at the cap and says truncated', async () => {
    const r = await sapi('GET', '/v1/repos/r/tree/main?recursive=true');
    expect(r.json.items).toHaveLength(5);
    expect(r.json.truncated).toBe(true);
    // the first five of the walk, in Coregit's order: folders first
    expect(r.json.items.map((i: { path: string }) => i.path)).toEqual(['d0', 'd1', 'd2', 'd0/f.txt', 'd1/f.txt']);
    expect((await sapi('GET', '/v1/repos/r/tree/main')).json.truncated).toBe(false);
  });

  // changed with Coregit (routes/files.ts): 400 with `size` (was 413); blobs/batch marks the
  // blob that does not fit `truncated` instead of failing
  it('a blob over the JSON cap is 400 with its size, but served with Range and from raw; batch truncates it', async () => {
    const r = await sapi('GET', '/v1/repos/r/blob/main/d2/f.txt');
    expect(r.status).toBe(400);
    expect(r.json.size).toBe(80);
    expect(r.json.details).toMatchObject({ limit: 'blob_max_bytes', max: 64, size: 80 });
    expect((await sapi('GET', '/v1/repos/r/blob/main/d2/f.txt', { headers: { range: 'bytes=0-9' } })).status).toBe(206);
    expect((await sapi('GET', '/v1/repos/r/raw/main/d2/f.txt')).bytes.length).toBe(80);
    const batch = await sapi('POST', '/v1/repos/r/blobs/batch', { body: { paths: ['d1/f.txt', 'd2/f.txt'] } });
    expect(batch.status).toBe(200);
    expect(batch.json.blobs).toMatchObject([
      { path: 'd1/f.txt', size: 40, content: 'x'.repeat(40) },
      { path: 'd2/f.txt', size: 80, content: '', truncated: true },
    ]);
  });
});
