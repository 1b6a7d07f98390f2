// REST /v1 commits pass the fsck a push passes. Each .gitmodules attack (and its NTFS/HFS+
// spellings, which only this route lets a client name freely) is refused with 422 and git's
// message id in `details.fsck`; git, given the same files in a push with
// receive.fsckObjects=true, refuses them with the same id. A date git cannot write (before
// 1970) is a bad field, 400. The server's GITWELL_FSCK_<ID> levels apply here too.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';
import { commitWith, gitOracle, pushTo, type FileSpec } from './helpers/fsck-push.js';

const URL_OPTION = '--upload-pack=touch${IFS}/tmp/pwn';
const gitmodules = (name: string, url: string) => `[submodule "${name}"]\n\tpath = sub\n\turl = ${url}\n`;

let gw: Gitwell;
let key: string;
let api: Api;
let scratch: string;
let n = 0;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
  scratch = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gw-v1-fsck-')), 'scratch.git');
  await gitOk(['init', '-q', '--bare', scratch]);
});
afterAll(async () => {
  await gw?.stop();
  fs.rmSync(path.dirname(scratch), { recursive: true, force: true });
  removeTempDirs();
});

async function newRepo(client: Api = api): Promise<string> {
  const slug = `f${++n}`;
  // no initial commit: these tests look at what a refused commit leaves (no branch at all)
  const r = await client('POST', '/v1/repos', { body: { slug, init: false } });
  expect(r.status).toBe(201);
  return slug;
}

const asChanges = (files: FileSpec[]) => files.map((f) => ({ path: f.path, content: String(f.content), ...(f.mode ? { mode: f.mode } : {}) }));

/** What git says when the same files are pushed to a repository that checks objects. */
async function gitVerdict(files: FileSpec[]): Promise<string> {
  const commit = await commitWith(scratch, null, files);
  const r = await pushTo(await gitOracle(), scratch, commit);
  return r.accepted ? 'accepted' : `refused: ${r.ids[0]}`;
}

const ATTACKS: Array<[name: string, files: FileSpec[], id: string]> = [
  ['url that is an option', [{ path: '.gitmodules', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['url with a %0a for the credential helper', [{ path: '.gitmodules', content: gitmodules('x', 'https://example.com?%0ahost=github.com/') }], 'gitmodulesUrl'],
  ['name that climbs out', [{ path: '.gitmodules', content: gitmodules('../../../x', 'https://example.com/x') }], 'gitmodulesName'],
  ['update that runs a command', [{ path: '.gitmodules', content: '[submodule "x"]\n\tpath = x\n\turl = https://e.com/x\n\tupdate = !touch /tmp/pwn\n' }], 'gitmodulesUpdate'],
  ['.gitmodules as a symlink', [{ path: '.gitmodules', content: '/etc/passwd', mode: '120000' }], 'gitmodulesSymlink'],
  ['sub/.GITMODULES', [{ path: 'sub/.GITMODULES', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['GITMOD~1', [{ path: 'GITMOD~1', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['gi7eba~3', [{ path: 'gi7eba~3', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['.gitmodules. . (NTFS drops the dots and spaces)', [{ path: '.gitmodules. .', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['.git\u200cmodules (HFS+ ignores U+200C)', [{ path: '.git\u200cmodules', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['.gitattributes with a 3000-byte line', [{ path: '.gitattributes', content: `${'x'.repeat(3000)} text\n` }], 'gitattributesLineLength'],
];

describe('POST /v1/repos/:slug/commits runs fsck', () => {
  it("refuses each .gitmodules attack with 422 and git's message id, as git refuses the same files", async () => {
    const slug = await newRepo();
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    for (const [name, files, id] of ATTACKS) {
      const r = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', asChanges(files)) });
      got[name] = r.status === 201 ? 'accepted' : `${r.status} ${r.json.code} ${r.json.details?.fsck}`;
      want[name] = `422 UNPROCESSABLE ${id}`;
      if (r.status === 422) expect(r.json.error, name).toContain(id);
      expect(await gitVerdict(files), `git on ${name}`).toBe(`refused: ${id}`);
    }
    expect(got).toEqual(want);
    expect((await api('GET', `/v1/repos/${slug}/branches`)).json.branches).toEqual([]);
  });

  it('checks a blob already in the repo when a change names it .gitmodules (a rename)', async () => {
    const slug = await newRepo();
    const first = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'notes.txt', content: gitmodules('x', URL_OPTION) }]) });
    expect(first.status).toBe(201);
    const r = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ action: 'rename', path: 'notes.txt', new_path: '.gitmodules' }]) });
    expect(r.status, r.text).toBe(422);
    expect(r.json.details.fsck).toBe('gitmodulesUrl');
    expect((await api('GET', `/v1/repos/${slug}/branches`)).json.branches).toEqual([{ name: 'main', sha: first.json.sha }]);
  });

  it('accepts a sound .gitmodules; a clone passes git fsck --strict', async () => {
    const slug = await newRepo();
    const r = await api('POST', `/v1/repos/${slug}/commits`, {
      body: commitBody('main', [{ path: '.gitmodules', content: '[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n' }]),
    });
    expect(r.status, r.text).toBe(201);
    const dir = path.join(tempDir(), 'clone');
    await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}`, key), dir]);
    const f = await git(['fsck', '--strict', '--no-dangling'], { cwd: dir });
    expect(f.code, f.stderr).toBe(0);
  });

  it('refuses a date git cannot write (before 1970) as a bad field, naming badDate', async () => {
    const slug = await newRepo();
    for (const [who, date] of [
      ['author', '-271821-04-20T00:00:00Z'],
      ['author', '1969-12-31T23:59:59Z'],
      ['committer', '-000001-01-01T00:00:00Z'],
    ] as const) {
      const person = { name: 'A', email: 'a@example.com', date };
      const body = commitBody('main', [{ path: 'a', content: 'a' }], who === 'author' ? { author: person } : { committer: person });
      const r = await api('POST', `/v1/repos/${slug}/commits`, { body });
      expect(r.status, `${who} ${date}: ${r.text}`).toBe(400);
      expect(r.json.code).toBe('VALIDATION_ERROR');
      expect(r.json.details).toMatchObject({ field: `${who}.date`, fsck: 'badDate' });
    }
    expect((await api('GET', `/v1/repos/${slug}/branches`)).json.branches).toEqual([]);
    // the epoch itself is a date git writes ("0 +0000") and its fsck accepts
    const epoch = await api('POST', `/v1/repos/${slug}/commits`, {
      body: commitBody('main', [{ path: 'a', content: 'a' }], { author: { name: 'A', email: 'a@example.com', date: '1970-01-01T00:00:00Z' } }),
    });
    expect(epoch.status, epoch.text).toBe(201);
    const dir = path.join(tempDir(), 'epoch');
    await gitOk(['clone', '-q', '--bare', repoUrl(gw.url, `acme/${slug}`, key), dir]);
    expect(await gitOk(['log', '-1', '--format=%at %ad', '--date=raw'], { cwd: dir })).toBe('0 0 +0000');
    expect((await git(['fsck', '--strict', '--no-dangling'], { cwd: dir })).code).toBe(0);
  });

  it('names the fsck id of a .git path (400, as before)', async () => {
    const slug = await newRepo();
    const r = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'a/.GIT/config', content: 'x' }]) });
    expect(r.status).toBe(400);
    expect(r.json.details).toMatchObject({ field: 'changes.0.path', fsck: 'hasDotgit' });
  });
});

describe('the server levels apply to the commit route', () => {
  it('GITWELL_FSCK_GITMODULESURL=warn and GITWELL_FSCK_HASDOTGIT=warn let those commits through', async () => {
    const lax = await startGitwell({ env: { GITWELL_FSCK_GITMODULESURL: 'warn', GITWELL_FSCK_HASDOTGIT: 'warn' } });
    try {
      const laxApi = apiClient(lax, await lax.createKey('acme'));
      const slug = await newRepo(laxApi);
      const url = await laxApi('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: '.gitmodules', content: gitmodules('x', URL_OPTION) }]) });
      expect(url.status, url.text).toBe(201);
      const dotgit = await laxApi('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: '.GIT/x', content: 'x' }]) });
      expect(dotgit.status, dotgit.text).toBe(201);
      // what stays an error is still refused
      const name = await laxApi('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'm/.gitmodules', content: gitmodules('..', 'https://e.com/x') }]) });
      expect(name.status, name.text).toBe(422);
      expect(name.json.details.fsck).toBe('gitmodulesName');
    } finally {
      await lax.stop();
    }
  });
});
