// Revisions with git's ancestry suffixes (main~1, main^, main~2^) in the REST API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';

let gw: Gitwell;
let key: string;
const shas: string[] = [];

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${gw.url}${path}`, { ...init, headers: { 'x-api-key': key, 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

beforeAll(async () => {
  gw = await startGitwell();
  key = await gw.createKey('acme');
  expect((await api('/v1/repos', { method: 'POST', body: JSON.stringify({ slug: 'revs' }) })).status).toBe(201);
  for (let i = 0; i < 4; i++) {
    const r = await api('/v1/repos/revs/commits', {
      method: 'POST',
      body: JSON.stringify({ branch: 'main', message: `c${i}`, author: { name: 'A', email: 'a@x' }, changes: [{ action: i === 0 ? 'create' : 'edit', path: 'f.txt', ...(i === 0 ? { content: 'v0\n' } : { edits: [{ old_string: `v${i - 1}`, new_string: `v${i}` }] }) }] }),
    });
    expect(r.status).toBe(201);
    shas.push(((await r.json()) as { sha: string }).sha);
  }
}, 60_000);

afterAll(async () => {
  await gw?.stop();
});

describe('ancestry suffixes', () => {
  it('main~N, main^ and chains of them name the first-parent ancestors', async () => {
    for (const [rev, want] of [['main~1', 2], ['main^', 2], ['main~2', 1], ['main^^', 1], ['main~2^', 0], ['main~3', 0]] as const) {
      const r = await api(`/v1/repos/revs/raw/${encodeURIComponent(rev)}/f.txt`);
      expect(r.status, rev).toBe(200);
      expect(await r.text(), rev).toBe(`v${want}\n`);
    }
    const d = await api('/v1/repos/revs/diff?base=main~1&head=main');
    expect(d.status).toBe(200);
    expect(((await d.json()) as { files: Array<{ additions: number; deletions: number }> }).files[0]).toMatchObject({ additions: 1, deletions: 1 });
  });

  it('past the root is 404, and a branch ref is never cached as immutable', async () => {
    expect((await api('/v1/repos/revs/raw/main~4/f.txt')).status).toBe(404);
    const t = await api('/v1/repos/revs/tree/main~1');
    expect(t.status).toBe(200);
    expect(t.headers.get('cache-control')).not.toMatch(/immutable/);
    const s = await api(`/v1/repos/revs/tree/${shas[1]}~1`);
    expect(s.status).toBe(200);
    expect(s.headers.get('cache-control')).toMatch(/immutable/);
  });
});
