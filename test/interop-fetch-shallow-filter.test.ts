// Interop: incremental fetch sends only what the client lacks; shallow clones (--depth,
// --deepen, --unshallow, --shallow-since) and partial clones (--filter=blob:none,
// blob:limit=1k) behave as with git's own upload-pack, which serves the same fixture over
// file:// as the oracle.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  fsck,
  git,
  gitOk,
  lines,
  makeFixture,
  removeTempDirs,
  objectIds,
  objectSizes,
  tempDir,
  type Fixture,
} from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { commitsOf, pushFixture, refList } from './helpers/interop.js';
import { walkPacks } from './helpers/raw-git.js';

let fx: Fixture;
let gw: Gitwell;
let oracleUrl: string;
/** git's own upload-pack, with the features gitwell claims switched on */
const ORACLE_UPLOAD_PACK = 'git -c uploadpack.allowFilter=true -c uploadpack.allowAnySHA1InWant=true upload-pack';

beforeAll(async () => {
  fx = await makeFixture();
  oracleUrl = 'file://' + fx.dir;
});
beforeEach(async () => {
  gw = await startGitwell();
});
afterEach(async () => {
  await gw?.stop();
  removeTempDirs();
});

const isShallow = async (dir: string) => gitOk(['rev-parse', '--is-shallow-repository'], { cwd: dir });
const count = async (dir: string, rev: string) => Number(await gitOk(['rev-list', '--count', rev], { cwd: dir }));
const shallowFile = (dir: string) => {
  const f = path.join(dir, '.git/shallow');
  return fs.existsSync(f) ? lines(fs.readFileSync(f, 'utf8')).sort() : [];
};

/** Clones `url` with `args` over the given protocol; asserts success. */
async function clone(protocol: 0 | 2, url: string, args: string[], dir: string): Promise<string> {
  const r = await git(['-c', `protocol.version=${protocol}`, 'clone', '-q', '--upload-pack', ORACLE_UPLOAD_PACK, ...args, url, dir]);
  expect(r.code, `git clone ${args.join(' ')} ${url}:\n${r.stderr}`).toBe(0);
  return dir;
}

async function fetchIn(protocol: 0 | 2, dir: string, args: string[]) {
  const r = await git(['-c', `protocol.version=${protocol}`, 'fetch', '-q', '--upload-pack', ORACLE_UPLOAD_PACK, ...args], { cwd: dir });
  expect(r.code, `git fetch ${args.join(' ')}:\n${r.stderr}`).toBe(0);
}

describe.each([0, 2] as const)('protocol v%i', (protocol) => {
  it('incremental fetch receives exactly the objects the clone lacks', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    const author = path.join(tmp, 'author');
    const reader = path.join(tmp, 'reader');
    await clone(protocol, repo.url, [], author);
    await clone(protocol, repo.url, [], reader);
    const oldTips = lines(await gitOk(['for-each-ref', '--format=%(objectname)'], { cwd: reader }));

    // new history: 3 commits on main (text, binary, new file), 1 on feature/x, an annotated tag
    const env = { GIT_AUTHOR_DATE: '@1700000100 +0000', GIT_COMMITTER_DATE: '@1700000100 +0000' };
    fs.appendFileSync(path.join(author, 'src/utils.c'), 'int added_after_clone = 1;\n');
    await gitOk(['commit', '-qam', 'new 1'], { cwd: author, env });
    const bin = fs.readFileSync(path.join(author, 'assets/logo.bin'));
    bin[100] = bin[100]! ^ 0xff;
    fs.writeFileSync(path.join(author, 'assets/logo.bin'), bin);
    await gitOk(['commit', '-qam', 'new 2'], { cwd: author, env });
    fs.writeFileSync(path.join(author, 'docs/new file.md'), 'a new file\n');
    await gitOk(['add', '.'], { cwd: author });
    await gitOk(['commit', '-qm', 'new 3'], { cwd: author, env });
    await gitOk(['tag', '-a', 'v2.0', '-m', 'two'], { cwd: author, env });
    await gitOk(['checkout', '-q', '-b', 'feature/x', 'origin/feature/x'], { cwd: author });
    fs.appendFileSync(path.join(author, 'docs/feature.md'), 'one more feature line\n');
    await gitOk(['commit', '-qam', 'feature: more'], { cwd: author, env });
    const push = await git(['push', '-q', repo.url, 'main', 'feature/x', 'v2.0'], { cwd: author });
    expect(push.code, push.stderr).toBe(0);

    const fresh = lines(
      await gitOk(['rev-list', '--objects', 'main', 'feature/x', 'v2.0', '--not', ...oldTips], { cwd: author }),
    );
    const expected = new Set(fresh.map((l) => l.slice(0, 40))).size;
    // 4 commits + 1 tag + per commit: root tree, one subtree, one blob
    expect(expected).toBe(4 + 1 + 4 * 3);

    const trace = path.join(tmp, 'fetch.pack');
    const f = await git(['-c', `protocol.version=${protocol}`, 'fetch', 'origin'], {
      cwd: reader,
      env: { GIT_TRACE_PACKFILE: trace },
    });
    expect(f.code, f.stderr).toBe(0);
    const packs = walkPacks(fs.readFileSync(trace));
    const received = packs.reduce((n, p) => n + p.count, 0);
    // include-tag may resend annotated tags the client has when their target is a delta base
    // (git's upload-pack does); nothing else may be extra
    const hadTags = lines(await gitOk(['for-each-ref', '--format=%(objecttype)', 'refs/tags'], { cwd: reader })).filter(
      (t) => t === 'tag',
    ).length;
    const why = `packs received: ${JSON.stringify(packs)}; new objects: ${expected}`;
    expect(received, why).toBeGreaterThanOrEqual(expected);
    expect(received, why).toBeLessThanOrEqual(expected + hadTags);

    expect(await gitOk(['rev-parse', 'origin/main'], { cwd: reader })).toBe(await gitOk(['rev-parse', 'main'], { cwd: author }));
    expect(await gitOk(['rev-parse', 'origin/feature/x'], { cwd: reader })).toBe(
      await gitOk(['rev-parse', 'feature/x'], { cwd: author }),
    );
    expect(await gitOk(['rev-parse', 'v2.0'], { cwd: reader })).toBe(await gitOk(['rev-parse', 'v2.0'], { cwd: author }));
    const ck = await fsck(reader);
    expect(ck.code, ck.stderr).toBe(0);
  });

  it('negotiates through 400 local commits the server lacks (multi-round, gzipped requests)', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    const author = path.join(tmp, 'author');
    const reader = path.join(tmp, 'reader');
    await clone(protocol, repo.url, [], author);
    await clone(protocol, repo.url, [], reader);

    // 400 commits only the reader has, newer than anything on the server: they are sent as
    // haves first, in rounds of 16, 32, 64, ... before a common commit is found
    const stream: string[] = [];
    for (let i = 1; i <= 400; i++) {
      const data = `local change ${i}\n`;
      stream.push(
        'commit refs/heads/local',
        `mark :${i}`,
        `committer Local <local@gitwell.test> ${1_700_000_000 + i} +0000`,
        `data ${`local ${i}`.length}`,
        `local ${i}`,
        i === 1 ? 'from refs/remotes/origin/main' : `from :${i - 1}`,
        'M 100644 inline local.txt',
        `data ${Buffer.byteLength(data)}`,
        data,
      );
    }
    await gitOk(['fast-import', '--quiet'], { cwd: reader, input: stream.join('\n') + '\n' });

    fs.appendFileSync(path.join(author, 'src/utils.c'), 'int after_negotiation = 1;\n');
    await gitOk(['commit', '-qam', 'one more'], { cwd: author });
    const push = await git(['push', '-q', repo.url, 'main'], { cwd: author });
    expect(push.code, push.stderr).toBe(0);

    const trace = path.join(tmp, 'fetch.pack');
    const packetTrace = path.join(tmp, 'packet.trace');
    const curlTrace = path.join(tmp, 'curl.trace');
    const f = await git(['-c', `protocol.version=${protocol}`, 'fetch', 'origin'], {
      cwd: reader,
      env: { GIT_TRACE_PACKFILE: trace, GIT_TRACE_PACKET: packetTrace, GIT_TRACE_CURL: curlTrace, GIT_TRACE_CURL_NO_DATA: '1' },
    });
    expect(f.code, f.stderr).toBe(0);
    const posts = fs.readFileSync(curlTrace, 'utf8').match(/=> Send header: POST /g) ?? [];
    expect(posts.length, 'negotiation rounds (POSTs)').toBeGreaterThan(2);
    expect(fs.readFileSync(curlTrace, 'utf8')).toMatch(/=> Send header: Content-Encoding: gzip/i);
    const haves = (fs.readFileSync(packetTrace, 'utf8').match(/> have [0-9a-f]{40}/g) ?? []).length;
    expect(haves, 'haves the client sent').toBeGreaterThan(400);
    const packs = walkPacks(fs.readFileSync(trace));
    const received = packs.reduce((n, p) => n + p.count, 0);
    const hadTags = lines(await gitOk(['for-each-ref', '--format=%(objecttype)', 'refs/tags'], { cwd: reader })).filter(
      (t) => t === 'tag',
    ).length;
    // commit, root tree, src tree, utils.c: a server that gave up negotiating sends far more
    expect(received, JSON.stringify(packs)).toBeGreaterThanOrEqual(4);
    expect(received, JSON.stringify(packs)).toBeLessThanOrEqual(4 + hadTags);
    expect(await gitOk(['rev-parse', 'origin/main'], { cwd: reader })).toBe(await gitOk(['rev-parse', 'main'], { cwd: author }));
    const ck = await fsck(reader);
    expect(ck.code, ck.stderr).toBe(0);
  });

  it('--depth 1, then --deepen 2, then --unshallow', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    const dir = await clone(protocol, repo.url, ['--depth', '1'], path.join(tmp, 'shallow'));
    const oracle = await clone(protocol, oracleUrl, ['--depth', '1'], path.join(tmp, 'oracle'));
    const mainTip = await gitOk(['rev-parse', 'main'], { cwd: fx.dir });

    expect(await isShallow(dir)).toBe('true');
    expect(await count(dir, 'HEAD')).toBe(1);
    expect(await gitOk(['rev-parse', 'HEAD'], { cwd: dir })).toBe(mainTip);
    expect(shallowFile(dir)).toEqual([mainTip]);
    expect(await refList(dir)).toEqual(await refList(oracle));
    expect(await objectIds(dir)).toEqual(await objectIds(oracle));

    await fetchIn(protocol, dir, ['--deepen', '2']);
    await fetchIn(protocol, oracle, ['--deepen', '2']);
    expect(await count(dir, 'HEAD')).toBe(3);
    expect(await commitsOf(dir, 'HEAD')).toEqual(await commitsOf(oracle, 'HEAD'));
    expect(shallowFile(dir)).toEqual(shallowFile(oracle));
    expect(await isShallow(dir)).toBe('true');

    await fetchIn(protocol, dir, ['--unshallow']);
    expect(await isShallow(dir)).toBe('false');
    expect(await count(dir, 'HEAD')).toBe(await count(fx.dir, 'main'));
    expect(await objectIds(dir, ['HEAD'])).toEqual(await objectIds(fx.dir, ['main']));
    const ck = await fsck(dir);
    expect(ck.code, ck.stderr).toBe(0);
  });

  it('--shallow-since keeps exactly the commits newer than the date (linear tail)', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    // main~0..main~4 are linear: shallow-since and rev-list --since agree there
    const since = Number(await gitOk(['log', '-1', '--format=%ct', 'main~4'], { cwd: fx.dir })) - 3600;
    const dir = await clone(protocol, repo.url, [`--shallow-since=@${since}`], path.join(tmp, 'since'));
    expect(Number(await gitOk(['rev-list', '--count', `--since=${since}`, 'main'], { cwd: fx.dir }))).toBe(5);
    expect(await isShallow(dir)).toBe('true');
    expect(await count(dir, 'HEAD')).toBe(5);
    expect(shallowFile(dir)).toEqual([await gitOk(['rev-parse', 'main~4'], { cwd: fx.dir })]);
    const ck = await fsck(dir);
    expect(ck.code, ck.stderr).toBe(0);
  });

  it('--shallow-since across a merge with an older parent matches git upload-pack', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    // main~6 merges release-1.0, whose commits are older than the date: git makes the merge
    // the shallow boundary (so main~7..main~10, though newer, are not sent)
    const since = fx.main10Epoch - 3600;
    const arg = `--shallow-since=@${since}`;
    const dir = await clone(protocol, repo.url, [arg], path.join(tmp, 'since'));
    const oracle = await clone(protocol, oracleUrl, [arg], path.join(tmp, 'oracle'));
    const newer = Number(await gitOk(['rev-list', '--count', `--since=${since}`, 'main'], { cwd: fx.dir }));
    expect(await isShallow(dir)).toBe('true');
    expect(await count(dir, 'HEAD')).toBeLessThanOrEqual(newer);
    expect(await commitsOf(dir, 'HEAD')).toEqual(await commitsOf(oracle, 'HEAD'));
    expect(shallowFile(dir)).toEqual(shallowFile(oracle));
    const ck = await fsck(dir);
    expect(ck.code, ck.stderr).toBe(0);
  });

  it('partial clone: blob:none checks out lazily, blob:limit=1k omits exactly the big blobs', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    const sizes = await objectSizes(fx.dir);
    const blobs = [...sizes].filter(([, v]) => v.type === 'blob').map(([oid]) => oid);
    // a blob a ref points at directly (blob-tag, blob-note) is a want, and git sends wants
    const tipBlobs = new Set(
      lines(await gitOk(['for-each-ref', '--format=%(*objectname) %(objectname)', 'refs/tags'], { cwd: fx.dir }))
        .flatMap((l) => l.split(' '))
        .filter((oid) => oid && sizes.get(oid)?.type === 'blob'),
    );
    const missing = async (dir: string) =>
      lines(await gitOk(['rev-list', '--objects', '--all', '--missing=print'], { cwd: dir }))
        .filter((l) => l.startsWith('?'))
        .map((l) => l.slice(1))
        .sort();

    // blob:none without checkout: every blob is missing, nothing else is
    const none = await clone(protocol, repo.url, ['--filter=blob:none', '--no-checkout'], path.join(tmp, 'none'));
    const noneMissing = await missing(none);
    for (const oid of noneMissing) expect(sizes.get(oid)?.type, `missing ${oid}`).toBe('blob');
    expect(noneMissing.length).toBeGreaterThanOrEqual(blobs.length - tipBlobs.size);
    expect(await gitOk(['config', 'remote.origin.promisor'], { cwd: none })).toBe('true');

    // blob:none with checkout: HEAD's blobs arrive on demand, older ones on checkout of a tag
    const lazy = await clone(protocol, repo.url, ['--filter=blob:none'], path.join(tmp, 'lazy'));
    expect(await gitOk(['ls-files', '-s'], { cwd: lazy })).toBe(await gitOk(['ls-files', '-s'], { cwd: fx.dir }));
    expect(await gitOk(['status', '--porcelain'], { cwd: lazy })).toBe('');
    expect(fs.readFileSync(path.join(lazy, 'big/large.txt')).equals(fs.readFileSync(path.join(fx.dir, 'big/large.txt')))).toBe(true);
    const stillMissing = await missing(lazy);
    expect(stillMissing.length).toBeGreaterThan(0);
    const headBlobs = lines(await gitOk(['ls-tree', '-r', '--object-only', 'HEAD'], { cwd: fx.dir }));
    for (const oid of headBlobs) expect(stillMissing).not.toContain(oid);
    const co = await git(['-c', `protocol.version=${protocol}`, 'checkout', '-q', 'v1.0'], { cwd: lazy });
    expect(co.code, co.stderr).toBe(0);
    expect(await gitOk(['ls-files', '-s'], { cwd: lazy })).toBe(
      await gitOk(['ls-tree', '-r', '--format=%(objectmode) %(objectname) 0\t%(path)', 'v1.0'], { cwd: fx.dir }),
    );
    expect(await gitOk(['status', '--porcelain'], { cwd: lazy })).toBe('');

    // blob:limit=1k: missing = exactly the blobs of 1024 bytes or more
    const limit = await clone(protocol, repo.url, ['--filter=blob:limit=1k', '--no-checkout'], path.join(tmp, 'limit'));
    const limitMissing = await missing(limit);
    const big = blobs.filter((oid) => sizes.get(oid)!.size >= 1024);
    expect(big.length).toBeGreaterThan(10);
    for (const oid of limitMissing) {
      expect(sizes.get(oid)?.type, `missing ${oid}`).toBe('blob');
      expect(sizes.get(oid)!.size, `missing ${oid}`).toBeGreaterThanOrEqual(1024);
    }
    expect(limitMissing).toEqual(big.filter((oid) => !tipBlobs.has(oid) || limitMissing.includes(oid)).sort());
    const present = blobs.filter((oid) => sizes.get(oid)!.size < 1024);
    for (const oid of present) expect(limitMissing).not.toContain(oid);
  });
});
