// Interop: fsck of pushed objects at git's levels, with git as the oracle. Each .gitmodules
// attack is pushed to gitwell and to a bare git repository with receive.fsckObjects=true; both
// must refuse it naming the same message id. Trees with zero-padded modes (lodash has two) are
// accepted with a warning the client sees as "remote: warning: ...", as git does when
// receive.fsck.zeroPaddedFilemode=warn. A .gitmodules blob is checked whether it comes after
// its tree, before it, or was pushed earlier under another name. Levels set through
// GITWELL_FSCK_<ID> are honoured; a bad setting stops the server from starting.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, gitOk, lsRemote, objectIds, removeTempDirs, repoUrl, tempDir } from './helpers/git.js';
import { runCli, startGitwell, type Gitwell } from './helpers/gitwell.js';
import { commitWith, gitOracle, packInOrder, pushTo, type FileSpec } from './helpers/fsck-push.js';
import { receivePack } from './helpers/raw-git.js';

const URL_OPTION = '--upload-pack=touch${IFS}/tmp/pwn';
/**
 * Cases about what gitwell does beyond git (stricter .gitmodules reading, the warning cap, its
 * configuration): skipped when the suite runs against the reference server (GITWELL_CLI).
 */
const gitwellOnly = it.skipIf(process.env.GITWELL_CLI !== undefined);
const gitmodules = (name: string, url: string, extra = '') => `[submodule "${name}"]\n\tpath = sub\n\turl = ${url}\n${extra}`;

let src: string;
let base: string;

beforeAll(async () => {
  src = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gw-fsck-src-')), 'src.git');
  await gitOk(['init', '-q', '--bare', src]);
  base = await commitWith(src, null, [{ path: 'README.md', content: 'hello\n' }], { message: 'base' });
  await gitOk(['update-ref', 'refs/heads/main', base], { cwd: src });
});
afterAll(() => {
  fs.rmSync(path.dirname(src), { recursive: true, force: true });
  removeTempDirs();
});

interface Served {
  gw: Gitwell;
  url: string;
  key: string;
  fullName: string;
}

/** A server (with `env`) and a repo on it holding `base` as main. */
async function serve(env: Record<string, string> = {}): Promise<Served> {
  const gw = await startGitwell({ env });
  const key = await gw.createKey('acme');
  await gw.createRepo('acme/fsck');
  const url = repoUrl(gw.url, 'acme/fsck', key);
  const r = await pushTo(url, src, base);
  expect(r.accepted, r.output).toBe(true);
  return { gw, url, key, fullName: 'acme/fsck' };
}

/** The attacks: files on top of `base`, and the message id git refuses each with. */
const ATTACKS: Array<[name: string, files: FileSpec[], id: string]> = [
  ['url that is an option', [{ path: '.gitmodules', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['url with a %0a for the credential helper', [{ path: '.gitmodules', content: gitmodules('x', 'https://example.com?%0ahost=github.com/') }], 'gitmodulesUrl'],
  ['relative url with a %0a', [{ path: '.gitmodules', content: gitmodules('x', './%0ahost=evil') }], 'gitmodulesUrl'],
  ['name that climbs out', [{ path: '.gitmodules', content: gitmodules('../../../x', 'https://example.com/x') }], 'gitmodulesName'],
  ['path that is an option', [{ path: '.gitmodules', content: '[submodule "x"]\n\tpath = -x\n\turl = https://example.com/x\n' }], 'gitmodulesPath'],
  ['update that runs a command', [{ path: '.gitmodules', content: '[submodule "x"]\n\tpath = x\n\turl = https://example.com/x\n\tupdate = !touch /tmp/pwn\n' }], 'gitmodulesUpdate'],
  ['.gitmodules as a symlink', [{ path: '.gitmodules', content: '/etc/passwd', mode: '120000' }], 'gitmodulesSymlink'],
  ['.GITMODULES', [{ path: '.GITMODULES', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['GITMOD~1', [{ path: 'GITMOD~1', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['.gitmodules in a subdirectory', [{ path: 'sub/dir/.gitmodules', content: gitmodules('x', URL_OPTION) }], 'gitmodulesUrl'],
  ['.gitmodules that is a directory', [{ path: '.gitmodules/x', content: 'x' }], 'gitmodulesBlob'],
  ['.gitattributes with a 3000-byte line', [{ path: '.gitattributes', content: `${'x'.repeat(3000)} text\n` }], 'gitattributesLineLength'],
  ['.git spelled for HFS+', [{ path: '.g\u200cit/config', content: '[core]\n\tfsmonitor = touch /tmp/pwn\n' }], 'hasDotgit'],
];

describe('.gitmodules attacks (git push)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s?.gw.stop();
  });

  it('are refused by gitwell with the message id git refuses them with', async () => {
    const got: Record<string, string> = {};
    const want: Record<string, string> = {};
    const details: string[] = [];
    for (const [name, files, id] of ATTACKS) {
      const commit = await commitWith(src, base, files, { message: name });
      const ours = await pushTo(s.url, src, commit);
      const oracle = await pushTo(await gitOracle(), src, commit);
      got[name] = ours.accepted ? 'accepted' : `refused: ${ours.ids[0]}`;
      want[name] = oracle.accepted ? 'accepted' : `refused: ${oracle.ids[0]}`;
      details.push(`${name}:\n  gitwell: ${ours.output.trim()}\n  git: ${oracle.output.trim()}`);
      expect(want[name], `the oracle disagrees with the case table: ${details.at(-1)}`).toBe(`refused: ${id}`);
    }
    expect(got, details.join('\n')).toEqual(want);
    expect((await lsRemote(s.url)).refs).toContain(`${base}\trefs/heads/main`);
  });

  it('a blob pushed earlier under another name is checked when a later tree names it .gitmodules', async () => {
    const harmless = await commitWith(src, base, [{ path: 'notes.txt', content: gitmodules('x', URL_OPTION) }]);
    const blob = await gitOk(['rev-parse', `${harmless}:notes.txt`], { cwd: src });
    const evil = await commitWith(src, harmless, [{ path: '.gitmodules', oid: blob }]);
    const oracle = await gitOracle();
    for (const url of [s.url, oracle]) {
      const first = await pushTo(url, src, harmless);
      expect(first.accepted, first.output).toBe(true);
      const second = await pushTo(url, src, evil);
      expect(second.accepted, second.output).toBe(false);
      expect(second.ids[0], second.output).toBe('gitmodulesUrl');
    }
    // gitwell: the second pack did not even carry the blob (the client knew the server had it)
    expect((await lsRemote(s.url)).refs).toContain(`${harmless}\trefs/heads/main`);
  });

  it('a .gitmodules blob is checked whether the pack carries it before or after its tree', async () => {
    const before = (await lsRemote(s.url)).refs.find((l) => l.endsWith('\trefs/heads/main'))!.slice(0, 40);
    const commit = await commitWith(src, before, [{ path: '.gitmodules', content: gitmodules('x', URL_OPTION) }]);
    const tree = await gitOk(['rev-parse', `${commit}^{tree}`], { cwd: src });
    const blob = await gitOk(['rev-parse', `${commit}:.gitmodules`], { cwd: src });
    for (const order of [
      [commit, tree, blob],
      [blob, commit, tree],
    ]) {
      const pack = await packInOrder(src, order);
      const r = await receivePack(s.gw.url, s.fullName, s.key, [{ old: before, new: commit, ref: 'refs/heads/main' }], pack);
      expect(r.report.unpack, r.text).not.toBe('ok');
      expect(r.text).toMatch(new RegExp(`object ${blob}[^\n]*gitmodulesUrl`));
    }
    expect((await lsRemote(s.url)).refs).toContain(`${before}\trefs/heads/main`);
  });

  gitwellOnly("gitwell also refuses entries git's fsck cannot see past a 0xFF byte (git accepts them)", async () => {
    const content = Buffer.concat([Buffer.from('[submodule "a"]\n\tpath = a\n\turl = https://example.com/a\n# \xff\n', 'latin1'), Buffer.from(gitmodules('x', URL_OPTION))]);
    const commit = await commitWith(src, base, [{ path: '.gitmodules', content }]);
    const ours = await pushTo(s.url, src, commit, 'refs/heads/ff');
    const oracle = await pushTo(await gitOracle(), src, commit);
    expect(oracle.accepted, oracle.output).toBe(true);
    expect(ours.accepted, ours.output).toBe(false);
    expect(ours.ids[0]).toBe('gitmodulesUrl');
  });
});

describe('zero-padded modes (git push)', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve();
  });
  afterAll(async () => {
    await s?.gw.stop();
  });

  it('are accepted with the warning git gives, and a clone back passes git fsck and equals the source', async () => {
    const commit = await commitWith(src, base, [{ path: 'lib/a.js', content: 'a\n' }], { dirMode: '040000' });
    const tree = await gitOk(['rev-parse', `${commit}^{tree}`], { cwd: src });
    await gitOk(['update-ref', 'refs/heads/padded', commit], { cwd: src });
    const ours = await pushTo(s.url, src, commit, 'refs/heads/padded');
    const oracle = await pushTo(await gitOracle({ 'receive.fsck.zeroPaddedFilemode': 'warn' }), src, commit, 'refs/heads/padded');
    expect(oracle.accepted, oracle.output).toBe(true);
    expect(ours.accepted, ours.output).toBe(true);
    const line = new RegExp(`remote: warning: object ${tree}: zeroPaddedFilemode: contains zero-padded file modes`);
    expect(oracle.output).toMatch(line);
    expect(ours.output).toMatch(line);

    const clone = path.join(tempDir(), 'clone.git');
    const c = await git(['clone', '-q', '--mirror', s.url, clone]);
    expect(c.code, c.stderr).toBe(0);
    const f = await git(['fsck', '--full', '--no-dangling', '--no-progress'], { cwd: clone });
    expect(f.code, f.stderr).toBe(0);
    expect(f.stderr).toMatch(/zeroPaddedFilemode/);
    expect(await objectIds(clone)).toEqual(await objectIds(src, ['main', 'padded']));
    expect(await gitOk(['rev-parse', 'padded^{tree}'], { cwd: clone })).toBe(tree);
    // the tree kept its bytes: git reads "040000" back
    expect(await gitOk(['cat-file', '-p', tree], { cwd: clone })).toMatch(/^040000 tree /m);
  });

  gitwellOnly('tell the client at most 20 warnings, and how many more there were', async () => {
    let parent = base;
    for (let i = 0; i < 25; i++) parent = await commitWith(src, parent, [{ path: `d${i}/f`, content: `${i}\n` }], { dirMode: '040000', message: `padded ${i}` });
    const r = await pushTo(s.url, src, parent, 'refs/heads/many');
    expect(r.accepted, r.output).toBe(true);
    expect(r.output.match(/remote: warning: object [0-9a-f]{40}: zeroPaddedFilemode/g)).toHaveLength(20);
    expect(r.output).toMatch(/remote: warning: and 5 more fsck warnings/);
  });
});

describe('levels set by GITWELL_FSCK_<ID>', () => {
  it('error refuses a zero-padded push; warn accepts a default error with a warning', async () => {
    const s = await serve({ GITWELL_FSCK_ZEROPADDEDFILEMODE: 'error', GITWELL_FSCK_gitmodulesUrl: 'warn', GITWELL_FSCK_HASDOTGIT: 'warn' });
    try {
      const padded = await commitWith(src, base, [{ path: 'lib/a.js', content: 'a\n' }], { dirMode: '040000' });
      const r1 = await pushTo(s.url, src, padded, 'refs/heads/padded');
      expect(r1.accepted, r1.output).toBe(false);
      expect(r1.ids[0]).toBe('zeroPaddedFilemode');

      const url = await commitWith(src, base, [{ path: '.gitmodules', content: gitmodules('x', URL_OPTION) }]);
      const r2 = await pushTo(s.url, src, url, 'refs/heads/url');
      expect(r2.accepted, r2.output).toBe(true);
      expect(r2.output).toMatch(/remote: warning: object [0-9a-f]{40}: gitmodulesUrl: disallowed submodule url/);

      // an operator may lower a client-protecting check too (its default is what protects)
      const dotgit = await commitWith(src, base, [{ path: '.GIT/config', content: '[core]\n' }]);
      const r3 = await pushTo(s.url, src, dotgit, 'refs/heads/dotgit');
      expect(r3.accepted, r3.output).toBe(true);
      expect(r3.output).toMatch(/remote: warning: object [0-9a-f]{40}: hasDotgit/);
    } finally {
      await s.gw.stop();
    }
  });

  it('ignore accepts without a word', async () => {
    const s = await serve({ GITWELL_FSCK_ZEROPADDEDFILEMODE: 'ignore' });
    try {
      const padded = await commitWith(src, base, [{ path: 'lib/b.js', content: 'b\n' }], { dirMode: '040000' });
      const r = await pushTo(s.url, src, padded, 'refs/heads/padded');
      expect(r.accepted, r.output).toBe(true);
      expect(r.output).not.toMatch(/warning/);
    } finally {
      await s.gw.stop();
    }
  });

  gitwellOnly('an unknown id, level, or a level that cannot be set stops the server before it starts', async () => {
    const data = tempDir('gw-fsck-data-');
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ GITWELL_FSCK_NOSUCHCHECK: 'warn' }, /GITWELL_FSCK_NOSUCHCHECK: "NOSUCHCHECK" is not one of git's fsck message ids/],
      [{ GITWELL_FSCK_ZEROPADDEDFILEMODE: 'quiet' }, /level "quiet" is not error, warn or ignore/],
      [{ GITWELL_FSCK_BADTREE: 'ignore' }, /badTree cannot be lowered to ignore/],
    ];
    for (const [env, message] of cases) {
      const r = await runCli(['serve', '--data', data, '--host', '127.0.0.1', '--port', '0', '--json'], env);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(message);
    }
  });
});
