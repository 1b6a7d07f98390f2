// Every request gets an answer: a body over its limit is refused the moment the limit is
// crossed (or at once, when its Content-Length says so), its temp file goes, and the
// connection is closed soon after the answer even when the client goes on sending forever.
// Regression (issue 9): a body over the limit used to be read to its end and then never
// answered (the last chunk did not complete a body already marked too large), holding its
// socket and spool file for good: a 100 MiB POST /v1/.../commits got "100 Continue" and
// nothing else, and so did a 70 MiB git-upload-pack POST to a public repo.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, lsRemote, repoUrl, tempDir } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { rawRequest, type RawExchange } from './helpers/raw-http.js';
import { basicAuth } from './helpers/raw-git.js';

const MIB = 1024 * 1024;
const LIMITS = { push: 4 * MIB, upload: 2 * MIB, v1: 1 * MIB };

let gw: Gitwell;
let key: string;
let spoolDir: string;

beforeAll(async () => {
  spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-limits-tmp-'));
  gw = await startGitwell({
    env: {
      TMPDIR: spoolDir,
      GITWELL_MAX_PUSH_BYTES: String(LIMITS.push),
      GITWELL_MAX_UPLOAD_REQUEST_BYTES: String(LIMITS.upload),
      GITWELL_V1_MAX_BODY_BYTES: String(LIMITS.v1),
    },
  });
  key = await gw.createKey('acme');
  await gw.createRepo('acme/pub', { public: true });
  const src = tempDir('gw-limits-src-');
  await gitOk(['-c', 'init.defaultBranch=main', 'init', '-q', src]);
  fs.writeFileSync(path.join(src, 'a.txt'), 'a\n');
  await gitOk(['add', '-A'], { cwd: src });
  await gitOk(['commit', '-qm', 'a'], { cwd: src });
  await gitOk(['push', '-q', repoUrl(gw.url, 'acme/pub', key), 'main'], { cwd: src });
});

afterAll(async () => {
  await gw?.stop();
  fs.rmSync(spoolDir, { recursive: true, force: true });
});

interface Endpoint {
  name: string;
  path: string;
  auth: string;
  limit: number;
}

const endpoints = (): Endpoint[] => [
  { name: 'POST /v1/repos/pub/commits (JSON)', path: '/v1/repos/pub/commits', auth: `x-api-key: ${key}`, limit: LIMITS.v1 },
  { name: 'git-upload-pack, anonymous, public repo', path: '/acme/pub.git/git-upload-pack', auth: 'x-anonymous: 1', limit: LIMITS.upload },
  { name: 'git-receive-pack', path: '/acme/pub.git/git-receive-pack', auth: `authorization: ${basicAuth(key)}`, limit: LIMITS.push },
];

const head = (e: Endpoint, length: string) => `POST ${e.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${e.auth}\r\ncontent-type: application/octet-stream\r\n${length}`;

const spools = () => fs.readdirSync(spoolDir).filter((f) => f.startsWith('gitwell-spool-'));

async function expectNoSpoolLeft(context: string) {
  for (let i = 0; i < 20 && spools().length > 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(spools(), `${context}: spool files left behind`).toEqual([]);
}

const show = (x: RawExchange) => JSON.stringify({ ...x, answer: x.answer.toString('latin1', 0, 300) });

describe('a body over its limit is answered at once', () => {
  it.each([0, 1, 2])('endpoint %#: crossing the limit (chunked, no length declared): 413 within 1 s of the crossing', async (i) => {
    const e = endpoints()[i]!;
    // 64 KiB every 4 ms: the limit is crossed a few hundred ms in, well after the request began
    const x = await rawRequest({ port: gw.port, head: head(e, 'transfer-encoding: chunked'), chunked: true, bodyBytes: 4 * e.limit, everyMs: 4, mark: e.limit, stopOnAnswer: true, giveUpMs: 8000 });
    expect(x.status, `${e.name}: ${show(x)}`).toBe(413);
    expect(x.markAt, show(x)).not.toBeNull();
    expect(x.answeredAt! - x.markAt!, `${e.name}: ms from crossing the limit to the answer`).toBeLessThan(1000);
    expect(x.sentBeforeAnswer, `${e.name}: the answer came before the body was all sent`).toBeLessThan(4 * e.limit);
    await expectNoSpoolLeft(e.name);
  });

  it.each([0, 1, 2])('endpoint %#: a declared Content-Length over the limit: 413 before the body is sent', async (i) => {
    const e = endpoints()[i]!;
    const x = await rawRequest({ port: gw.port, head: head(e, `content-length: ${8 * e.limit}`), bodyBytes: 8 * e.limit, everyMs: 4, mark: 0, stopOnAnswer: true, giveUpMs: 8000 });
    expect(x.status, `${e.name}: ${show(x)}`).toBe(413);
    expect(x.answeredAt!, `${e.name}: ms to the answer`).toBeLessThan(1000);
    expect(x.sentBeforeAnswer).toBeLessThan(e.limit);
    await expectNoSpoolLeft(e.name);
  });

  it('the JSON answer names the limit; the error body of git routes says it in words', async () => {
    const [v1, upload] = endpoints();
    const a = await rawRequest({ port: gw.port, head: head(v1!, `content-length: ${2 * LIMITS.v1}`), bodyBytes: 2 * LIMITS.v1, stopOnAnswer: true, giveUpMs: 8000 });
    const text = a.answer.toString('utf8');
    expect(text).toMatch(/"code":"PAYLOAD_TOO_LARGE"/);
    expect(text).toMatch(/connection: close/i);
    const b = await rawRequest({ port: gw.port, head: head(upload!, `content-length: ${2 * LIMITS.upload}`), bodyBytes: 2 * LIMITS.upload, stopOnAnswer: true, giveUpMs: 8000 });
    expect(b.answer.toString('utf8')).toMatch(/request body exceeds 2097152 bytes/);
  });

  it('a client that never stops sending is answered, then cut off within seconds', async () => {
    const e = endpoints()[2]!;
    // 1 GiB at 16 MiB/s would take a minute
    const x = await rawRequest({ port: gw.port, head: head(e, 'transfer-encoding: chunked'), chunked: true, bodyBytes: 1024 * MIB, everyMs: 4, mark: e.limit, giveUpMs: 15_000 });
    expect(x.status, show(x)).toBe(413);
    expect(x.closedAt, `the server kept the connection open: ${show(x)}`).not.toBeNull();
    expect(x.closedAt! - x.answeredAt!).toBeLessThan(5000);
    await expectNoSpoolLeft('endless body');
  });

  it('a body nobody reads (401 before the body) is answered and its connection closed', async () => {
    const e = { ...endpoints()[2]!, auth: 'x-no-auth: 1' };
    const x = await rawRequest({ port: gw.port, head: head(e, 'transfer-encoding: chunked'), chunked: true, bodyBytes: 256 * MIB, everyMs: 4, giveUpMs: 15_000 });
    expect(x.status, show(x)).toBe(401);
    expect(x.answeredAt!).toBeLessThan(1000);
    expect(x.closedAt, show(x)).not.toBeNull();
    await expectNoSpoolLeft('unread body');
  });

  it('git push of a pack over the limit: git reports HTTP 413 and fails at once; refs unchanged, server up', async () => {
    const url = repoUrl(gw.url, 'acme/pub', key);
    const before = (await lsRemote(url)).refs;
    const src = tempDir('gw-limits-big-');
    await gitOk(['clone', '-q', url, src]);
    // incompressible: the pack is about as large as the file
    fs.writeFileSync(path.join(src, 'big.bin'), randomBytes(3 * LIMITS.push));
    await gitOk(['add', '-A'], { cwd: src });
    await gitOk(['commit', '-qm', 'big'], { cwd: src });
    const t0 = Date.now();
    const r = await git(['push', url, 'HEAD:refs/heads/main'], { cwd: src, timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/HTTP 413/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((await lsRemote(url)).refs).toEqual(before);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
    await expectNoSpoolLeft('git push');
  });
});
