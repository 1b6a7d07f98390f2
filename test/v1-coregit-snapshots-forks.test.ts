// Conformance with Coregit's code: snapshots and forks/templates. Each case names the file and
// line of coregit-inc/coregit-api it follows (src/routes/snapshots.ts at 8a95b85,
// src/routes/forks.ts at 9deebf2, src/routes/repos.ts at c6fd54a), and runs against a real
// gitwell server; git itself checks what a restore or a fork leaves.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { fsck, gitOk, lsRemote, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
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

const SHA = /^[0-9a-f]{40}$/;

/** A repo with two commits on main; its slug and the two shas. */
async function seeded(extra: Record<string, unknown> = {}): Promise<{ slug: string; first: string; second: string }> {
  const slug = `sf${++n}`;
  expect((await api('POST', '/v1/repos', { body: { slug, ...extra } })).status).toBe(201);
  const a = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f.txt', content: 'one\n' }]) });
  const b = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f.txt', content: 'two\n' }, { path: 'g.txt', content: 'g\n' }]) });
  return { slug, first: a.json.sha, second: b.json.sha };
}

describe('snapshots (routes/snapshots.ts)', () => {
  it('routes/snapshots.ts:44-81 POST: the head of the default branch, 201 {name, branch, commit_sha, metadata, created_at}', async () => {
    const { slug, second } = await seeded();
    const r = await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 'before-refactor', metadata: { by: 'agent-7', step: 3 } } });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json)).toEqual(['name', 'branch', 'commit_sha', 'metadata', 'created_at']);
    expect(r.json).toMatchObject({ name: 'before-refactor', branch: 'main', commit_sha: second, metadata: { by: 'agent-7', step: 3 } });
    expect(Date.parse(r.json.created_at)).not.toBeNaN();
    // routes/snapshots.ts:69: no metadata is null
    expect((await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 'plain' } })).json.metadata).toBeNull();
  });

  it('routes/snapshots.ts:42,47,58 POST: no name 400, a missing branch 404, a name taken 409', async () => {
    const { slug } = await seeded();
    expect((await api('POST', `/v1/repos/${slug}/snapshots`, { body: {} })).status).toBe(400);
    const missing = await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's', branch: 'nope' } });
    expect(missing.status).toBe(404);
    expect(missing.json.error).toBe("Branch 'nope' not found");
    expect((await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's' } })).status).toBe(201);
    const dup = await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's' } });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toBe("Snapshot 's' already exists");
  });

  it('routes/snapshots.ts:106,138,171 GET list oldest first, GET one, 404 unknown, DELETE {deleted: true}', async () => {
    const { slug, first, second } = await seeded();
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'old', from_sha: first } });
    for (const [name, branch] of [['b-second', 'main'], ['a-first', 'old']]) await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name, branch } });
    const list = await api('GET', `/v1/repos/${slug}/snapshots`);
    expect(list.json.snapshots.map((s: { name: string; commit_sha: string }) => [s.name, s.commit_sha])).toEqual([
      ['b-second', second],
      ['a-first', first],
    ]);
    expect((await api('GET', `/v1/repos/${slug}/snapshots/a-first`)).json).toMatchObject({ name: 'a-first', branch: 'old', commit_sha: first });
    const none = await api('GET', `/v1/repos/${slug}/snapshots/nope`);
    expect(none.status).toBe(404);
    expect(none.json.error).toBe('Snapshot not found');
    expect((await api('DELETE', `/v1/repos/${slug}/snapshots/a-first`)).json).toEqual({ deleted: true });
    expect((await api('DELETE', `/v1/repos/${slug}/snapshots/a-first`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}/snapshots`)).json.snapshots).toHaveLength(1);
  });

  it('routes/snapshots.ts:203-224 restore moves the branch back (a clone checks the snapshot out) and answers {restored, branch, sha}', async () => {
    const { slug, first } = await seeded();
    const head0 = (await api('GET', `/v1/repos/${slug}/branches/main`)).json.sha;
    await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 'at-two' } });
    const later = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f.txt', content: 'three\n' }]) });
    expect(later.status).toBe(201);
    const r = await api('POST', `/v1/repos/${slug}/snapshots/at-two/restore`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ restored: true, branch: 'main', sha: head0 });
    const dir = path.join(tempDir(), 'clone');
    await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}`, key), dir]);
    expect(await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).toBe(head0);
    expect((await fsck(dir)).code).toBe(0);
    // "This does not delete commits": the commit made after the snapshot is still readable
    expect((await api('GET', `/v1/repos/${slug}/commits/${later.json.sha}`)).status).toBe(200);
    // routes/snapshots.ts:203: target_branch; a branch that does not exist is created
    const t = await api('POST', `/v1/repos/${slug}/snapshots/at-two/restore`, { body: { target_branch: 'rescue' } });
    expect(t.json).toEqual({ restored: true, branch: 'rescue', sha: head0 });
    expect((await api('GET', `/v1/repos/${slug}/branches/rescue`)).json.sha).toBe(head0);
    expect(first).toMatch(SHA);
  });

  it('routes/snapshots.ts:200 restore reads a body that is not JSON as {}', async () => {
    const { slug, second } = await seeded();
    await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's' } });
    const r = await api('POST', `/v1/repos/${slug}/snapshots/s/restore`, { body: 'not json', headers: { 'content-type': 'text/plain' } });
    expect(r.status).toBe(200);
    expect(r.json.sha).toBe(second);
  });

  it('routes/snapshots.ts:214-217 restore is a compare-and-swap: of restores racing commits, none is lost unseen', async () => {
    const { slug } = await seeded();
    await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's' } });
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? api('POST', `/v1/repos/${slug}/snapshots/s/restore`)
          : api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: `r${i}`, content: `${i}` }]) }),
      ),
    );
    for (const r of replies) expect([200, 201, 409]).toContain(r.status);
    for (const r of replies.filter((x) => x.status === 409)) expect(r.json.current_sha).toMatch(SHA);
    // the head is what the last winner set
    const head = (await api('GET', `/v1/repos/${slug}/branches/main`)).json.sha;
    expect(replies.some((r) => (r.status === 200 && r.json.sha === head) || (r.status === 201 && r.json.sha === head))).toBe(true);
  });

  it('routes/repos.ts:496 deleting a repo deletes its snapshots', async () => {
    const { slug } = await seeded();
    await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 's' } });
    expect((await api('DELETE', `/v1/repos/${slug}`)).status).toBe(200);
    expect((await api('POST', '/v1/repos', { body: { slug } })).status).toBe(201);
    expect((await api('GET', `/v1/repos/${slug}/snapshots`)).json.snapshots).toEqual([]);
  });
});

describe('templates and forks (routes/repos.ts, routes/forks.ts)', () => {
  it('routes/repos.ts:64,172,234,405 is_template on create, in the reply, as a filter of the list, and by PATCH', async () => {
    const key2 = await gw.createKey('templ');
    const t = apiClient(gw, key2);
    expect((await t('POST', '/v1/repos', { body: { slug: 'starter', is_template: true, visibility: 'public' } })).json.is_template).toBe(true);
    expect((await t('POST', '/v1/repos', { body: { slug: 'plain' } })).json.is_template).toBe(false);
    expect((await t('POST', '/v1/repos', { body: { slug: 'later' } })).status).toBe(201);
    expect((await t('PATCH', '/v1/repos/later', { body: { is_template: true } })).json.is_template).toBe(true);
    const templates = await t('GET', '/v1/repos?is_template=true');
    expect(templates.json.repos.map((r: { slug: string }) => r.slug).sort()).toEqual(['later', 'starter']);
    expect((await t('GET', '/v1/repos')).json.repos).toHaveLength(3);
  });

  it('routes/forks.ts:147-155,258-281 POST /fork: a private, non-template repo with the source\'s refs; the reply says where it came from', async () => {
    const { slug, second } = await seeded({ description: 'the starter', is_template: true, visibility: 'public' });
    await api('PUT', `/v1/repos/${slug}/refs/tags/v1`, { body: { sha: second } });
    const src = (await api('GET', `/v1/repos/${slug}`)).json;
    const r = await api('POST', `/v1/repos/${slug}/fork`, { body: { slug: `${slug}-copy`, namespace: 'agents' } });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({
      namespace: 'agents',
      slug: `${slug}-copy`,
      description: 'the starter',
      default_branch: 'main',
      visibility: 'private',
      is_template: false,
      forked_from: { repo_id: src.id, org_id: 'acme', slug, namespace: null },
      fork_mode: 'instant',
      fork_depth: 1,
      fork_root: src.id,
      blob_materialization: 'sync',
      owned_blobs: 0,
    });
    expect(r.json.shared_blobs).toBeGreaterThan(0);
    expect(r.json.api_url).toMatch(new RegExp(`/v1/repos/agents/${slug}-copy$`));
    // git sees the same refs in both
    const a = await lsRemote(repoUrl(gw.url, `acme/${slug}`, key));
    const b = await lsRemote(repoUrl(gw.url, `acme/agents/${slug}-copy`, key));
    expect(b.refs.sort()).toEqual(a.refs.sort());
    // routes/repos.ts:357: the fork says so from then on
    expect((await api('GET', `/v1/repos/agents/${slug}-copy`)).json.forked_from).toEqual({ repo_id: src.id, org_id: 'acme' });
    expect((await api('GET', `/v1/repos/${slug}`)).json.forked_from).toBeNull();
  });

  it('a fork is independent on writes, clones whole, and outlives its source', async () => {
    const { slug, second } = await seeded();
    expect((await api('POST', `/v1/repos/${slug}/fork`, { body: { slug: `${slug}-f` } })).status).toBe(201);
    const inFork = await api('POST', `/v1/repos/${slug}-f/commits`, { body: commitBody('main', [{ path: 'fork-only', content: 'x' }]) });
    const inSource = await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'source-only', content: 'y' }]) });
    expect(inFork.json.parent).toBe(second);
    expect(inSource.json.parent).toBe(second);
    expect((await api('GET', `/v1/repos/${slug}/raw/main/fork-only`)).status).toBe(404);
    expect((await api('GET', `/v1/repos/${slug}-f/raw/main/source-only`)).status).toBe(404);
    // the source goes; the fork keeps every object it was given
    expect((await api('DELETE', `/v1/repos/${slug}`)).status).toBe(200);
    const dir = path.join(tempDir(), 'fork');
    await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}-f`, key), dir]);
    const r = await fsck(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(await gitOk(['rev-list', '--count', 'HEAD'], { cwd: dir })).toBe('4'); // init, two, the fork's own
  });

  it('routes/forks.ts:112,122,155 default_branch and description from the source unless given; deep mode roots the chain at the fork; forks of forks count depth', async () => {
    const { slug } = await seeded({ description: 'src' });
    const f1 = await api('POST', `/v1/repos/${slug}/fork`, { body: { slug: `${slug}-1`, description: 'mine' } });
    expect(f1.json).toMatchObject({ description: 'mine', default_branch: 'main', fork_depth: 1 });
    const f2 = await api('POST', `/v1/repos/${slug}-1/fork`, { body: { slug: `${slug}-2` } });
    expect(f2.json).toMatchObject({ description: 'mine', fork_depth: 2, fork_root: (await api('GET', `/v1/repos/${slug}`)).json.id });
    const deep = await api('POST', `/v1/repos/${slug}/fork`, { body: { slug: `${slug}-deep`, mode: 'deep' } });
    expect(deep.json).toMatchObject({ fork_mode: 'deep', fork_root: deep.json.id });
  });

  it('routes/forks.ts:58,81,84,108 a missing source 404, no or a bad slug 400, a taken slug 409', async () => {
    const { slug } = await seeded();
    const none = await api('POST', '/v1/repos/nothing-here/fork', { body: { slug: 'x' } });
    expect(none.status).toBe(404);
    expect((await api('POST', `/v1/repos/${slug}/fork`, { body: {} })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/fork`, { body: { slug: 'Bad_Slug' } })).status).toBe(400);
    expect((await api('POST', `/v1/repos/${slug}/fork`, { body: { slug } })).status).toBe(409);
  });
});
