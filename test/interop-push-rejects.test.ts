// Interop: pushes gitwell must refuse, leaving every ref as it was: truncated and corrupted
// packs, trees with `.git`/`..` entries, packs with objects left out, invalid ref names.
// Malformed inputs go in by raw HTTP POST (the stock client never sends them); the rest through
// `git push`. (Atomic, compare-and-swap and racing pushes: interop-push-cas.test.ts.)
// Every malformed input here is a regression case: keep them (STYLE.md point 9).
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { git, gitBytes, gitOk, lsRemote, makeFixture, removeTempDirs, type Fixture } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { childOf, expectHealthy, pushFixture, type SeededRepo } from './helpers/interop.js';
import { noise, packOf, packRevs, readTree, writeBlob, writeCommit, writeTree } from './helpers/objects.js';
import { refStatus } from './helpers/pktline.js';
import { ZERO_OID, emptyPack, receivePack, sha1 } from './helpers/raw-git.js';

let fx: Fixture;
let scratch: string; // a bare copy of the fixture where hand-made objects are written
let main: string;
let gw: Gitwell;

beforeAll(async () => {
  fx = await makeFixture();
  scratch = path.join(path.dirname(fx.dir), 'scratch.git');
  await gitOk(['clone', '-q', '--bare', fx.dir, scratch]);
  main = await gitOk(['rev-parse', 'main'], { cwd: scratch });
});
beforeEach(async () => {
  gw = await startGitwell();
});
afterEach(async () => {
  await gw?.stop();
  removeTempDirs();
});

/** Asserts the server's refs are exactly `before`. */
async function expectUnchanged(repo: SeededRepo, before: string[]) {
  expect((await lsRemote(repo.url)).refs).toEqual(before);
}

/** After refused pushes, an honest push of `commit` onto main must still work. */
async function expectGoodPushWorks(repo: SeededRepo, commit: string) {
  const r = await git(['push', repo.url, `${commit}:refs/heads/main`], { cwd: scratch });
  expect(r.code, `an honest push after the refused ones failed:\n${r.stderr}`).toBe(0);
  expect((await lsRemote(repo.url)).refs).toContain(`${commit}\trefs/heads/main`);
  await expectHealthy(repo.url);
}

type PackCase = [name: string, mangle: (pack: Buffer) => Buffer, strict: boolean];

const rehash = (p: Buffer) => Buffer.concat([p.subarray(0, p.length - 20), sha1(p.subarray(0, p.length - 20))]);
const flipMiddle = (p: Buffer) => {
  const q = Buffer.from(p);
  q[q.length >> 1] = q[q.length >> 1]! ^ 0x40;
  return q;
};
const withHeader = (p: Buffer, offset: number, value: number) => {
  const q = Buffer.from(p);
  q.writeUInt32BE(value, offset);
  return rehash(q);
};

/**
 * Sends each mangled pack as the update of main to a new commit, and returns, per case, what
 * a correct server gives: `unpack-error` (strict cases), or at least `refused`.
 */
async function sendMangled(repo: SeededRepo, cases: PackCase[]) {
  const { commit } = await childOf(scratch, main, 'noise.bin', noise(20_000, 7));
  const pack = await packRevs(scratch, [commit], [main]);
  const got: Record<string, string> = {};
  const want: Record<string, string> = {};
  const details: string[] = [];
  for (const [name, mangle, strict] of cases) {
    const r = await receivePack(gw.url, repo.fullName, repo.key, [{ old: main, new: commit, ref: 'refs/heads/main' }], mangle(pack));
    const ref = refStatus(r.report, 'refs/heads/main');
    const unpackError = r.report.unpack !== undefined && r.report.unpack !== 'ok';
    got[name] = r.status >= 500 ? `HTTP ${r.status}` : ref === 'ok' ? 'accepted' : unpackError ? 'unpack-error' : ref ? 'refused' : 'no report';
    want[name] = strict ? 'unpack-error' : got[name] === 'unpack-error' ? 'unpack-error' : 'refused';
    details.push(`${name}: HTTP ${r.status}, ${JSON.stringify(r.report.lines)} ${r.report.error}`);
  }
  return { got, want, details, commit };
}

describe('malformed packs (raw POST)', () => {
  it('refuses truncated packs with an unpack error, refs unchanged', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const { got, want, details, commit } = await sendMangled(repo, [
      ['cut in the middle', (p) => p.subarray(0, p.length >> 1), true],
      ['trailer cut short', (p) => p.subarray(0, p.length - 7), true],
      ['trailer missing', (p) => p.subarray(0, p.length - 20), true],
      ['header only', (p) => p.subarray(0, 12), true],
      ['half a header', (p) => p.subarray(0, 6), true],
      ['no pack at all', () => Buffer.alloc(0), true],
    ]);
    expect(got, details.join('\n')).toEqual(want);
    await expectUnchanged(repo, before);
    await expectGoodPushWorks(repo, commit);
  });

  it('refuses corrupted packs with an unpack error, refs unchanged', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const { got, want, details, commit } = await sendMangled(repo, [
      ['a byte flipped inside an object, checksum kept', flipMiddle, true],
      // zlib's adler32 (git checks it) or the object id catch this one
      ['a byte flipped inside an object, checksum recomputed', (p) => rehash(flipMiddle(p)), false],
      ['a byte flipped in the checksum', (p) => Buffer.concat([p.subarray(0, -1), Buffer.from([p.at(-1)! ^ 1])]), true],
      ['signature PACX', (p) => rehash(Buffer.concat([Buffer.from('PACX'), p.subarray(4)])), true],
      ['pack version 4', (p) => withHeader(p, 4, 4), true],
      ['object count one too high', (p) => withHeader(p, 8, p.readUInt32BE(8) + 1), true],
      ['object count one too low', (p) => withHeader(p, 8, p.readUInt32BE(8) - 1), true],
      ['object count 2^32-1', (p) => withHeader(p, 8, 0xffffffff), true],
      ['an object header with an endless size varint', (p) => rehash(Buffer.concat([p.subarray(0, 12), Buffer.alloc(64, 0xff), p.subarray(12)])), true],
    ]);
    expect(got, details.join('\n')).toEqual(want);
    await expectUnchanged(repo, before);
    await expectGoodPushWorks(repo, commit);
  });
});

describe('trees with forbidden entry names (git push)', () => {
  it('refuses .git, .GIT, .Git, .. and . entries, at the root or nested', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const config = await writeBlob(scratch, '[core]\n\tfsmonitor = "echo pwned"\n');
    const hooks = await writeTree(scratch, [{ mode: '100755', name: 'post-checkout', oid: config }]);
    const dotgit = await writeTree(scratch, [
      { mode: '100644', name: 'config', oid: config },
      { mode: '40000', name: 'hooks', oid: hooks },
    ]);
    const rootEntries = await readTree(scratch, 'main^{tree}');
    const docs = rootEntries.find((e) => e.name === 'docs')!;
    const evilRoot = async (extra: { mode: string; name: string; oid: string }) =>
      writeTree(scratch, [...rootEntries, extra]);
    const cases: Record<string, () => Promise<string>> = {
      '.git tree': () => evilRoot({ mode: '40000', name: '.git', oid: dotgit }),
      '.GIT blob': () => evilRoot({ mode: '100644', name: '.GIT', oid: config }),
      '.Git tree': () => evilRoot({ mode: '40000', name: '.Git', oid: dotgit }),
      '.. tree': () => evilRoot({ mode: '40000', name: '..', oid: dotgit }),
      '. tree': () => evilRoot({ mode: '40000', name: '.', oid: dotgit }),
      'docs/.git tree': async () => {
        const nested = await writeTree(scratch, [...(await readTree(scratch, docs.oid)), { mode: '40000', name: '.git', oid: dotgit }]);
        return writeTree(scratch, rootEntries.map((e) => (e.name === 'docs' ? { ...e, oid: nested } : e)));
      },
    };
    const got: Record<string, string> = {};
    const details: string[] = [];
    for (const [name, makeTree] of Object.entries(cases)) {
      const commit = await writeCommit(scratch, await makeTree(), [main], `evil: ${name}`);
      const r = await git(['push', '--porcelain', repo.url, `${commit}:refs/heads/main`], { cwd: scratch });
      got[name] = r.code !== 0 && /rejected|unpack|error|denied/i.test(r.stderr + r.stdout) ? 'refused' : `exit ${r.code}`;
      details.push(`${name}: exit ${r.code}\n${r.stdout}${r.stderr}`);
      expect((await lsRemote(repo.url)).refs, `after pushing ${name}`).toEqual(before);
    }
    expect(got, details.join('\n')).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 'refused'])));
    await expectHealthy(repo.url);
  });
});

describe('packs with objects left out (raw POST)', () => {
  it('refuses a commit whose blob, tree, parent or delta base is missing', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const one = await childOf(scratch, main, 'missing-blob.txt', 'this blob is never sent\n');
    // a parent the server does not have, and a child whose pack leaves it out
    const bigText = Array.from({ length: 3000 }, (_, i) => `line ${i} of a file that deltas well\n`).join('');
    const parent = await childOf(scratch, main, 'base.txt', bigText);
    const child = await childOf(scratch, parent.commit, 'base.txt', bigText + 'one more line\n');
    const thin = await gitBytes(['pack-objects', '--stdout', '-q', '--revs', '--thin'], {
      cwd: scratch,
      input: `${child.commit}\n^${parent.commit}\n`,
    });
    expect(thin.code, thin.stderr).toBe(0);
    const thinPack = thin.stdout;

    const cases: Record<string, { commit: string; pack: Buffer }> = {
      'blob left out': { commit: one.commit, pack: await packOf(scratch, [one.commit, one.tree]) },
      'tree left out': { commit: one.commit, pack: await packOf(scratch, [one.commit]) },
      'parent commit left out': { commit: child.commit, pack: await packOf(scratch, [child.commit, child.tree, child.blob]) },
      'thin pack against a base the server lacks': { commit: child.commit, pack: thinPack },
    };
    const got: Record<string, string> = {};
    const details: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const r = await receivePack(gw.url, repo.fullName, repo.key, [{ old: main, new: c.commit, ref: 'refs/heads/main' }], c.pack);
      const ref = refStatus(r.report, 'refs/heads/main');
      const unpackError = r.report.unpack !== undefined && r.report.unpack !== 'ok';
      got[name] = r.status >= 500 ? `HTTP ${r.status}` : ref === 'ok' ? 'accepted' : unpackError || ref?.startsWith('ng') ? 'refused' : 'no report';
      details.push(`${name}: HTTP ${r.status} ${JSON.stringify(r.report.lines)} ${r.report.error}`);
    }
    expect(got, details.join('\n')).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 'refused'])));
    await expectUnchanged(repo, before);
    // the same commits, sent whole by git, are accepted: nothing half-stored got in the way
    await expectGoodPushWorks(repo, child.commit);
    const r2 = await git(['push', repo.url, `${one.commit}:refs/heads/one`], { cwd: scratch });
    expect(r2.code, r2.stderr).toBe(0);
    await expectHealthy(repo.url);
  });
});

describe('ref names (raw POST)', () => {
  const bad = [
    'refs/heads/bad..name',
    'refs/heads/x.lock',
    'refs/heads/.hidden',
    'refs/heads/trailing.',
    'refs/heads/trailing/',
    'refs/heads/a//b',
    'refs/heads/with space',
    'refs/heads/tilde~1',
    'refs/heads/caret^',
    'refs/heads/co:lon',
    'refs/heads/q?',
    'refs/heads/star*',
    'refs/heads/[bracket',
    'refs/heads/back\\slash',
    'refs/heads/at@{1}',
    'refs/heads/ctl\x01',
    'refs/heads/',
    'refs/heads/sub/.dot',
    'refs/heads/sub.lock/x',
    'HEAD',
    'main',
  ];

  it('answers ng for every name check-ref-format rejects, refs unchanged', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    // the oracle agrees these are invalid
    for (const ref of bad) {
      const c = await git(['check-ref-format', ref]);
      expect(c.code, `git check-ref-format ${JSON.stringify(ref)}`).not.toBe(0);
    }
    const got: Record<string, string> = {};
    const details: string[] = [];
    for (const ref of bad) {
      const r = await receivePack(gw.url, repo.fullName, repo.key, [{ old: ZERO_OID, new: main, ref }], emptyPack());
      const s = refStatus(r.report, ref);
      got[ref] = r.status >= 500 ? `HTTP ${r.status}` : s === 'ok' ? 'accepted' : s?.startsWith('ng') ? 'ng' : r.status >= 400 ? 'ng' : 'no report';
      details.push(`${JSON.stringify(ref)}: HTTP ${r.status} ${JSON.stringify(r.report.lines)}`);
    }
    expect(got, details.join('\n')).toEqual(Object.fromEntries(bad.map((r) => [r, 'ng'])));
    await expectUnchanged(repo, before);
  });

  it('in one non-atomic push, creates the valid ref and refuses the invalid one', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const r = await receivePack(
      gw.url,
      repo.fullName,
      repo.key,
      [
        { old: ZERO_OID, new: main, ref: 'refs/heads/good-name' },
        { old: ZERO_OID, new: main, ref: 'refs/heads/bad..name' },
      ],
      emptyPack(),
    );
    expect(r.status, r.text).toBeLessThan(500);
    expect(r.report.unpack, r.text).toBe('ok');
    expect(refStatus(r.report, 'refs/heads/good-name'), r.text).toBe('ok');
    expect(refStatus(r.report, 'refs/heads/bad..name'), r.text).toMatch(/^ng/);
    expect((await lsRemote(repo.url)).refs).toEqual([...before, `${main}\trefs/heads/good-name`].sort());
  });
});
