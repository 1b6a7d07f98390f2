// The first branches pushed set the default branch (src/core/default-branch.ts, applied by
// storage/lmdb.ts updateRefs), as GitHub and Gitea do: a repo created with default `main` that
// first receives only `master` must not advertise a HEAD naming a branch that does not exist.
// The oracle is the stock git client: a clone checks out without "remote HEAD refers to
// nonexistent ref", and `ls-remote --symref` names the branch over protocol v0 and v2. The
// REST repo object says the same at once (its caches follow the change).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, lines, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;
let api: Api;
let n = 0;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(() => removeTempDirs());

/**
 * A new repo (default `main`) without branches (init: false; Coregit's init would commit to
 * main), read once through the API first so that its caches are warm.
 */
async function newRepo(): Promise<{ slug: string; url: string }> {
  const slug = `r${++n}`;
  expect((await api('POST', '/v1/repos', { body: { slug, init: false } })).status).toBe(201);
  expect((await api('GET', `/v1/repos/${slug}`)).json.default_branch).toBe('main');
  return { slug, url: repoUrl(gw.url, `acme/${slug}`, key) };
}

/** A local repo with one commit on `trunk`, and branches `others` at the same commit. */
async function source(trunk: string, others: string[] = []): Promise<string> {
  const dir = path.join(tempDir(), 'src');
  await gitOk(['init', '-q', '-b', trunk, dir]);
  fs.writeFileSync(path.join(dir, 'README'), `on ${trunk}\n`);
  await gitOk(['add', 'README'], { cwd: dir });
  await gitOk(['commit', '-qm', 'first'], { cwd: dir });
  for (const b of others) await gitOk(['branch', b], { cwd: dir });
  return dir;
}

/** HEAD's symref as `ls-remote --symref` shows it over protocol v0 or v2. */
async function remoteHead(url: string, protocol: 0 | 2): Promise<string> {
  const r = await git(['-c', `protocol.version=${protocol}`, 'ls-remote', '--symref', url, 'HEAD']);
  expect(r.code, r.stderr).toBe(0);
  return lines(r.stdout)[0] ?? '';
}

/** Clones over `protocol`; git must say nothing about HEAD, and check out `branch`. */
async function cloneChecksOut(url: string, protocol: 0 | 2, branch: string): Promise<void> {
  const dir = path.join(tempDir(), `clone-v${protocol}`);
  const c = await git(['-c', `protocol.version=${protocol}`, 'clone', url, dir]);
  expect(c.code, c.stderr).toBe(0);
  expect(c.stderr).not.toMatch(/remote HEAD refers to nonexistent ref|unable to checkout/);
  expect(await gitOk(['symbolic-ref', 'HEAD'], { cwd: dir })).toBe(`refs/heads/${branch}`);
  expect(fs.readFileSync(path.join(dir, 'README'), 'utf8')).toMatch(/^on /);
}

async function defaultOf(slug: string): Promise<string> {
  const r = await api('GET', `/v1/repos/${slug}`);
  expect(r.status).toBe(200);
  // the branch list says the same
  expect((await api('GET', `/v1/repos/${slug}/branches`)).json.default_branch).toBe(r.json.default_branch);
  return r.json.default_branch;
}

describe('the first push sets the default branch', () => {
  it('only master: master is the default; clones over v0 and v2 check it out without a warning', async () => {
    const { slug, url } = await newRepo();
    const src = await source('master');
    const p = await git(['push', url, 'master'], { cwd: src });
    expect(p.code, p.stderr).toBe(0);
    expect(await defaultOf(slug)).toBe('master');
    for (const protocol of [0, 2] as const) {
      expect(await remoteHead(url, protocol)).toBe('ref: refs/heads/master\tHEAD');
      await cloneChecksOut(url, protocol, 'master');
    }
    // the public routes read the same record
    expect((await api('PATCH', `/v1/repos/${slug}`, { body: { visibility: 'public' } })).status).toBe(200);
    expect((await apiClient(gw, null)('GET', `/v1/orgs/acme/repos/${slug}`)).json.default_branch).toBe('master');
  });

  it('several branches with main among them: main', async () => {
    const { slug, url } = await newRepo();
    const src = await source('feature', ['master', 'main']);
    expect((await git(['push', url, 'feature', 'master', 'main'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('main');
    expect(await remoteHead(url, 2)).toBe('ref: refs/heads/main\tHEAD');
  });

  it('master and others without main: master, whatever the order', async () => {
    const { slug, url } = await newRepo();
    const src = await source('alpha', ['master']);
    expect((await git(['push', url, 'alpha', 'master'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('master');
  });

  it('dev and feature only: the first pushed, in the order of the push (not by name)', async () => {
    const a = await newRepo();
    const src = await source('dev', ['feature']);
    expect((await git(['push', a.url, 'dev', 'feature'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(a.slug)).toBe('dev');
    for (const protocol of [0, 2] as const) {
      expect(await remoteHead(a.url, protocol)).toBe('ref: refs/heads/dev\tHEAD');
      await cloneChecksOut(a.url, protocol, 'dev');
    }
    const b = await newRepo();
    expect((await git(['push', b.url, 'feature', 'dev'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(b.slug)).toBe('feature');
  });

  it('a later push of main does not move it', async () => {
    const { slug, url } = await newRepo();
    const src = await source('master', ['main']);
    expect((await git(['push', url, 'master'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('master');
    expect((await git(['push', url, 'main'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('master');
    expect(await remoteHead(url, 0)).toBe('ref: refs/heads/master\tHEAD');
    await cloneChecksOut(url, 2, 'master');
  });

  it('the configured default among the pushed branches stays; a repo created with trunk keeps trunk', async () => {
    expect((await api('POST', '/v1/repos', { body: { slug: 'trunky', default_branch: 'trunk', init: false } })).status).toBe(201);
    const url = repoUrl(gw.url, 'acme/trunky', key);
    const src = await source('main', ['trunk']);
    expect((await git(['push', url, 'main', 'trunk'], { cwd: src })).code).toBe(0);
    expect(await defaultOf('trunky')).toBe('trunk');
  });

  it('tags alone do not count: the first branch after them does', async () => {
    const { slug, url } = await newRepo();
    const src = await source('dev');
    await gitOk(['tag', 'v1'], { cwd: src });
    expect((await git(['push', url, 'v1'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('main');
    expect((await git(['push', url, 'dev'], { cwd: src })).code).toBe(0);
    expect(await defaultOf(slug)).toBe('dev');
  });

  it('two first pushes racing: the default is one of the pushed branches, and clones check it out', async () => {
    for (let round = 0; round < 3; round++) {
      const { slug, url } = await newRepo();
      const src = await source('one', ['two']);
      const [a, b] = await Promise.all([git(['push', url, 'one'], { cwd: src }), git(['push', url, 'two'], { cwd: src })]);
      expect(a.code, a.stderr).toBe(0);
      expect(b.code, b.stderr).toBe(0);
      const d = await defaultOf(slug);
      expect(['one', 'two']).toContain(d);
      expect(await remoteHead(url, 2)).toBe(`ref: refs/heads/${d}\tHEAD`);
      await cloneChecksOut(url, 0, d);
    }
  });
});

describe('the first branch made through the API sets the default branch the same way', () => {
  it('an API commit to dev in an empty repo: dev', async () => {
    const { slug, url } = await newRepo();
    const c = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('dev', [{ action: 'create', path: 'README', content: 'on dev\n' }]) });
    expect(c.status).toBe(201);
    expect(await defaultOf(slug)).toBe('dev');
    expect(await remoteHead(url, 0)).toBe('ref: refs/heads/dev\tHEAD');
    await cloneChecksOut(url, 2, 'dev');
    // the next commit to another branch leaves it
    expect((await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ action: 'create', path: 'b', content: 'b\n' }]) })).status).toBe(201);
    expect(await defaultOf(slug)).toBe('dev');
  });

  it('POST /branches and PUT /refs creating the first branch (the repo held only a tag): that branch', async () => {
    for (const how of ['POST /branches', 'PUT /refs'] as const) {
      const { slug, url } = await newRepo();
      const src = await source('dev');
      await gitOk(['tag', 'v1'], { cwd: src });
      expect((await git(['push', url, 'v1'], { cwd: src })).code).toBe(0);
      const sha = await gitOk(['rev-parse', 'dev'], { cwd: src });
      const r =
        how === 'POST /branches'
          ? await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'release', from_sha: sha } })
          : await api('PUT', `/v1/repos/${slug}/refs/heads/release`, { body: { sha } });
      expect(r.status, `${how}: ${r.text}`).toBeLessThan(300);
      expect(await defaultOf(slug), how).toBe('release');
      expect(await remoteHead(url, 2)).toBe('ref: refs/heads/release\tHEAD');
    }
  });

  it('init: true commits to the configured default, which stays', async () => {
    expect((await api('POST', '/v1/repos', { body: { slug: 'inited', init: true, default_branch: 'trunk' } })).status).toBe(201);
    expect(await defaultOf('inited')).toBe('trunk');
  });
});
