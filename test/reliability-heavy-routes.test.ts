// Heavy reads must not starve the rest (issue 9): 8 clients calling compare on a large repo
// over and over, while /healthz is timed. compare used to run in one piece on the event loop
// (4 clients on express's history pushed /healthz to a median of 875 ms); now diff, compare,
// recursive trees, batch reads and commit listings run in time slices, two heavy ones at a
// time. The target is p99 < 50 ms; the bound asserted is generous (the machine is shared with
// other test files) but far below what the old code gives (measured: seconds). The answers
// are checked too: every compare is 200 and agrees with git's counts.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';

const FILES = 2000;
const LINES = 100;
/** p99 of /healthz while compares run, ms: the bound (target: 50) */
const P99_BOUND_MS = Number(process.env.GW_HEALTHZ_P99_BOUND_MS ?? 250);
const HAMMER_MS = 6000;
const CLIENTS = 8;

let gw: Gitwell;
let key: string;
let src: string;

/**
 * main: FILES files of LINES lines; `base` and `head` each change every file (different lines,
 * so a line merge is needed for each) over 200 commits of their own.
 */
function fastImport(): Buffer {
  const parts: string[] = [];
  let mark = 0;
  let t = 1700000000;
  const file = (i: number, variant: string) => {
    const lines: string[] = [];
    for (let l = 0; l < LINES; l++) lines.push(l % 10 === (variant === 'base' ? 3 : variant === 'head' ? 7 : -1) ? `${variant} line ${l} of file ${i}` : `line ${l} of file ${i} in the original`);
    return lines.join('\n') + '\n';
  };
  const commit = (branch: string, from: number | null, changes: string, msg: string) => {
    mark++;
    t += 60;
    parts.push(`commit refs/heads/${branch}\nmark :${mark}\ncommitter C <c@heavy.test> ${t} +0000\ndata ${msg.length}\n${msg}\n${from === null ? '' : `from :${from}\n`}${changes}\n`);
    return mark;
  };
  let changes = '';
  for (let i = 0; i < FILES; i++) {
    const body = file(i, 'main');
    changes += `M 100644 inline d${i % 50}/f${i}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
  }
  const root = commit('main', null, changes, 'root');
  for (const side of ['base', 'head']) {
    let prev = root;
    for (let c = 0; c < 200; c++) {
      const from = c * (FILES / 200);
      let ch = '';
      for (let i = from; i < from + FILES / 200; i++) {
        const body = file(i, side);
        ch += `M 100644 inline d${i % 50}/f${i}.txt\ndata ${Buffer.byteLength(body)}\n${body}\n`;
      }
      prev = commit(side, prev, ch, `${side} ${c}`);
    }
  }
  parts.push('done\n');
  return Buffer.from(parts.join(''));
}

beforeAll(async () => {
  src = path.join(tempDir('gw-heavy-'), 'big.git');
  await gitOk(['init', '-q', '--bare', src]);
  const r = await git(['fast-import', '--quiet', '--done'], { cwd: src, input: fastImport() });
  expect(r.code, r.stderr).toBe(0);
  gw = await startGitwell();
  key = await gw.createKey('acme');
  await gw.createRepo('acme/big');
  const p = await git(['push', '-q', repoUrl(gw.url, 'acme/big', key), 'main', 'base', 'head'], { cwd: src, timeoutMs: 120_000 });
  expect(p.code, p.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  await gw?.stop();
});

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** Times /healthz one request after the other for `ms`, while `load` runs. */
async function healthzDuring(ms: number): Promise<number[]> {
  await new Promise((r) => setTimeout(r, 300));
  const times: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const t0 = performance.now();
    const res = await fetch(`${gw.url}/healthz`);
    await res.arrayBuffer();
    times.push(performance.now() - t0);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 10));
  }
  return times;
}

describe('heavy routes yield', () => {
  it(`/healthz p99 stays under ${P99_BOUND_MS} ms while ${CLIENTS} clients hammer compare`, async () => {
    const ahead = Number(await gitOk(['rev-list', '--count', 'base..head'], { cwd: src }));
    const behind = Number(await gitOk(['rev-list', '--count', 'head..base'], { cwd: src }));
    let stop = false;
    const answers: Array<{ status: number; ahead: number; behind: number; files: number; conflicts: number }> = [];
    const hammer = async () => {
      while (!stop) {
        const res = await fetch(`${gw.url}/v1/repos/big/compare?base=base&head=head`, { headers: { 'x-api-key': key } });
        const j = (await res.json()) as { ahead_by: number; behind_by: number; files: unknown[]; conflicts: unknown[] };
        answers.push({ status: res.status, ahead: j.ahead_by, behind: j.behind_by, files: j.files?.length, conflicts: j.conflicts?.length });
      }
    };
    const clients = Array.from({ length: CLIENTS }, hammer);
    const times = await healthzDuring(HAMMER_MS);
    stop = true;
    await Promise.all(clients);
    const summary = `healthz: ${times.length} requests, p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ${answers.length} compares`;
    console.log(summary);
    expect(answers.length, summary).toBeGreaterThan(0);
    expect(answers[0]).toMatchObject({ status: 200, ahead, behind, files: FILES });
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(pct(times, 99), summary).toBeLessThan(P99_BOUND_MS);
  }, 60_000);

  it(`diffs with patches, recursive trees, batch reads and commit pages: /healthz p99 under ${P99_BOUND_MS} ms`, async () => {
    let stop = false;
    const statuses: Record<string, number[]> = {};
    const paths = Array.from({ length: 100 }, (_, i) => `d${i % 50}/f${i}.txt`);
    const calls: Array<[string, () => Promise<Response>]> = [
      ['diff', () => fetch(`${gw.url}/v1/repos/big/diff?base=base&head=head&patch=true`, { headers: { 'x-api-key': key } })],
      ['diff', () => fetch(`${gw.url}/v1/repos/big/diff?base=main&head=head`, { headers: { 'x-api-key': key, accept: 'text/x-diff' } })],
      // a sha per call: the listing of a tree is cached by sha, a new ref each time is not
      ['tree', () => fetch(`${gw.url}/v1/repos/big/tree/head~${Math.floor(Math.random() * 150)}?recursive=true`, { headers: { 'x-api-key': key } })],
      ['batch', () => fetch(`${gw.url}/v1/repos/big/blobs/batch`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'head', paths }) })],
      ['commits', () => fetch(`${gw.url}/v1/repos/big/commits?ref=head&limit=100`, { headers: { 'x-api-key': key } })],
    ];
    const clients = Array.from({ length: CLIENTS }, async (_, i) => {
      const [name, call] = calls[i % calls.length]!;
      while (!stop) {
        const res = await call();
        await res.arrayBuffer();
        (statuses[name] ??= []).push(res.status);
      }
    });
    const times = await healthzDuring(HAMMER_MS / 2);
    stop = true;
    await Promise.all(clients);
    const summary = `healthz: ${times.length} requests, p50 ${pct(times, 50).toFixed(1)} ms, p99 ${pct(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms; ${Object.entries(statuses).map(([k, v]) => `${k} ${v.length}`).join(', ')}`;
    console.log(summary);
    for (const [name, v] of Object.entries(statuses)) expect(new Set(v), `${name}: ${summary}`).toEqual(new Set([200]));
    expect(pct(times, 99), summary).toBeLessThan(P99_BOUND_MS);
  }, 60_000);
});
