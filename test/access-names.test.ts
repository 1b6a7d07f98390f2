// Names, checked wherever they enter. Branch and tag names git refuses ("HEAD", "-x") are refused
// by every door that creates refs: POST /branches, PUT /refs, POST /commits, PATCH and POST
// default_branch, and a push. The default branch cannot be deleted by any door (DELETE
// /refs/heads/<default> as DELETE /branches/<default> and receive-pack). Org, namespace and repo
// names follow one rule in the CLI, the REST API and the public routes: `key create --org 'acme/'`
// fails, and /v1/orgs/acme%2F/repos names no org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { refStatus } from './helpers/pktline.js';
import { emptyPack, receivePack, ZERO_OID } from './helpers/raw-git.js';
import { apiClient, commitBody, type Api } from './helpers/v1-api.js';

let gw: Gitwell;
let key: string;
let api: Api;
let head: string;

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  api = apiClient(gw, key);
  expect((await api('POST', '/v1/repos', { body: { slug: 'r', visibility: 'public' } })).status).toBe(201);
  const c = await api('POST', '/v1/repos/r/commits', { body: commitBody('main', [{ path: 'a', content: 'a\n' }]) });
  expect(c.status).toBe(201);
  head = c.json.sha;
});
afterAll(async () => {
  await gw?.stop();
});

describe('branch and tag names git refuses', () => {
  it('are refused by every REST route that makes a ref', async () => {
    for (const name of ['HEAD', '-x', '-', 'x..y']) {
      const tries: Array<[string, Promise<{ status: number; json: any }>]> = [
        ['POST branches', api('POST', '/v1/repos/r/branches', { body: { name, from: 'main' } })],
        ['PUT refs/heads', api('PUT', `/v1/repos/r/refs/heads/${encodeURIComponent(name)}`, { body: { sha: head } })],
        ['POST commits', api('POST', '/v1/repos/r/commits', { body: commitBody(name, [{ path: 'b', content: 'b\n' }]) })],
        ['PATCH default_branch', api('PATCH', '/v1/repos/r', { body: { default_branch: name } })],
        ['POST repos default_branch', api('POST', '/v1/repos', { body: { slug: 'other', default_branch: name } })],
      ];
      if (name !== 'x..y') tries.push(['PUT refs/tags', api('PUT', `/v1/repos/r/refs/tags/${encodeURIComponent(name)}`, { body: { sha: head } })]);
      for (const [what, p] of tries) {
        const r = await p;
        expect(r.status, `${what} ${name}`).toBe(400);
        expect(r.json.code).toBe('VALIDATION_ERROR');
      }
    }
    const refs = (await api('GET', '/v1/repos/r/refs')).json.refs.map((x: { ref: string }) => x.ref);
    expect(refs).toEqual(['refs/heads/main']);
    expect((await api('GET', '/v1/repos/r')).json.default_branch).toBe('main');
    // names git takes are taken
    expect((await api('POST', '/v1/repos/r/branches', { body: { name: 'feature/-x', from: 'main' } })).status).toBe(201);
  });

  it('are refused by a push, ref by ref, as git would say', async () => {
    const cmds = ['refs/heads/HEAD', 'refs/heads/-x', 'refs/tags/-v1', 'refs/tags/HEAD', 'refs/heads/fine'].map((ref) => ({ old: ZERO_OID, new: head, ref }));
    const r = await receivePack(gw.url, 'acme/r', key, cmds, emptyPack());
    expect(r.status).toBe(200);
    for (const c of cmds.slice(0, 4)) expect(refStatus(r.report, c.ref), c.ref).toMatch(/^ng .*funny refname/);
    expect(refStatus(r.report, 'refs/heads/fine')).toBe('ok');
  });
});

describe('the default branch', () => {
  it('cannot be deleted through the refs route, the branches route or a push', async () => {
    // 400, as Coregit answers it (routes/refs.ts, routes/branches.ts)
    const viaRefs = await api('DELETE', '/v1/repos/r/refs/heads/main');
    expect(viaRefs.status).toBe(400);
    expect(viaRefs.json.error).toMatch(/default branch/);
    expect((await api('DELETE', `/v1/repos/r/refs/heads/main?expected_sha=${head}`)).status).toBe(400);
    expect((await api('DELETE', '/v1/repos/r/branches/main')).status).toBe(400);
    const push = await receivePack(gw.url, 'acme/r', key, [{ old: head, new: ZERO_OID, ref: 'refs/heads/main' }], undefined);
    expect(refStatus(push.report, 'refs/heads/main')).toMatch(/^ng .*default branch/);
    expect((await api('GET', '/v1/repos/r/refs/heads/main')).json.sha).toBe(head);
    // another branch goes
    expect((await api('POST', '/v1/repos/r/branches', { body: { name: 'tmp', from: 'main' } })).status).toBe(201);
    expect((await api('DELETE', '/v1/repos/r/refs/heads/tmp')).status).toBe(200);
  });

  it('once it moves, the old default can be deleted and the new one cannot', async () => {
    expect((await api('POST', '/v1/repos/r/branches', { body: { name: 'next', from: 'main' } })).status).toBe(201);
    expect((await api('PATCH', '/v1/repos/r', { body: { default_branch: 'next' } })).status).toBe(200);
    expect((await api('DELETE', '/v1/repos/r/refs/heads/next')).status).toBe(400);
    expect((await api('DELETE', '/v1/repos/r/refs/heads/main')).status).toBe(200);
  });
});

describe('org, namespace and repo names', () => {
  it('the CLI refuses an org name that is not one, so no key reaches into another org', async () => {
    for (const org of ['acme/', 'acme/x', 'Acme', '-acme', 'acme--x', '', 'a'.repeat(101)]) {
      const r = await gw.cli(['key', 'create', '--org', org, '--json']);
      expect(r.code, JSON.stringify(org)).toBe(1);
    }
    for (const full of ['acme/Bad', 'acme/x_y', 'acme/-x/y', 'acme/tree']) {
      expect((await gw.cli(['repo', 'create', full])).code, full).toBe(1);
    }
  });

  it('the public routes name no org or repo outside the rule', async () => {
    const anon = apiClient(gw, null);
    // no such org: 404, as Coregit's public list answers an org it does not know (routes/public.ts)
    for (const p of ['/v1/orgs/acme%2F/repos', '/v1/orgs/ACME/repos', '/v1/orgs/acme%2F%2F/repos']) {
      const r = await anon('GET', p);
      expect(r.status, p).toBe(404);
      expect(r.json.repos, p).toBeUndefined();
    }
    expect((await anon('GET', '/v1/orgs/acme/repos')).json.repos.map((x: { slug: string }) => x.slug)).toEqual(['r']);
    for (const p of ['/v1/orgs/acme%2F/repos/r', '/v1/orgs/acme/repos/R', '/v1/repos/r%2F', '/v1/orgs/acme/repos/..%2Fr/raw/main/a']) {
      const r = p.startsWith('/v1/repos') ? await api('GET', p) : await anon('GET', p);
      expect(r.status, p).toBe(404);
    }
  });

  it('a repo created by the CLI is audited through the CLI door', async () => {
    expect((await gw.cli(['repo', 'create', 'acme/ns/from-cli'])).code).toBe(0);
    const [e] = (await api('GET', '/v1/audit-log?action=repo.created&limit=1')).json.entries;
    expect(e).toMatchObject({ door: 'cli', repo: { path: 'ns/from-cli' } });
  });
});
