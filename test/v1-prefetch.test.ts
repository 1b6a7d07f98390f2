// POST /v1/repos/:slug/prefetch: the blobs matching globs as NDJSON, as Coregit's
// src/routes/prefetch.ts (7c8b6e3) streams them; each case names the line it follows. The
// lines hold exactly what `git archive` of the same paths holds, and a reader that stops
// reading holds the server's memory where it is (the stream is pulled by the socket).
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitOk, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;
let api: Api;
let src: string;
let head: string;

/** What the repo holds: text, binary, nested, unicode, a symlink, one blob at two paths, a submodule. */
const FILES: Record<string, string | Buffer> = {
  'package.json': '{"name":"x"}\n',
  'tsconfig.json': '{}\n',
  'README.md': '# readme\n',
  'src/a.ts': 'export const a = 1;\n',
  'src/lib/b.ts': 'export const b = 2;\n',
  'src/lib/deep/c.ts': 'export const c = 3;\n',
  'src/lib/deep/c.test.ts': 'test\n',
  'src/lib/copy.ts': 'export const a = 1;\n', // the same blob as src/a.ts
  'src/img/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3, 255]),
  'docs/1.md': 'one\n',
  'docs/22.md': 'twenty-two\n',
  'docs/日本語.md': 'nihongo\n',
  'docs/with space.md': 'space\n',
  'big/huge.txt': 'x'.repeat(3 * 1024 * 1024),
};

beforeAll(async () => {
  src = tempDir('gw-prefetch-');
  await gitOk(['init', '-q', '-b', 'main', src]);
  for (const [p, c] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
    fs.writeFileSync(path.join(src, p), c);
  }
  fs.symlinkSync('../README.md', path.join(src, 'docs/link.md'));
  await gitOk(['add', '-A'], { cwd: src });
  // a submodule entry: a gitlink is no blob, never listed
  await gitOk(['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},vendor/sub`], { cwd: src });
  await gitOk(['commit', '-qm', 'files'], { cwd: src });
  head = await gitOk(['rev-parse', 'HEAD'], { cwd: src });
  gw = await startGitwell();
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
  await gw.createRepo('acme/p');
  await gitOk(['push', '-q', repoUrl(gw.url, 'acme/p', key), 'main'], { cwd: src });
}, 120_000);
afterAll(async () => {
  await gw?.stop();
  removeTempDirs();
});

interface Line {
  path?: string;
  sha?: string;
  size?: number;
  encoding?: 'text' | 'binary';
  content_b64?: string;
  done?: true;
  entries?: number;
  bytes?: number;
  capped?: boolean;
  ref?: string;
  commit_sha?: string;
  error?: string;
}

async function prefetch(body: unknown, slug = 'p'): Promise<{ status: number; headers: Headers; text: string; lines: Line[] }> {
  const r = await api('POST', `/v1/repos/${slug}/prefetch`, { body });
  const ls = r.text.split('\n').filter(Boolean);
  return { status: r.status, headers: r.headers, text: r.text, lines: r.status === 200 ? ls.map((l) => JSON.parse(l) as Line) : [] };
}

/** Coregit's glob, as its routes/prefetch.ts:40 writes it: `**` anything, `*` and `?` within a name. */
function coregitGlob(glob: string): RegExp {
  let r = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') r += glob[i + 1] === '*' ? (i++, '.*') : '[^/]*';
    else if (c === '?') r += '[^/]';
    else r += /[a-zA-Z0-9_\-/]/.test(c) ? c : `\\${c}`;
  }
  return new RegExp(`^${r}$`);
}

/** The files of `rev` matching `globs` (git's order), and their bytes from `git archive`. */
async function archiveOf(rev: string, globs: string[]): Promise<Map<string, Buffer>> {
  // "<mode> <type> <sha>\t<path>", NUL-terminated: paths as they are, unquoted
  const all = (await gitOk(['ls-tree', '-r', '-z', rev], { cwd: src })).split('\0').filter(Boolean);
  const res = globs.map(coregitGlob);
  const paths = all.filter((l) => l.split(' ')[1] === 'blob').map((l) => l.slice(l.indexOf('\t') + 1)).filter((p) => res.some((r) => r.test(p)));
  const out = new Map<string, Buffer>();
  if (paths.length === 0) return out;
  const dir = tempDir('gw-archive-');
  const tar = path.join(dir, 'a.tar');
  execFileSync('git', ['archive', '--format=tar', '-o', tar, rev, '--', ...paths], { cwd: src });
  const into = path.join(dir, 'x');
  fs.mkdirSync(into);
  execFileSync('tar', ['-xf', tar, '-C', into]);
  for (const p of paths) {
    const full = path.join(into, p);
    const st = fs.lstatSync(full);
    out.set(p, st.isSymbolicLink() ? Buffer.from(fs.readlinkSync(full)) : fs.readFileSync(full));
  }
  return out;
}

describe('POST /prefetch (routes/prefetch.ts)', () => {
  it('routes/prefetch.ts:40,146,172 the NDJSON lines hold exactly what git archive of the matching paths holds, in git\'s order', async () => {
    for (const globs of [['src/**/*.ts'], ['*.json'], ['docs/?.md', 'docs/*.md'], ['**'], ['src/lib/**', 'README.md'], ['nothing/*']]) {
      const r = await prefetch({ globs, max_blob_bytes: 4 * 1024 * 1024 });
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('application/x-ndjson');
      expect(r.headers.get('cache-control')).toBe('no-store');
      const blobs = r.lines.slice(0, -1);
      const want = await archiveOf(head, globs);
      expect(blobs.map((b) => b.path), globs.join()).toEqual([...want.keys()]);
      for (const b of blobs) {
        const bytes = Buffer.from(b.content_b64!, 'base64');
        expect(bytes.equals(want.get(b.path!)!), b.path).toBe(true);
        expect(b.size).toBe(bytes.length);
        expect(b.sha).toBe(await gitOk(['rev-parse', `${head}:${b.path}`], { cwd: src }));
        expect(b.encoding).toBe(bytes.subarray(0, 8192).includes(0) ? 'binary' : 'text');
        expect(Object.keys(b)).toEqual(['path', 'sha', 'size', 'encoding', 'content_b64']);
      }
    }
    // Coregit's `**` needs the slash around it: src/**/*.ts is not src/a.ts
    expect((await prefetch({ globs: ['src/**/*.ts'] })).lines.map((l) => l.path)).not.toContain('src/a.ts');
    // every path of a blob that two paths hold (Coregit's map of blobs keeps one)
    expect((await prefetch({ globs: ['src/**'] })).lines.map((l) => l.path)).toEqual(expect.arrayContaining(['src/a.ts', 'src/lib/copy.ts']));
  });

  it('routes/prefetch.ts:158 one last line {done, entries, bytes, capped, ref, commit_sha}; bytes counts the blob lines', async () => {
    const r = await prefetch({ globs: ['docs/*'] });
    const last = r.lines[r.lines.length - 1];
    expect(last).toEqual({ done: true, entries: r.lines.length - 1, bytes: expect.any(Number), capped: false, ref: 'main', commit_sha: head });
    const body = Buffer.from(r.text);
    const lastLine = Buffer.byteLength(`${JSON.stringify(last)}\n`);
    expect(last.bytes).toBe(body.length - lastLine);
    // a ref by name, tag or sha
    await gitOk(['tag', 'v1', head], { cwd: src });
    await gitOk(['push', '-q', repoUrl(gw.url, 'acme/p', key), 'v1'], { cwd: src });
    expect((await prefetch({ ref: 'v1', globs: ['README.md'] })).lines.at(-1)).toMatchObject({ ref: 'v1', commit_sha: head, entries: 1 });
    expect((await prefetch({ ref: head, globs: ['README.md'] })).lines.at(-1)).toMatchObject({ entries: 1 });
  });

  it('routes/prefetch.ts:138 blobs over max_blob_bytes (default 1 MiB) are skipped', async () => {
    const r = await prefetch({ globs: ['big/*', 'README.md'] });
    expect(r.lines.map((l) => l.path ?? 'done')).toEqual(['README.md', 'done']);
    const big = await prefetch({ globs: ['big/*'], max_blob_bytes: 4 * 1024 * 1024 });
    expect(big.lines[0]).toMatchObject({ path: 'big/huge.txt', size: 3 * 1024 * 1024 });
  });

  it('routes/prefetch.ts:107,149 max_bytes caps the lines: the one that would pass it is not sent, capped: true', async () => {
    const all = await prefetch({ globs: ['**'] });
    const sizes = all.lines.slice(0, -1).map((l) => Buffer.byteLength(`${JSON.stringify(l)}\n`));
    const cap = sizes[0] + sizes[1] + sizes[2] + 1;
    const r = await prefetch({ globs: ['**'], max_bytes: cap });
    expect(r.lines.slice(0, -1)).toEqual(all.lines.slice(0, 3));
    expect(r.lines.at(-1)).toMatchObject({ done: true, entries: 3, bytes: cap - 1, capped: true });
    // not a positive number: the default, as Coregit reads it
    expect((await prefetch({ globs: ['**'], max_bytes: 'lots' })).lines.at(-1)).toMatchObject({ capped: false });
  });

  it('routes/prefetch.ts:91,94,102,117 globs must be 1-32 non-empty strings of at most 200 characters (400); an unknown ref is 404', async () => {
    for (const globs of [undefined, [], 'src/**', [''], [3], Array.from({ length: 33 }, () => 'a'), ['a'.repeat(201)]]) {
      const r = await prefetch({ globs });
      expect(r.status, JSON.stringify(globs)).toBe(400);
    }
    expect((await prefetch({ globs: ['**'], ref: 'nope' })).status).toBe(404);
  });
});

/** The server's resident memory, from /proc (the pid is in its data dir). */
function serverRss(server: Gitwell): number {
  const pid = fs.readFileSync(path.join(server.dataDir, 'server.pid'), 'utf8').trim();
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

describe('back-pressure', () => {
  it('a reader that stops reading does not grow the server\'s memory; it gets every byte when it reads again', async () => {
    const MB = 1024 * 1024;
    const big = await startGitwell({ env: { GITWELL_PREFETCH_MAX_BYTES: String(1024 * MB), GITWELL_HOT_CACHE_BYTES: '0' } });
    try {
      const k = await big.createKey('acme');
      await big.createRepo('acme/big');
      // 64 MiB of random blobs: as NDJSON about 85 MiB, which a server that did not wait for its
      // reader would hold in memory within a few seconds (seen when writes ignore back-pressure:
      // 120 MB -> 360 MB resident; waiting, it stays where it was)
      const dir = tempDir('gw-prefetch-big-');
      await gitOk(['init', '-q', '-b', 'main', dir]);
      const sums = new Map<string, string>();
      for (let i = 0; i < 64; i++) {
        const data = crypto.randomBytes(MB);
        const p = `blobs/${String(i).padStart(3, '0')}.bin`;
        fs.mkdirSync(path.join(dir, 'blobs'), { recursive: true });
        fs.writeFileSync(path.join(dir, p), data);
        sums.set(p, crypto.createHash('sha256').update(data).digest('hex'));
      }
      await gitOk(['add', '-A'], { cwd: dir });
      await gitOk(['commit', '-qm', 'big'], { cwd: dir });
      await gitOk(['push', '-q', repoUrl(big.url, 'acme/big', k), 'main'], { cwd: dir });

      const before = serverRss(big);
      const body = JSON.stringify({ globs: ['blobs/*'], max_bytes: 1024 * MB, max_blob_bytes: MB });
      const u = new URL(`${big.url}/v1/repos/big/prefetch`);
      let received = 0;
      const chunks: Buffer[] = [];
      const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'x-api-key': k, 'content-type': 'application/json' } }, resolve);
        req.on('error', reject);
        req.end(body);
      });
      expect(res.statusCode).toBe(200);
      // read one chunk, then stop reading
      await new Promise<void>((resolve) => res.once('data', (c: Buffer) => (chunks.push(c), (received += c.length), resolve())));
      res.pause();
      await new Promise((r) => setTimeout(r, 4000));
      const paused = serverRss(big);
      // the server waits: what it holds is a line or two and the socket's buffers, not the reply
      expect(paused - before, `rss ${before} -> ${paused}`).toBeLessThan(32 * MB);
      // reading again, every line arrives whole
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        received += c.length;
      });
      res.resume();
      await new Promise<void>((resolve) => res.on('end', () => resolve()));
      const out = Buffer.concat(chunks).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
      expect(out.at(-1)).toMatchObject({ done: true, entries: 64, capped: false });
      expect(received).toBeGreaterThan(85 * MB);
      for (const l of out.slice(0, -1)) {
        expect(crypto.createHash('sha256').update(Buffer.from(l.content_b64!, 'base64')).digest('hex'), l.path).toBe(sums.get(l.path!));
      }
    } finally {
      await big.stop();
    }
  }, 240_000);
});
