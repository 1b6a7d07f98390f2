// The audit log: every audited action has its entry, written in the transaction of the change
// itself. Each action here is followed at once by SIGKILL of the server, which is then
// started again on the same data dir: the entry must be there (it was durable before the answer
// was sent). Then the query: newest first, by action, since/until, cursor pages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, repoUrl, tempDir, removeTempDirs } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let dataDir: string;
let gw: Gitwell;
let key: string;
let keyId: string;

const api = (): Api => apiClient(gw, key);

interface Entry {
  id: string;
  at: string;
  action: string;
  door: string;
  credential: { id: string; kind: string } | null;
  repo: { id: string; path: string } | null;
  details: Record<string, unknown>;
}

/** Kills the server the moment the last answer came, starts it again on the same data. */
async function crash(): Promise<void> {
  gw.kill9();
  const exit = await gw.exited;
  expect(exit.signal).toBe('SIGKILL');
  gw = await startGitwell({ dataDir });
}

async function log(query = ''): Promise<Entry[]> {
  const r = await api()('GET', `/v1/audit-log?limit=100${query}`);
  expect(r.status, r.text).toBe(200);
  return r.json.entries;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-audit-'));
  gw = await startGitwell({ dataDir });
  const r = await gw.cli(['key', 'create', '--org', 'acme', '--name', 'admin', '--json']);
  ({ key, id: keyId } = JSON.parse(r.stdout));
});
afterAll(async () => {
  await gw?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
  removeTempDirs();
});

describe('every audited action survives a SIGKILL right after its answer', () => {
  const byKey = () => ({ id: keyId, kind: 'key' });

  it('key.created by the CLI', async () => {
    const [e] = await log('&action=key.created');
    expect(e).toMatchObject({ action: 'key.created', door: 'cli', credential: null, details: { key_id: keyId, name: 'admin' } });
  });

  it('repo.created, repo.updated, ref.updated (API commit), repo.deleted', async () => {
    expect((await api()('POST', '/v1/repos', { body: { slug: 'r', namespace: 'ns' } })).status).toBe(201);
    await crash();
    let [e, created] = await log();
    // Coregit's init (on by default) commits the empty tree: its ref.updated lands after the
    // repo.created, in its own transaction, by the same caller
    expect(e).toMatchObject({ action: 'ref.updated', door: 'v1', credential: byKey(), repo: { path: 'ns/r' }, details: { ref: 'refs/heads/main', old: null } });
    const initial = e.details.new;
    expect(created).toMatchObject({ action: 'repo.created', door: 'v1', credential: byKey(), repo: { path: 'ns/r' } });

    expect((await api()('PATCH', '/v1/repos/ns/r', { body: { visibility: 'public', description: 'd' } })).status).toBe(200);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'repo.updated', details: { visibility: { from: 'private', to: 'public' }, description: { from: '', to: 'd' } } });

    const c = await api()('POST', '/v1/repos/ns/r/commits', { body: commitBody('main', [{ path: 'a', content: 'a\n' }]) });
    expect(c.status).toBe(201);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'ref.updated', door: 'v1', credential: byKey(), repo: { path: 'ns/r' }, details: { ref: 'refs/heads/main', old: initial, new: c.json.sha } });

    expect((await api()('POST', '/v1/repos', { body: { slug: 'gone' } })).status).toBe(201);
    expect((await api()('DELETE', '/v1/repos/gone')).status).toBe(200);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'repo.deleted', repo: { path: 'gone' }, credential: byKey() });
  });

  it('a fork: repo.created naming its source, by the caller; a snapshot restore: ref.updated by the caller', async () => {
    expect((await api()('POST', '/v1/repos', { body: { slug: 'origin' } })).status).toBe(201);
    const t = await api()('POST', '/v1/tokens', { body: { name: 'forker', scopes: { 'repos:*': ['write'] }, expires_in: 7200 } });
    expect(t.status).toBe(201);
    const byToken = { id: t.json.id, kind: 'token' };
    const tok = (): Api => apiClient(gw, t.json.token);
    const f = await tok()('POST', '/v1/repos/origin/fork', { body: { slug: 'origin-fork' } });
    expect(f.status, f.text).toBe(201);
    await crash();
    let [e] = await log('&action=repo.created');
    expect(e).toMatchObject({ action: 'repo.created', door: 'v1', credential: byToken, repo: { path: 'origin-fork' }, details: { forked_from: { org: 'acme', path: 'origin' }, refs: 1 } });

    const head = (await api()('GET', '/v1/repos/origin/branches/main')).json.sha;
    expect((await tok()('POST', '/v1/repos/origin/snapshots', { body: { name: 'before' } })).status).toBe(201);
    const c = await api()('POST', '/v1/repos/origin/commits', { body: commitBody('main', [{ path: 'b', content: 'b\n' }]) });
    expect(c.status).toBe(201);
    const r = await tok()('POST', '/v1/repos/origin/snapshots/before/restore');
    expect(r.status, r.text).toBe(200);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'ref.updated', door: 'v1', credential: byToken, repo: { path: 'origin' }, details: { ref: 'refs/heads/main', old: c.json.sha, new: head } });
  });

  it('token.created, ref.updated by a token (PUT refs), token.revoked', async () => {
    const t = await api()('POST', '/v1/tokens', { body: { name: 'ci', scopes: { 'repos:ns/*': ['write'] }, expires_in: 7200 } });
    expect(t.status).toBe(201);
    await crash();
    let [e] = await log();
    expect(e).toMatchObject({ action: 'token.created', credential: byKey(), details: { token_id: t.json.id, name: 'ci', scopes: { 'repos:ns/*': ['read', 'write'] } } });
    expect(JSON.stringify(e)).not.toContain(t.json.token.slice(-43));

    const head = (await api()('GET', '/v1/repos/ns/r/refs/heads/main')).json.sha;
    const put = await apiClient(gw, t.json.token)('PUT', '/v1/repos/ns/r/refs/heads/feature', { body: { sha: head } });
    expect(put.status, put.text).toBe(200);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'ref.updated', credential: { id: t.json.id, kind: 'token' }, details: { ref: 'refs/heads/feature', old: null, new: head } });

    expect((await api()('DELETE', `/v1/tokens/${t.json.id}`)).status).toBe(200);
    await crash();
    [e] = await log();
    expect(e).toMatchObject({ action: 'token.revoked', credential: byKey(), details: { token_id: t.json.id } });
  });

  it('push.received and ref.updated through git, with the credential and the door; the first push moving the default branch', async () => {
    // no initial commit: the first push decides the default branch
    expect((await api()('POST', '/v1/repos', { body: { slug: 'pushed', init: false } })).status).toBe(201);
    const work = tempDir();
    await gitOk(['init', '-q', '-b', 'master', work]);
    fs.writeFileSync(path.join(work, 'f'), 'x\n');
    await gitOk(['add', 'f'], { cwd: work });
    await gitOk(['-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-qm', 'one'], { cwd: work });
    const sha = await gitOk(['rev-parse', 'HEAD'], { cwd: work });
    const p = await git(['push', '-q', repoUrl(gw.url, 'acme/pushed', key), 'master', 'master:refs/heads/dev'], { cwd: work });
    expect(p.code, p.stderr).toBe(0);
    await crash();
    const entries = (await log()).filter((x) => x.repo?.path === 'pushed' && x.action !== 'repo.created');
    // one transaction: the push, its two refs, and the default branch the first branches decide
    expect(entries.map((x) => x.action).sort()).toEqual(['push.received', 'ref.updated', 'ref.updated', 'repo.updated']);
    for (const x of entries) expect(x).toMatchObject({ door: 'git', credential: byKey() });
    expect(entries.filter((x) => x.action === 'ref.updated').map((x) => x.details).sort((a, b) => String(a.ref).localeCompare(String(b.ref)))).toEqual([
      { ref: 'refs/heads/dev', old: null, new: sha },
      { ref: 'refs/heads/master', old: null, new: sha },
    ]);
    expect(entries.find((x) => x.action === 'push.received')!.details).toMatchObject({ refs: 2, objects: 3 });
    expect(entries.find((x) => x.action === 'repo.updated')!.details).toMatchObject({ default_branch: { from: 'main', to: 'master' } });
  });

  it('key.revoked through the API and the CLI, key.rotated through the CLI', async () => {
    const a = JSON.parse((await gw.cli(['key', 'create', '--org', 'acme', '--name', 'a', '--json'])).stdout);
    const b = JSON.parse((await gw.cli(['key', 'create', '--org', 'acme', '--name', 'b', '--json'])).stdout);
    const c = JSON.parse((await gw.cli(['key', 'create', '--org', 'acme', '--name', 'c', '--json'])).stdout);
    expect((await api()('DELETE', `/v1/keys/${a.id}`)).status).toBe(200);
    await crash();
    let [e] = await log();
    expect(e).toMatchObject({ action: 'key.revoked', door: 'v1', credential: byKey(), details: { key_id: a.id } });
    expect((await gw.cli(['key', 'revoke', b.id])).code).toBe(0);
    expect((await gw.cli(['key', 'rotate', c.id])).code).toBe(0);
    [e] = await log();
    expect(e).toMatchObject({ action: 'key.rotated', door: 'cli', credential: null, details: { key_id: c.id } });
    expect((await log('&action=key.revoked')).map((x) => x.details.key_id)).toEqual([b.id, a.id]);
  });
});

describe('the query', () => {
  it('newest first, one action, since/until, cursor pages that end with null', async () => {
    const all = await log();
    expect(all.length).toBeGreaterThan(12);
    const times = all.map((x) => x.id);
    expect([...times].sort().reverse()).toEqual(times);
    const pages: string[] = [];
    let cursor: string | null = '';
    for (let i = 0; cursor !== null && i < 50; i++) {
      const r = await api()('GET', `/v1/audit-log?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(...r.json.entries.map((x: Entry) => x.id));
      cursor = r.json.next_cursor;
    }
    expect(pages).toEqual(times);
    const refs = await log('&action=ref.updated');
    expect(refs.length).toBeGreaterThanOrEqual(4);
    expect(refs.every((x) => x.action === 'ref.updated')).toBe(true);
    const mid = all[Math.floor(all.length / 2)];
    const since = await log(`&since=${encodeURIComponent(mid.at)}`);
    expect(since.every((x) => x.at >= mid.at)).toBe(true);
    expect(since.map((x) => x.id)).toContain(mid.id);
    const until = await log(`&until=${encodeURIComponent(mid.at)}`);
    expect(until.every((x) => x.at < mid.at)).toBe(true);
    expect(since.length + until.length).toBe(all.length);
    for (const bad of ['action=nope', 'since=yesterday', 'cursor=xyz', 'limit=0']) {
      expect((await api()('GET', `/v1/audit-log?${bad}`)).status, bad).toBe(400);
    }
  });

  it('an org sees only its own log, and only with a master key', async () => {
    const rival = apiClient(gw, await gw.createKey('rival'));
    const r = await rival('GET', '/v1/audit-log');
    expect(r.status).toBe(200);
    expect(r.json.entries.map((x: Entry) => x.action)).toEqual(['key.created']);
    expect(r.text).not.toContain('acme');
    const t = await api()('POST', '/v1/tokens', { body: { name: 'x', scopes: ['repo'], expires_in: 3600 } });
    expect((await apiClient(gw, t.json.token)('GET', '/v1/audit-log')).status).toBe(403);
  });
});
