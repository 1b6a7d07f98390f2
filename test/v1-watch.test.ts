// GET /v1/repos/:slug/watch: server-sent events as Coregit's src/routes/watch.ts (7c8b6e3)
// sends them, pushed the moment a ref moves instead of polled every 2 s, and resumable with
// Last-Event-ID. Against a real server; the moves come from API commits, git pushes, ref
// writes and snapshot restores. Cases that follow a line of Coregit's code name it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { gitOk, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { openSse, type SseStream } from './helpers/sse.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;
let api: Api;
let n = 0;
const open: SseStream[] = [];

beforeAll(async () => {
  gw = await startGitwell({ env: { GITWELL_WATCH_KEEPALIVE_SECONDS: '1', GITWELL_WATCH_WINDOW_SECONDS: '120' } });
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
});
afterAll(async () => {
  await gw?.stop();
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  removeTempDirs();
});

async function watch(slug: string, query = '', headers: Record<string, string> = {}, server: Gitwell = gw, k: string = key): Promise<SseStream> {
  const s = await openSse(`${server.url}/v1/repos/${slug}/watch${query}`, { 'x-api-key': k, ...headers });
  open.push(s);
  return s;
}

async function newRepo(a: Api = api): Promise<{ slug: string; head: string }> {
  const slug = `w${++n}`;
  expect((await a('POST', '/v1/repos', { body: { slug } })).status).toBe(201);
  const c = await a('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f', content: '0\n' }]) });
  return { slug, head: c.json.sha };
}

const commitTo = async (slug: string, branch: string, content: string) =>
  (await api('POST', `/v1/repos/${slug}/commits`, { body: commitBody(branch, [{ path: 'f', content }]) })).json.sha as string;

/** Waits `ms` and says how many events arrived meanwhile (none are expected). */
async function quiet(s: SseStream, ms: number): Promise<number> {
  const before = s.events.length;
  await new Promise((r) => setTimeout(r, ms));
  return s.events.length - before;
}

describe('the stream Coregit sends', () => {
  it('routes/watch.ts:69,102 connected {sha, branch} first; text/event-stream, no-cache, no buffering', async () => {
    const { slug, head } = await newRepo();
    const s = await watch(slug);
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('text/event-stream');
    expect(s.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    const c = await s.nth(0);
    expect(c.event).toBe('connected');
    expect(c.data).toEqual({ sha: head, branch: 'main' });
  });

  it('routes/watch.ts:47,52 ?branch= picks the branch (default: the default branch); a missing one is 404', async () => {
    const { slug, head } = await newRepo();
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'dev/x' } });
    expect((await (await watch(slug, '?branch=dev/x')).nth(0)).data).toEqual({ sha: head, branch: 'dev/x' });
    const missing = await fetch(`${gw.url}/v1/repos/${slug}/watch?branch=nope`, { headers: { 'x-api-key': key } });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('Branch "nope" not found');
  });

  it('routes/watch.ts:82 commit {sha, branch, ts} when the branch moves; other branches say nothing', async () => {
    const { slug } = await newRepo();
    const s = await watch(slug);
    await s.nth(0);
    await commitTo(slug, 'other', 'elsewhere');
    const sha = await commitTo(slug, 'main', '1\n');
    const e = await s.nth(1);
    expect(e.event).toBe('commit');
    expect(e.data).toMatchObject({ sha, branch: 'main' });
    expect(typeof e.data.ts).toBe('number');
    expect(Math.abs(e.data.ts - Date.now())).toBeLessThan(10_000);
    expect(await quiet(s, 300)).toBe(0);
  });

  it('routes/watch.ts:86 ": keepalive" comments', async () => {
    const { slug } = await newRepo();
    const s = await watch(slug);
    await s.nth(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect(s.comments.filter((c) => c === 'keepalive').length).toBeGreaterThanOrEqual(1);
  });

  it('routes/watch.ts:29,91 rotate {sha, ts} closes the window; the client reconnects', async () => {
    const short = await startGitwell({ env: { GITWELL_WATCH_WINDOW_SECONDS: '1.5' } });
    try {
      const k = await short.createKey('acme');
      const { slug } = await newRepo(apiClient(short, k));
      const s = await watch(slug, '', {}, short, k);
      const head = (await s.nth(0)).data.sha;
      const r = await s.nth(1, 5000);
      expect(r.event).toBe('rotate');
      expect(r.data).toMatchObject({ sha: head });
      await s.ended;
    } finally {
      await short.stop();
    }
  });
});

describe('pushed the moment a ref moves', () => {
  it('a push and an API commit each give exactly one event, in order, to every watcher', async () => {
    const { slug, head } = await newRepo();
    const watchers = await Promise.all([watch(slug), watch(slug), watch(slug)]);
    for (const w of watchers) await w.nth(0);

    const viaApi = await commitTo(slug, 'main', 'from the API\n');
    const dir = path.join(tempDir(), 'clone');
    await gitOk(['clone', '-q', repoUrl(gw.url, `acme/${slug}`, key), dir]);
    fs.writeFileSync(path.join(dir, 'f'), 'from git\n');
    await gitOk(['commit', '-qam', 'pushed'], { cwd: dir });
    await gitOk(['push', '-q', 'origin', 'main'], { cwd: dir });
    const viaPush = await gitOk(['rev-parse', 'HEAD'], { cwd: dir });
    const again = await commitTo(slug, 'main', 'API again\n');

    for (const w of watchers) {
      await w.nth(3);
      expect(await quiet(w, 500)).toBe(0);
      const commits = w.events.filter((e) => e.event === 'commit');
      expect(commits.map((e) => e.data.sha)).toEqual([viaApi, viaPush, again]);
      // each says where the branch was before it
      expect(commits.map((e) => e.data.previous)).toEqual([head, viaApi, viaPush]);
      // ids grow, so a reconnect knows where it was
      const seqs = w.events.map((e) => Number(e.id!.split('.')[1]));
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
  });

  it('an event arrives well within Coregit\'s 2 s poll (routes/watch.ts:27)', async () => {
    const { slug } = await newRepo();
    const s = await watch(slug);
    await s.nth(0);
    const t = Date.now();
    const sha = await commitTo(slug, 'main', 'fast\n');
    expect((await s.nth(1, 2000)).data.sha).toBe(sha);
    expect(Date.now() - t).toBeLessThan(1000);
  });

  it('ref writes, restores, deletions: a move is an event, a deletion or a write of the same sha is none', async () => {
    const { slug, head } = await newRepo();
    await api('POST', `/v1/repos/${slug}/snapshots`, { body: { name: 'start' } });
    const s = await watch(slug);
    await s.nth(0);
    const moved = await commitTo(slug, 'main', 'moved\n');
    await s.nth(1);
    await api('PUT', `/v1/repos/${slug}/refs/heads/main`, { body: { sha: moved } }); // no move
    await api('POST', `/v1/repos/${slug}/snapshots/start/restore`);
    expect((await s.nth(2)).data).toMatchObject({ sha: head, previous: moved });
    // a watched branch that goes and comes back
    await api('POST', `/v1/repos/${slug}/branches`, { body: { name: 'tmp' } });
    const t = await watch(slug, '?branch=tmp');
    await t.nth(0);
    await api('DELETE', `/v1/repos/${slug}/branches/tmp`);
    expect(await quiet(t, 300)).toBe(0);
    await api('PUT', `/v1/repos/${slug}/refs/heads/tmp`, { body: { sha: moved } });
    expect((await t.nth(1)).data).toMatchObject({ sha: moved, branch: 'tmp' });
    expect(s.events.filter((e) => e.event === 'commit')).toHaveLength(2);
  });
});

describe('Last-Event-ID', () => {
  it('a reconnect with the last id gets connected with the head it saw, then every move it missed, in order', async () => {
    const { slug, head } = await newRepo();
    const s = await watch(slug);
    const first = await s.nth(0);
    s.close();
    const missed = [await commitTo(slug, 'main', 'a\n'), await commitTo(slug, 'main', 'b\n'), await commitTo(slug, 'main', 'c\n')];
    const r = await watch(slug, '', { 'last-event-id': first.id! });
    expect((await r.nth(0)).data).toEqual({ sha: head, branch: 'main' });
    await r.nth(3);
    expect(r.events.slice(1).map((e) => [e.event, e.data.sha])).toEqual(missed.map((sha) => ['commit', sha]));
    // and then goes on live
    const live = await commitTo(slug, 'main', 'd\n');
    expect((await r.nth(4)).data.sha).toBe(live);
    // resuming from the middle gets only what came after
    const mid = r.events[2].id!;
    const m = await watch(slug, '', { 'last-event-id': mid });
    await m.nth(2);
    expect(m.events.map((e) => e.data.sha)).toEqual([missed[1], missed[2], live]);
    expect(await quiet(m, 300)).toBe(0);
  });

  it('after a rotate, the reconnect misses nothing that moved in between', async () => {
    const short = await startGitwell({ env: { GITWELL_WATCH_WINDOW_SECONDS: '1' } });
    try {
      const k = await short.createKey('acme');
      const sapi = apiClient(short, k);
      const { slug } = await newRepo(sapi);
      const s = await watch(slug, '', {}, short, k);
      await s.nth(0);
      await s.ended;
      const lastId = [...s.events].reverse().find((e) => e.id)!.id!;
      const between = (await sapi('POST', `/v1/repos/${slug}/commits`, { body: commitBody('main', [{ path: 'f', content: 'between\n' }]) })).json.sha;
      const r = await watch(slug, '', { 'last-event-id': lastId }, short, k);
      expect((await r.nth(1)).data).toMatchObject({ sha: between });
    } finally {
      await short.stop();
    }
  });

  it('an id the server cannot resume from (another run of the server) gets one commit to the head, marked resync', async () => {
    const { slug, head } = await newRepo();
    const old = '0'.repeat(39) + '1';
    const s = await watch(slug, '', { 'last-event-id': `ffffffff.42.${old}` });
    expect((await s.nth(0)).data).toEqual({ sha: old, branch: 'main' });
    expect((await s.nth(1)).data).toMatchObject({ sha: head, resync: true });
    // nothing to say when the head is what the client saw
    const same = await watch(slug, '', { 'last-event-id': `ffffffff.42.${head}` });
    await same.nth(0);
    expect(await quiet(same, 300)).toBe(0);
  });
});
