// REST /v1 commits: POST /commits with every kind of change, checked against the real git CLI
// (clone, fsck --strict, contents, modes, symlinks, object ids); edits that fail name the edit;
// stale parent_sha and racing commits (compare-and-swap: exactly one wins); path validation;
// limits; the first-parent log with cursor pagination; a push seen through the API.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, lines, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';
import { openStore } from '../storage/index.js';

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

/** A new empty repo; returns its slug. */
async function newRepo(opts: { init?: boolean } = {}): Promise<string> {
  const slug = `c${++n}`;
  const r = await api('POST', '/v1/repos', { body: { slug, init: opts.init ?? false } });
  expect(r.status).toBe(201);
  return slug;
}

async function commit(slug: string, branch: string, changes: unknown[], extra: Record<string, unknown> = {}) {
  return api('POST', `/v1/repos/${slug}/commits`, { body: commitBody(branch, changes, extra) });
}

async function clone(slug: string): Promise<string> {
  const dir = path.join(tempDir(), 'clone');
  await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}`, key), dir]);
  return dir;
}

async function fsckStrict(dir: string) {
  const r = await git(['fsck', '--strict', '--no-dangling'], { cwd: dir });
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stderr).not.toMatch(/warning|error/i);
}

describe('POST /v1/repos/:slug/commits', () => {
  it('writes a commit git accepts byte for byte: files, exec bits, symlinks, unicode and spaces, binary', async () => {
    const slug = await newRepo();
    const binary = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0x80]);
    const r = await commit(slug, 'main', [
      { path: 'README.md', content: '# hello\n' },
      { path: 'src/deep/dir/main.c', content: 'int main(void) { return 0; }\n' },
      { path: 'scripts/run.sh', content: '#!/bin/sh\necho hi\n', mode: '100755' },
      { path: 'link-to-readme', content: 'README.md', mode: '120000' },
      { path: 'docs/with space/ünïcødé ✓.md', content: 'unicode\n' },
      { path: 'assets/blob.bin', content: binary.toString('base64'), encoding: 'base64' },
      { path: 'empty.txt', content: '' },
    ]);
    expect(r.status, r.text).toBe(201);
    // Coregit: a root commit's parent is ""
    expect(r.json).toMatchObject({ branch: 'main', parent: '' });
    expect(r.json.sha).toMatch(/^[0-9a-f]{40}$/);

    const dir = await clone(slug);
    await fsckStrict(dir);
    expect(await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).toBe(r.json.sha);
    expect(await gitOk(['rev-parse', 'HEAD^{tree}'], { cwd: dir })).toBe(r.json.tree_sha);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toBe('# hello\n');
    expect(fs.readFileSync(path.join(dir, 'src/deep/dir/main.c'), 'utf8')).toBe('int main(void) { return 0; }\n');
    expect(fs.readFileSync(path.join(dir, 'docs/with space/ünïcødé ✓.md'), 'utf8')).toBe('unicode\n');
    expect(fs.readFileSync(path.join(dir, 'assets/blob.bin')).equals(binary)).toBe(true);
    expect(fs.readFileSync(path.join(dir, 'empty.txt')).length).toBe(0);
    expect(fs.readlinkSync(path.join(dir, 'link-to-readme'))).toBe('README.md');
    expect(fs.statSync(path.join(dir, 'scripts/run.sh')).mode & 0o111).not.toBe(0);
    const modes = lines(await gitOk(['ls-tree', '-r', 'HEAD'], { cwd: dir })).map((l) => `${l.split(' ')[0]} ${l.split('\t')[1]}`);
    expect(modes).toContain('100755 scripts/run.sh');
    expect(modes).toContain('120000 link-to-readme');
    expect(modes).toContain('100644 README.md');
    // the commit object: the author as given, the message as given (Coregit adds no newline)
    const raw = await gitOk(['cat-file', 'commit', 'HEAD'], { cwd: dir });
    expect(raw).toContain('author Test Author <author@gitwell.test> 1704164645 +0000');
    expect(raw.endsWith('\n\ntest commit')).toBe(true);
    // what the API says equals what git says
    const c = await api('GET', `/v1/repos/${slug}/commits/${r.json.sha}`);
    expect(c.json).toMatchObject({ sha: r.json.sha, tree: r.json.tree_sha, parents: [], message: 'test commit', author_name: 'Test Author', timestamp: 1704164645 });
    expect(c.json.author.date).toBe('2024-01-02T03:04:05Z');
    const blob = await api('GET', `/v1/repos/${slug}/blob/main/assets/blob.bin`);
    expect(blob.json).toMatchObject({ encoding: 'base64', size: binary.length, content: binary.toString('base64') });
    expect(blob.json.sha).toBe(await gitOk(['rev-parse', 'HEAD:assets/blob.bin'], { cwd: dir }));
  });

  it('edits (string and line range), deletes, renames and mode changes, on top of the head', async () => {
    const slug = await newRepo();
    const first = await commit(slug, 'main', [
      { path: 'a.txt', content: 'one\ntwo\nthree\nfour\nfive\n' },
      { path: 'dir/only.txt', content: 'alone\n' },
      { path: 'old/name.txt', content: 'moving\n' },
      { path: 'tool', content: 'echo\n' },
      { path: 'keep.txt', content: 'kept\n' },
    ]);
    expect(first.status).toBe(201);
    const second = await commit(slug, 'main', [
      { action: 'edit', path: 'a.txt', edits: [{ old_string: 'two\n', new_string: 'TWO\n' }, { range: [4, 5], content: '4 and 5' }, { old_string: 'three\n' }] },
      { action: 'delete', path: 'dir/only.txt' },
      { action: 'rename', path: 'old/name.txt', new_path: 'new/place/name.txt' },
      { action: 'edit', path: 'tool', mode: '100755' },
      { action: 'rename', path: 'keep.txt', new_path: 'kept.md', content: 'kept and changed\n' },
    ], { parent_sha: first.json.sha, message: 'second' });
    expect(second.status, second.text).toBe(201);
    expect(second.json.parent).toBe(first.json.sha);

    const dir = await clone(slug);
    await fsckStrict(dir);
    // changed with Coregit's applyEdits (services/commit-builder.ts): the string edits first
    // ("two" -> "TWO", "three" gone), then the range against that text split on "\n": lines 4-5
    // are "five" and the empty line after the final newline
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('one\nTWO\nfour\n4 and 5');
    expect(fs.existsSync(path.join(dir, 'dir'))).toBe(false); // the emptied directory is gone
    expect(fs.existsSync(path.join(dir, 'old'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'new/place/name.txt'), 'utf8')).toBe('moving\n');
    expect(fs.readFileSync(path.join(dir, 'kept.md'), 'utf8')).toBe('kept and changed\n');
    expect(fs.existsSync(path.join(dir, 'keep.txt'))).toBe(false);
    expect(await gitOk(['ls-tree', 'HEAD', 'tool'], { cwd: dir })).toMatch(/^100755 /);
    expect(await gitOk(['rev-list', '--count', 'HEAD'], { cwd: dir })).toBe('2');
    // git sees the rename as a rename
    expect(await gitOk(['diff', '--name-status', '-M', 'HEAD~1', 'HEAD', '--', 'old', 'new'], { cwd: dir })).toMatch(/^R100\told\/name\.txt\tnew\/place\/name\.txt$/);
  });

  it('an edit that does not match exactly once is 422 naming the change and the edit', async () => {
    const slug = await newRepo();
    await commit(slug, 'main', [{ path: 'f.txt', content: 'x = 1\nx = 1\ny = 2\n' }]);
    const none = await commit(slug, 'main', [{ action: 'edit', path: 'f.txt', edits: [{ old_string: 'y = 2', new_string: 'y = 3' }, { old_string: 'z', new_string: 'w' }] }]);
    expect(none.status).toBe(422);
    expect(none.json.code).toBe('UNPROCESSABLE');
    expect(none.json.details).toMatchObject({ field: 'changes.0.edits.1', edit: 1, matches: 0, path: 'f.txt' });
    const twice = await commit(slug, 'main', [{ path: 'g.txt', content: 'new' }, { action: 'edit', path: 'f.txt', edits: [{ old_string: 'x = 1', new_string: 'x = 2' }] }]);
    expect(twice.status).toBe(422);
    expect(twice.json.details).toMatchObject({ field: 'changes.1.edits.0', edit: 0 });
    expect(twice.json.error).toMatch(/matches multiple locations/);
    // Coregit's 422 names the old_string as `context`
    expect(twice.json.context).toBe('x = 1');
    // Coregit clamps a range's end to the file; a start past the line after the last is refused
    const range = await commit(slug, 'main', [{ action: 'edit', path: 'f.txt', edits: [{ range: [6, 9], content: 'nope' }] }]);
    expect(range.status).toBe(422);
    expect(range.json.context).toBe('');
    expect(range.json.details.field).toBe('changes.0.edits.0');
    // nothing was committed by the failures
    expect((await api('GET', `/v1/repos/${slug}/commits`)).json.commits).toHaveLength(1);
  });

  // changed with Coregit's commit builder: deleting a path that is not there changes nothing
  it('refuses impossible changes with 422; deleting a missing path is no change', async () => {
    const slug = await newRepo();
    const base = await commit(slug, 'main', [{ path: 'src/a.c', content: 'a' }, { path: 'file', content: 'f' }]);
    const noop = await commit(slug, 'main', [{ action: 'delete', path: 'missing.txt' }]);
    expect(noop.status).toBe(201);
    expect(noop.json.tree_sha).toBe(base.json.tree_sha);
    const cases: Array<[unknown, string]> = [
      [{ action: 'edit', path: 'missing.txt', content: 'x' }, 'changes.0.path'],
      [{ action: 'edit', path: 'src', content: 'x' }, 'changes.0.path'],
      [{ action: 'rename', path: 'file', new_path: 'src/a.c' }, 'changes.0.new_path'],
      [{ action: 'rename', path: 'nothing', new_path: 'x' }, 'changes.0.path'],
    ];
    for (const [change, field] of cases) {
      const r = await commit(slug, 'main', [change]);
      expect(r.status, JSON.stringify(change)).toBe(422);
      expect(r.json.details.field, JSON.stringify(change)).toBe(field);
    }
    // a file where a directory is, and a directory through a file
    expect((await commit(slug, 'main', [{ path: 'src', content: 'x' }])).status).toBe(422);
    expect((await commit(slug, 'main', [{ path: 'file/inner', content: 'x' }])).status).toBe(422);
  });

  it('validates paths as git fsck would: no .git, no . or .., no empty segments, no leading /', async () => {
    const slug = await newRepo();
    for (const p of ['.git/config', 'a/.git/hooks/x', '.GIT/x', 'a/../b', './a', 'a//b', '/abs', 'a/', 'git~1/x', '.git. /x']) {
      const r = await commit(slug, 'main', [{ path: 'ok.txt', content: 'ok' }, { path: p, content: 'x' }]);
      expect(r.status, p).toBe(400);
      expect(r.json.details.field, p).toBe('changes.1.path');
    }
    const rename = await commit(slug, 'main', [{ path: 'ok.txt', content: 'ok' }, { action: 'rename', path: 'ok.txt', new_path: '../escape' }]);
    expect(rename.json.details.field).toBe('changes.1.new_path');
    expect((await api('GET', `/v1/repos/${slug}/branches`)).json.branches).toEqual([]);
  });

  it('validates the body: each bad field is named', async () => {
    const slug = await newRepo();
    const good = commitBody('main', [{ path: 'a', content: 'a' }]);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, branch: undefined }, 'branch'],
      [{ ...good, message: '' }, 'message'],
      [{ ...good, author: undefined }, 'author'],
      [{ ...good, author: { name: 'A <evil>', email: 'a@b' } }, 'author.name'],
      [{ ...good, author: { name: 'A', email: 'a@b\nx' } }, 'author.email'],
      [{ ...good, author: { name: 'A', email: 'a@b', date: 'yesterday' } }, 'author.date'],
      [{ ...good, changes: [] }, 'changes'],
      [{ ...good, changes: [{ path: 'a', action: 'explode' }] }, 'changes.0.action'],
      [{ ...good, changes: [{ path: 'a' }] }, 'changes.0.content'],
      [{ ...good, changes: [{ path: 'a', content: 'x', mode: '160000' }] }, 'changes.0.mode'],
      [{ ...good, changes: [{ path: 'a', content: '!!!', encoding: 'base64' }] }, 'changes.0.content'],
      [{ ...good, changes: [{ path: 'a', content: 'x', encoding: 'latin1' }] }, 'changes.0.encoding'],
      [{ ...good, changes: [{ path: 'a', action: 'rename' }] }, 'changes.0.new_path'],
      [{ ...good, parent_sha: 'abc' }, 'parent_sha'],
      [{ ...good, branch: 'bad..branch' }, 'name'],
    ];
    for (const [body, field] of cases) {
      const r = await api('POST', `/v1/repos/${slug}/commits`, { body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.code).toBe('VALIDATION_ERROR');
      expect(r.json.details.field, JSON.stringify(body)).toBe(field);
    }
  });

  it('409 with current_sha when parent_sha is stale', async () => {
    const slug = await newRepo();
    const a = await commit(slug, 'main', [{ path: 'f', content: '1' }]);
    const b = await commit(slug, 'main', [{ path: 'f', content: '2' }], { parent_sha: a.json.sha });
    expect(b.status).toBe(201);
    const stale = await commit(slug, 'main', [{ path: 'f', content: '3' }], { parent_sha: a.json.sha });
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('CONFLICT');
    expect(stale.json.details).toMatchObject({ current_sha: b.json.sha, expected_sha: a.json.sha });
    expect((await api('GET', `/v1/repos/${slug}/branches/main`)).json.sha).toBe(b.json.sha);
  });

  it('of 8 racing commits on one parent exactly one wins; the others get 409', async () => {
    const slug = await newRepo();
    const base = await commit(slug, 'main', [{ path: 'counter', content: '0' }]);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => commit(slug, 'main', [{ path: 'counter', content: String(i + 1) }, { path: `by-${i}`, content: `racer ${i} of ${slug}\n` }], { parent_sha: base.json.sha })),
    );
    const won = results.filter((r) => r.status === 201);
    const lost = results.filter((r) => r.status === 409);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    // a commit that lost stored nothing: its new blob is in no repo and not in the store at all
    const store = openStore(gw.dataDir);
    try {
      for (const [i, r] of results.entries()) {
        const blob = await gitOk(['hash-object', '--stdin'], { input: `racer ${i} of ${slug}\n` });
        expect(store.hasObject(Buffer.from(blob, 'hex')), `blob of racer ${i}`).toBe(r.status === 201);
      }
    } finally {
      store.close();
    }
    for (const r of lost) expect(r.json.details.current_sha).toMatch(/^[0-9a-f]{40}$/);
    const head = (await api('GET', `/v1/repos/${slug}/branches/main`)).json.sha;
    expect(head).toBe(won[0].json.sha);
    const log = await api('GET', `/v1/repos/${slug}/commits`);
    expect(log.json.commits.map((c: { sha: string }) => c.sha)).toEqual([won[0].json.sha, base.json.sha]);
    await fsckStrict(await clone(slug));
  });

  it('racing commits without parent_sha never lose an update: each wins or gets 409', async () => {
    const slug = await newRepo();
    await commit(slug, 'main', [{ path: 'x', content: '0' }]);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => commit(slug, 'main', [{ path: `f${i}`, content: `${i}` }])));
    const won = results.filter((r) => r.status === 201);
    expect(won.length + results.filter((r) => r.status === 409).length).toBe(6);
    const files = (await api('GET', `/v1/repos/${slug}/tree/main`)).json.items.map((i: { name: string }) => i.name);
    results.forEach((r, i) => expect(files.includes(`f${i}`), `f${i}`).toBe(r.status === 201));
    const log = await api('GET', `/v1/repos/${slug}/commits?limit=100`);
    expect(log.json.commits).toHaveLength(1 + won.length);
  });

  // changed with Coregit's commit builder: without parent_sha a new branch is an orphan (it
  // started from the default branch before)
  it('a missing branch is created: an orphan, or from parent_sha', async () => {
    const slug = await newRepo();
    const main1 = await commit(slug, 'main', [{ path: 'base.txt', content: 'base' }]);
    await commit(slug, 'main', [{ path: 'base.txt', content: 'base 2' }]);
    const feat = await commit(slug, 'feature/new', [{ path: 'feat.txt', content: 'feat' }]);
    expect(feat.status).toBe(201);
    expect(feat.json.parent).toBe('');
    expect((await api('GET', `/v1/repos/${slug}/tree/feature/new`)).json.items.map((i: { name: string }) => i.name)).toEqual(['feat.txt']);
    const old = await commit(slug, 'from-old', [{ path: 'old.txt', content: 'old' }], { parent_sha: main1.json.sha });
    expect(old.status).toBe(201);
    expect(old.json.parent).toBe(main1.json.sha);
    expect((await api('GET', `/v1/repos/${slug}/raw/from-old/base.txt`)).text).toBe('base');
    expect((await api('GET', `/v1/repos/${slug}/raw/feature/new/base.txt`)).status).toBe(404);
    const branches = (await api('GET', `/v1/repos/${slug}/branches`)).json.branches.map((b: { name: string }) => b.name);
    expect(branches).toEqual(['feature/new', 'from-old', 'main']);
    // parent_sha of another repo's commit is not found here
    const other = await newRepo({ init: true });
    const foreign = (await api('GET', `/v1/repos/${other}/branches/main`)).json.sha;
    expect((await commit(slug, 'x', [{ path: 'a', content: 'a' }], { parent_sha: foreign })).status).toBe(404);
  });
});

describe('commit limits', () => {
  let small: Gitwell;
  let sapi: Api;
  beforeAll(async () => {
    small = await startGitwell({ env: { GITWELL_COMMIT_MAX_FILES: '3', GITWELL_COMMIT_MAX_FILE_BYTES: '100', GITWELL_V1_MAX_BODY_BYTES: '4000' } });
    sapi = apiClient(small, await small.createKey('lim'));
    await sapi('POST', '/v1/repos', { body: { slug: 'r' } });
  });
  afterAll(async () => {
    await small?.stop();
  });

  // changed with Coregit (routes/commits.ts): both limits are 400 (were 422 and 413)
  it('too many files: 400 naming the limit', async () => {
    const changes = Array.from({ length: 4 }, (_, i) => ({ path: `f${i}`, content: 'x' }));
    const r = await sapi('POST', '/v1/repos/r/commits', { body: commitBody('main', changes) });
    expect(r.status).toBe(400);
    expect(r.json.details).toMatchObject({ limit: 'commit_max_files', max: 3 });
  });

  it('a file too large: 400 naming the limit (base64 counts decoded bytes)', async () => {
    const r = await sapi('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'big', content: 'x'.repeat(101) }]) });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('VALIDATION_ERROR');
    expect(r.json.details).toMatchObject({ limit: 'commit_max_file_bytes', max: 100, field: 'changes.0.content' });
    const ok = await sapi('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'fits', content: Buffer.alloc(100, 7).toString('base64'), encoding: 'base64' }]) });
    expect(ok.status).toBe(201);
  });

  it('a body too large: 413 naming the limit', async () => {
    const r = await sapi('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'a', content: 'y'.repeat(5000) }]) });
    expect(r.status).toBe(413);
    expect(r.json.details).toMatchObject({ limit: 'v1_max_body_bytes', max: 4000 });
  });
});

describe('GET /v1/repos/:slug/commits', () => {
  it('pages along first-parent history with a cursor, as git rev-list --first-parent does', async () => {
    const slug = await newRepo();
    for (let i = 0; i < 5; i++) await commit(slug, 'main', [{ path: 'n', content: String(i) }]);
    // a merge made with git, pushed: first-parent skips the side branch
    const dir = await clone(slug);
    await gitOk(['checkout', '-q', '-b', 'side', 'HEAD~2'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'side.txt'), 'side\n');
    await gitOk(['add', '.'], { cwd: dir });
    await gitOk(['commit', '-q', '-m', 'side work'], { cwd: dir });
    await gitOk(['checkout', '-q', 'main'], { cwd: dir });
    await gitOk(['merge', '-q', '--no-ff', '-m', 'merge side', 'side'], { cwd: dir });
    await gitOk(['push', '-q', 'origin', 'main'], { cwd: dir });
    const expected = lines(await gitOk(['rev-list', '--first-parent', 'main'], { cwd: dir }));
    expect(expected).toHaveLength(6);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r = await api('GET', `/v1/repos/${slug}/commits?ref=main&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.json.has_more).toBe(r.json.next_cursor !== null);
      seen.push(...r.json.commits.map((c: { sha: string }) => c.sha));
      cursor = r.json.next_cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(expected);
    // the pushed merge, as git sees it
    const merge = await api('GET', `/v1/repos/${slug}/commits/${expected[0]}`);
    expect(merge.json.parents).toEqual(lines(await gitOk(['rev-list', '--parents', '-n1', 'main'], { cwd: dir }))[0].split(' ').slice(1));
    expect(merge.json.message).toBe('merge side\n');
    expect(merge.json.committer).toMatchObject({ name: 'Test Committer', email: 'committer@gitwell.test', date: '2023-11-14T22:13:20Z' });
    // ?branch= is an alias of ?ref=; a sha works; the side branch is reachable by sha
    expect((await api('GET', `/v1/repos/${slug}/commits?branch=main&limit=1`)).json.commits[0].sha).toBe(expected[0]);
    const side = await gitOk(['rev-parse', 'side'], { cwd: dir });
    expect((await api('GET', `/v1/repos/${slug}/commits?ref=${side}&limit=1`)).json.commits[0].message).toBe('side work\n');
  });

  // changed with Coregit (routes/commits.ts): a sha that is no sha is a commit not found (404,
  // was 400), a limit above 100 is 100 (was 400), a cursor that is no sha is ignored (was 400)
  it('errors: unknown ref 404, unknown commit 404, empty repo 404, bad limit 400; big limits clamp', async () => {
    const slug = await newRepo();
    expect((await api('GET', `/v1/repos/${slug}/commits`)).status).toBe(404);
    const a = await commit(slug, 'main', [{ path: 'a', content: 'a' }]);
    expect((await api('GET', `/v1/repos/${slug}/commits?ref=nope`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}/commits/xyz`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}/commits/${'0'.repeat(40)}`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}/commits?limit=0`)).json.details.field).toBe('limit');
    expect((await api('GET', `/v1/repos/${slug}/commits?limit=500`)).status).toBe(200);
    expect((await api('GET', `/v1/repos/${slug}/commits?cursor=zzz`)).json.commits.map((c: { sha: string }) => c.sha)).toEqual([a.json.sha]);
  });

  it('a push is visible through the API at once', async () => {
    const slug = await newRepo({ init: true });
    const dir = await clone(slug);
    fs.mkdirSync(path.join(dir, 'pushed'));
    fs.writeFileSync(path.join(dir, 'pushed/file.txt'), 'from git\n');
    await gitOk(['add', '.'], { cwd: dir });
    await gitOk(['commit', '-q', '-m', 'pushed with git'], { cwd: dir });
    await gitOk(['push', '-q', 'origin', 'main'], { cwd: dir });
    const head = await gitOk(['rev-parse', 'HEAD'], { cwd: dir });
    expect((await api('GET', `/v1/repos/${slug}/commits?limit=1`)).json.commits[0]).toMatchObject({ sha: head, message: 'pushed with git\n' });
    expect((await api('GET', `/v1/repos/${slug}/raw/main/pushed/file.txt`)).text).toBe('from git\n');
    // and the API builds on it
    const next = await commit(slug, 'main', [{ action: 'edit', path: 'pushed/file.txt', edits: [{ old_string: 'git', new_string: 'the API' }] }], { parent_sha: head });
    expect(next.status).toBe(201);
    await gitOk(['pull', '-q', 'origin', 'main'], { cwd: dir });
    expect(fs.readFileSync(path.join(dir, 'pushed/file.txt'), 'utf8')).toBe('from the API\n');
    await fsckStrict(dir);
  });
});
