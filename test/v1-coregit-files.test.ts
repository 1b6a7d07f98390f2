// Conformance with Coregit's code: tree, blob, raw. Each case names the file and line of
// coregit-inc/coregit-api it follows (src/routes/files.ts at 7c8b6e3) and runs against a real
// gitwell server. POST /blobs/batch follows the account of Coregit (no version of its
// source we could read has the route).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let api: Api;
let head: string;
const R = '/v1/repos/files';
const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 10, 255, 254, 0]);

beforeAll(async () => {
  gw = await startGitwell();
  api = apiClient(gw, await gw.createKey('acme'));
  await api('POST', '/v1/repos', { body: { slug: 'files' } });
  const r = await api('POST', `${R}/commits`, {
    body: {
      branch: 'main',
      message: 'files',
      author: { name: 'a', email: 'a@b' },
      changes: [
        { path: 'b.txt', content: 'bee\n' },
        { path: 'A.txt', content: 'ay\n' },
        { path: 'zdir/inner.txt', content: 'inner\n' },
        { path: 'adir/deep/x.md', content: 'x\n' },
        { path: 'logo.png', content: binary.toString('base64'), encoding: 'base64' },
        { path: 'unicode.txt', content: 'héllo wörld ✓\n' },
        { path: 'run.sh', content: '#!/bin/sh\n', mode: '100755' },
        { path: 'page.html', content: '<script>alert(1)</script>\n' },
      ],
    },
  });
  head = r.json.sha;
});
afterAll(async () => {
  await gw?.stop();
});

describe('GET /tree (routes/files.ts)', () => {
  it('routes/files.ts:253-265 {items: [{name, path, type, sha, mode}], path, ref, sha, truncated}; folders first, then by name; modes as git writes them', async () => {
    const r = await api('GET', `${R}/tree/main`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ path: '', ref: 'main', truncated: false });
    expect(r.json.items.map((i: { name: string }) => i.name)).toEqual(['adir', 'zdir', 'A.txt', 'b.txt', 'logo.png', 'page.html', 'run.sh', 'unicode.txt']);
    expect(r.json.items[0]).toEqual({ name: 'adir', path: 'adir', type: 'folder', sha: expect.stringMatching(/^[0-9a-f]{40}$/), mode: '40000' });
    expect(r.json.items.find((i: { name: string }) => i.name === 'run.sh').mode).toBe('100755');
    const sub = await api('GET', `${R}/tree/main/adir`);
    expect(sub.json).toMatchObject({ path: 'adir', items: [{ name: 'deep', path: 'adir/deep', type: 'folder' }] });
  });

  it('routes/files.ts:89,244-259 recursive=true: the whole subtree, sorted the same way (folders first, by name)', async () => {
    const r = await api('GET', `${R}/tree/main?recursive=true`);
    expect(r.json.items.map((i: { path: string }) => i.path)).toEqual([
      'adir', 'adir/deep', 'zdir', 'A.txt', 'b.txt', 'zdir/inner.txt', 'logo.png', 'page.html', 'run.sh', 'unicode.txt', 'adir/deep/x.md',
    ].sort((a, b) => {
      const folder = (p: string) => ['adir', 'adir/deep', 'zdir'].includes(p);
      const name = (p: string) => p.slice(p.lastIndexOf('/') + 1);
      return folder(a) !== folder(b) ? (folder(a) ? -1 : 1) : name(a).localeCompare(name(b));
    }));
    expect(r.json.truncated).toBe(false);
  });

  it('routes/files.ts:212,219,225 400 for a bad path, 404 for an unknown ref, 404 for a path that is no directory', async () => {
    expect((await api('GET', `${R}/tree/main/adir//deep`)).status).toBe(400);
    expect((await api('GET', `${R}/tree/main/adir%00x`)).status).toBe(400);
    expect((await api('GET', `${R}/tree/nope`)).status).toBe(404);
    expect((await api('GET', `${R}/tree/main/b.txt`)).status).toBe(404);
    expect((await api('GET', `${R}/tree/main/nope`)).status).toBe(404);
  });

  it('routes/files.ts:230-238 ETag is the tree sha and If-None-Match gives 304; a sha ref is immutable, a branch max-age=60', async () => {
    const r = await api('GET', `${R}/tree/main`);
    expect(r.headers.get('etag')).toBe(`"${r.json.sha}"`);
    expect(r.headers.get('cache-control')).toMatch(/max-age=60$/);
    expect((await api('GET', `${R}/tree/main`, { headers: { 'if-none-match': `"${r.json.sha}"` } })).status).toBe(304);
    expect((await api('GET', `${R}/tree/${head}`)).headers.get('cache-control')).toMatch(/max-age=31536000, immutable$/);
  });
});

describe('GET /blob (routes/files.ts)', () => {
  it('routes/files.ts:428-444 {content, encoding, path, sha, size}: text as utf-8, binary (a NUL in the first 8192 bytes) as base64; ETag, Accept-Ranges', async () => {
    const t = await api('GET', `${R}/blob/main/unicode.txt`);
    expect(t.json).toEqual({ content: 'héllo wörld ✓\n', encoding: 'utf-8', path: 'unicode.txt', sha: expect.any(String), size: Buffer.byteLength('héllo wörld ✓\n') });
    expect(t.headers.get('etag')).toBe(`"${t.json.sha}"`);
    expect(t.headers.get('accept-ranges')).toBe('bytes');
    const b = await api('GET', `${R}/blob/main/logo.png`);
    expect(b.json).toMatchObject({ encoding: 'base64', size: binary.length });
    expect(Buffer.from(b.json.content, 'base64').equals(binary)).toBe(true);
  });

  it('routes/files.ts:312,335,339 400 without a path; 404 for a file not there, a directory; If-None-Match 304', async () => {
    expect((await api('GET', `${R}/blob/main`)).status).toBe(400);
    expect((await api('GET', `${R}/blob/main/nope.txt`)).status).toBe(404);
    expect((await api('GET', `${R}/blob/main/adir`)).status).toBe(404);
    const sha = (await api('GET', `${R}/blob/main/b.txt`)).json.sha;
    expect((await api('GET', `${R}/blob/main/b.txt`, { headers: { 'if-none-match': `"${sha}"` } })).status).toBe(304);
  });

  it('routes/files.ts:366-410 Range: 206 {content, encoding, path, sha, size, range}, utf-8 for a text file; Content-Range, Vary; 416 malformed or past the end', async () => {
    const r = await api('GET', `${R}/blob/main/b.txt`, { headers: { range: 'bytes=1-2' } });
    expect(r.status).toBe(206);
    expect(r.json).toEqual({ content: 'ee', encoding: 'utf-8', path: 'b.txt', sha: expect.any(String), size: 4, range: { start: 1, end: 2, length: 2 } });
    expect(r.headers.get('content-range')).toBe('bytes 1-2/4');
    expect(r.headers.get('vary')).toBe('Range');
    const bin = await api('GET', `${R}/blob/main/logo.png`, { headers: { range: 'bytes=0-3' } });
    expect(bin.json).toMatchObject({ encoding: 'base64', content: binary.subarray(0, 4).toString('base64') });
    const malformed = await api('GET', `${R}/blob/main/b.txt`, { headers: { range: 'lines=1-2' } });
    expect(malformed.status).toBe(416);
    expect(malformed.json.error).toBe('Invalid Range header. Expected bytes=start-end.');
    expect(malformed.headers.get('content-range')).toBe('bytes */4');
    const past = await api('GET', `${R}/blob/main/b.txt`, { headers: { range: 'bytes=9-' } });
    expect(past.status).toBe(416);
    expect(past.json.error).toBe('Range not satisfiable');
  });

  it('routes/files.ts:353 larger than the cap without a Range: 400 with its size', async () => {
    const small = await startGitwell({ env: { GITWELL_BLOB_MAX_BYTES: '3' } });
    try {
      const s = apiClient(small, await small.createKey('acme'));
      await s('POST', '/v1/repos', { body: { slug: 'r' } });
      await s('POST', '/v1/repos/r/commits', { body: { branch: 'main', message: 'm', author: { name: 'a', email: 'a@b' }, changes: [{ path: 'f', content: 'four' }] } });
      const r = await s('GET', '/v1/repos/r/blob/main/f');
      expect(r.status).toBe(400);
      expect(r.json.size).toBe(4);
      expect((await s('GET', '/v1/repos/r/blob/main/f', { headers: { range: 'bytes=0-1' } })).status).toBe(206);
    } finally {
      await small.stop();
    }
  });
});

describe('GET /raw (routes/files.ts)', () => {
  it('routes/files.ts:517-525 text/plain or application/octet-stream only (never HTML), ETag, X-Content-Sha, Vary: Range', async () => {
    const html = await api('GET', `${R}/raw/main/page.html`);
    expect(html.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(html.text).toBe('<script>alert(1)</script>\n');
    const png = await api('GET', `${R}/raw/main/logo.png`);
    expect(png.headers.get('content-type')).toBe('application/octet-stream');
    expect(png.bytes.equals(binary)).toBe(true);
    const sha = png.headers.get('etag')!.slice(1, -1);
    expect(png.headers.get('x-content-sha')).toBe(sha);
    expect(png.headers.get('vary')).toBe('Range');
    expect(png.headers.get('accept-ranges')).toBe('bytes');
  });

  it('routes/files.ts:531-556 Range 206 with Content-Range; 416 with a text body when malformed, an empty one past the end', async () => {
    const r = await api('GET', `${R}/raw/main/logo.png`, { headers: { range: 'bytes=2-5' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toBe(`bytes 2-5/${binary.length}`);
    expect(r.bytes.equals(binary.subarray(2, 6))).toBe(true);
    const malformed = await api('GET', `${R}/raw/main/logo.png`, { headers: { range: 'bytes=a-b' } });
    expect(malformed.status).toBe(416);
    expect(malformed.text).toBe('Invalid Range header. Expected bytes=start-end.');
    const past = await api('GET', `${R}/raw/main/logo.png`, { headers: { range: `bytes=${binary.length}-` } });
    expect(past.status).toBe(416);
    expect(past.text).toBe('');
    expect(past.headers.get('content-range')).toBe(`bytes */${binary.length}`);
  });
});

describe('POST /blobs/batch', () => {
  it('honours encoding and max_size; a blob over max_size comes without content, truncated: true; missing paths are named', async () => {
    const r = await api('POST', `${R}/blobs/batch`, { body: { paths: ['b.txt', 'logo.png', 'nope', 'unicode.txt'], max_size: 5 } });
    expect(r.json.missing).toEqual(['nope']);
    expect(r.json.blobs).toEqual([
      { path: 'b.txt', sha: expect.any(String), size: 4, encoding: 'utf-8', content: 'bee\n' },
      { path: 'logo.png', sha: expect.any(String), size: binary.length, encoding: 'utf-8', content: '', truncated: true },
      { path: 'unicode.txt', sha: expect.any(String), size: Buffer.byteLength('héllo wörld ✓\n'), encoding: 'utf-8', content: '', truncated: true },
    ]);
    const b64 = await api('POST', `${R}/blobs/batch`, { body: { paths: ['b.txt'], encoding: 'base64' } });
    expect(b64.json.blobs[0]).toMatchObject({ encoding: 'base64', content: Buffer.from('bee\n').toString('base64') });
  });
});
