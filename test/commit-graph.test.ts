// selectCommits is rev-list wants ^haves; it must be exact even when every commit has the same
// time (no help from dates), and must not cost a walk of the whole have-side history.
import { describe, expect, it } from 'vitest';
import { hashObject, oidToHex } from '../src/core/oid.js';
import { serializeCommit } from '../src/core/object/commit.js';
import { CommitGraph, selectCommits } from '../src/core/commit-graph.js';

const TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function graph() {
  const objects = new Map<string, Buffer>();
  const who = (t: number) => ({ name: 'T', email: 't@e', time: t, tz: '+0000' });
  const commit = (parents: string[], time = 1_700_000_000, msg = `${Math.random()}`) => {
    const data = serializeCommit({ tree: TREE, parents, author: who(time), committer: who(time), message: msg });
    const oid = oidToHex(hashObject('commit', data));
    objects.set(oid, data);
    return oid;
  };
  const finder = { get: (oid: Uint8Array) => { const d = objects.get(oidToHex(oid)); return d ? { type: 1, data: d } : undefined; } };
  return { commit, g: new CommitGraph(finder) };
}

function chain(commit: (p: string[]) => string, from: string[], n: number): string[] {
  const out: string[] = [];
  let parents = from;
  for (let i = 0; i < n; i++) {
    const c = commit(parents);
    out.push(c);
    parents = [c];
  }
  return out;
}

describe('selectCommits', () => {
  it('is exact when all commits share one timestamp (regression: sent the have side)', async () => {
    const { commit, g } = graph();
    const p = chain(commit, [], 6);
    const a2 = commit([p[5]]);
    const b = chain(commit, [a2], 6);
    const h2 = commit([a2]);
    const sel = await selectCommits(g, [h2], [b[5]]);
    expect(sel.send.map((c) => c.oid)).toEqual([h2]);
    expect(sel.edges.map((c) => c.oid)).toEqual([a2]);
  });

  it('sends the whole history to a client with nothing', async () => {
    const { commit, g } = graph();
    const p = chain(commit, [], 10);
    expect((await selectCommits(g, [p[9]], [])).send).toHaveLength(10);
  });

  it('handles merges: only the side the client lacks', async () => {
    const { commit, g } = graph();
    const base = chain(commit, [], 3);
    const left = chain(commit, [base[2]], 4);
    const right = chain(commit, [base[2]], 2);
    const merge = commit([left[3], right[1]]);
    const sel = await selectCommits(g, [merge], [left[3]]);
    expect(new Set(sel.send.map((c) => c.oid))).toEqual(new Set([merge, ...right]));
  });

  it('sends only the new tip above a long have-side history', async () => {
    const { commit, g } = graph();
    let parents: string[] = [];
    const old: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const c = commit(parents, 1_000_000 + i);
      old.push(c);
      parents = [c];
    }
    const tip = commit([old[1999]], 2_000_000_000);
    const have = old[1999];
    const sel = await selectCommits(g, [tip], [have]);
    expect(sel.send.map((c) => c.oid)).toEqual([tip]);
  });
});
