// .gitmodules blobs: gitwell's git-config parser against `git config --blob --list -z` (what git
// reads from the same bytes), and the submodule checks against `git fsck` on a tree naming the
// blob .gitmodules (git is the oracle). Two cases differ on purpose: git's fsck reads a blob
// through a signed char, so a 0xFF byte ends the blob early and a UTF-8 BOM is a syntax error,
// while a client reads the checked-out file unsigned and sees what follows; gitwell reads
// it as the client does, and so checks entries git's fsck never looks at.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGitConfig } from '../src/core/config-file.js';
import { Fsck } from '../src/core/object/fsck.js';
import { DEFAULT_FSCK_LEVELS } from '../src/core/object/fsck-ids.js';
import { isValidSubmoduleName, isValidSubmoduleUrl, urlDecode } from '../src/core/submodule-rules.js';
import { git, gitOk, removeTempDirs, tempDir } from './helpers/git.js';
import { blobFindingIds, gitFsckFindings, writeLiterally } from './helpers/fsck.js';

let repo: string;
beforeAll(async () => {
  repo = tempDir('gw-fsck-gitmodules-');
  await gitOk(['init', '-q', '--bare', repo]);
});
afterAll(() => removeTempDirs());

/** Entries as git's parser gives them: [name, value | null], and whether the whole blob parsed. */
function ours(text: string | Buffer): { entries: Array<[string, string | null]>; ok: boolean } {
  const entries: Array<[string, string | null]> = [];
  const r = parseGitConfig(Buffer.from(text as Buffer), (name, value) => void entries.push([name, value]));
  return { entries, ok: r.errorLine === null };
}

/**
 * git before 2.46 turns each whitespace character inside a value into a space; later versions,
 * and gitwell, keep it as it is. No check looks at it; the comparison does not either.
 */
const sameSpaces = (r: { entries: Array<[string, string | null]>; ok: boolean }) => ({
  ok: r.ok,
  entries: r.entries.map(([n, v]): [string, string | null] => [n, v === null ? null : v.replace(/[\t\r]/g, ' ')]),
});

async function gits(text: string | Buffer): Promise<{ entries: Array<[string, string | null]>; ok: boolean }> {
  const oid = await writeLiterally(repo, 'blob', text);
  const r = await git(['config', '--blob', oid, '--list', '-z'], { cwd: repo });
  const entries = r.stdout
    .split('\0')
    .slice(0, -1)
    .map((e): [string, string | null] => {
      const nl = e.indexOf('\n');
      return nl < 0 ? [e, null] : [e.slice(0, nl), e.slice(nl + 1)];
    });
  return { entries, ok: r.code === 0 };
}

const SYNTAX: string[] = [
  '[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n',
  '[submodule "x"]\n\turl = "quoted value" ; comment\n\tpath = a\\\nb\n',
  '[submodule "x"]\n\turl = a\\tb\\\\c\\"d\\n\n',
  '[submodule "x"]\n\turl   =   spaced   out   # comment\n',
  '[submodule "x"]\n\turl = " kept spaces "  \n',
  '[submodule "x"]\n\tactive\n\turl\n',
  '[Submodule "MiXed"]\n\tURL = v\n',
  '[submodule.old]\n\turl = v\n',
  '[submodule "a\\"b\\\\c"]\n\turl = v\n',
  '[submodule "with.dots.in.it"]\n\turl = v\n',
  '[submodule "x"]\r\n\turl = crlf\r\n',
  '[submodule "x"]\n\turl = lone\rcr\n',
  '[submodule "x"]\n\turl = tab\there  \t \n',
  '[submodule "x"]\n\turl = v\v\n',
  '; comment\n# comment\n\n   \t\n[submodule "x"] url = same-line\n',
  '[submodule "x"]\n\turl = no-final-newline',
  '[submodule "x"]\n\turl = "unterminated\n',
  '[submodule "x"\n\turl = v\n',
  '[submodule x]\n',
  '[]\n',
  '[submodule "x"]\n\turl = bad\\qescape\n',
  '[submodule "x"]\n\t=novalue\n',
  '[submodule "x"]\n\t1key = v\n',
  '[submodule "x"]\n\turl = v\n[broken\n\turl = after\n',
  'key = before any section\n',
  '[submodule "x"]\n\turl = with\0nul\n',
];

describe('git config parser', () => {
  it("reads what git reads: names, values, quoting, escapes, continuations, comments, errors", async () => {
    const got: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const text of SYNTAX) {
      got[JSON.stringify(text)] = sameSpaces(ours(text));
      want[JSON.stringify(text)] = sameSpaces(await gits(text));
    }
    expect(got).toEqual(want);
    expect(Object.values(want).filter((w) => !(w as { ok: boolean }).ok).length).toBeGreaterThan(5);
  });
});

const URL_OPTION = '--upload-pack=touch${IFS}/tmp/pwn';

/** .gitmodules blobs and what git's fsck says of each, as gitwell must. */
const CONTENT: string[] = [
  '[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n',
  `[submodule "x"]\n\tpath = x\n\turl = ${URL_OPTION}\n`,
  '[submodule "x"]\n\turl = "-u./payload"\n',
  '[submodule "x"]\n\turl = --upload\\\n-pack=x\n',
  '[submodule "x"]\n\turl = https://ok.example.com # --upload-pack\n',
  '[Submodule "X"]\n\tURL = -x\n',
  '[submodule.old]\n\turl = -x\n',
  '[submodule "../../../x"]\n\tpath = x\n\turl = https://example.com/x\n',
  '[submodule ".."]\n\turl = https://example.com/x\n',
  '[submodule "a/../b"]\n\turl = https://example.com/x\n',
  '[submodule "a\\\\..\\\\b"]\n\turl = https://example.com/x\n',
  '[submodule "a/.."]\n\turl = https://example.com/x\n',
  '[submodule "..x"]\n\turl = https://example.com/x\n',
  '[submodule "x.."]\n\turl = https://example.com/x\n',
  '[submodule ""]\n\turl = https://example.com/x\n',
  '[submodule "x"]\n\tpath = -x\n',
  '[submodule "x"]\n\tpath = "-x"\n',
  '[submodule "x"]\n\tupdate = !rm -rf /\n',
  '[submodule "x"]\n\tupdate = rebase\n',
  '[submodule "x"]\n\turl = ./%0ahost=evil\n',
  '[submodule "x"]\n\turl = ../%0Ahost=evil\n',
  '[submodule "x"]\n\turl = git://example.com/%0a\n',
  '[submodule "x"]\n\turl = https://example.com/%0apath\n',
  '[submodule "x"]\n\turl = https://%0a@example.com/\n',
  '[submodule "x"]\n\turl = https://u:%0a@example.com/\n',
  '[submodule "x"]\n\turl = https://example.com%0a/x\n',
  '[submodule "x"]\n\turl = https://example.com%00%0a/x\n',
  '[submodule "x"]\n\turl = https://example.com/x%00%0a\n',
  '[submodule "x"]\n\turl = http::https://example.com/x\n',
  '[submodule "x"]\n\turl = http::https:///no-host\n',
  '[submodule "x"]\n\turl = https:///example.com\n',
  '[submodule "x"]\n\turl = https://\n',
  '[submodule "x"]\n\turl = https::example.com/x\n',
  '[submodule "x"]\n\turl = ../:host\n',
  '[submodule "x"]\n\turl = ..//evil\n',
  '[submodule "x"]\n\turl = ./../x\n',
  '[submodule "x"]\n\turl = ../../x\n',
  '[submodule "x"]\n\turl = ..\\\\:x\n',
  '[submodule "x"]\n\turl = ssh://example.com/%0a\n',
  '[submodule "x"]\n\turl = \n',
  '[submodule "x"]\n\turl\n',
  '[submodule "x"]\r\n\turl = --x\r\n',
  '[submodule "x"]\n\turl = https://ok\0--x\n',
  '[core]\n\turl = --not-a-submodule\n',
  '[submodule "x"]\n\turl = "unterminated\n',
  `[submodule "x"]\n\turl = "${URL_OPTION}"\n[broken\n`,
  `[broken\n[submodule "x"]\n\turl = ${URL_OPTION}\n`,
];

describe('.gitmodules checks', () => {
  it('find what git fsck finds in the same blobs', async () => {
    const oids: string[] = [];
    for (const text of CONTENT) {
      const blob = await writeLiterally(repo, 'blob', text);
      const tree = await writeLiterally(repo, 'tree', Buffer.concat([Buffer.from('100644 .gitmodules\0'), Buffer.from(blob, 'hex')]));
      oids.push(blob);
      expect(tree).toMatch(/^[0-9a-f]{40}$/);
    }
    const git = await gitFsckFindings(repo);
    const got: Record<string, string[]> = {};
    const want: Record<string, string[]> = {};
    CONTENT.forEach((text, i) => {
      got[JSON.stringify(text)] = blobFindingIds('.gitmodules', text).sort();
      want[JSON.stringify(text)] = [...(git.get(oids[i]!) ?? [])].sort();
    });
    expect(got).toEqual(want);
    const all = Object.values(want).flat();
    for (const id of ['gitmodulesUrl', 'gitmodulesName', 'gitmodulesPath', 'gitmodulesUpdate', 'gitmodulesParse']) expect(all).toContain(id);
  });

  it("see entries git's fsck misses after a 0xFF byte or a BOM, as a client reading the file does", async () => {
    const afterFF = Buffer.concat([Buffer.from('[submodule "a"]\n\tpath = a\n# \xff\n', 'latin1'), Buffer.from(`[submodule "x"]\n\turl = ${URL_OPTION}\n`)]);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`[submodule "x"]\n\turl = ${URL_OPTION}\n`)]);
    // git's blob parser stops at 0xFF (EOF) and fails on the BOM...
    expect((await gits(afterFF)).entries).toEqual([['submodule.a.path', 'a']]);
    expect((await gits(withBom)).ok).toBe(false);
    // ...but git reading the same bytes as a file (what `git submodule` does in a checkout) sees the url
    const file = `${tempDir()}/gitmodules`;
    for (const bytes of [afterFF, withBom]) {
      fs.writeFileSync(file, bytes);
      const r = await git(['config', '-f', file, '--get', 'submodule.x.url']);
      expect(r.stdout.trim()).toBe(URL_OPTION);
    }
    expect(blobFindingIds('.gitmodules', afterFF)).toEqual(['gitmodulesUrl']);
    expect(blobFindingIds('.gitmodules', withBom)).toEqual(['gitmodulesUrl']);
  });

  it('large .gitmodules and .gitattributes, and .gitattributes lines', () => {
    expect(blobFindingIds('.gitmodules', Buffer.alloc(16 * 1024 * 1024 + 1, 0x0a))).toEqual(['gitmodulesLarge']);
    expect(blobFindingIds('.gitattributes', `*.c text\n${'x'.repeat(2047)}\n`)).toEqual([]);
    expect(blobFindingIds('.gitattributes', `*.c text\n${'x'.repeat(2048)}\n`)).toEqual(['gitattributesLineLength']);
    expect(blobFindingIds('.gitattributes', `*.c text\0${'x'.repeat(4096)}\n`)).toEqual([]);
  });
});

describe('submodule rules', () => {
  it('names', () => {
    for (const ok of ['lib', 'a/b', '..x', 'x..', '.a', 'a/..b']) expect(isValidSubmoduleName(ok), ok).toBe(true);
    for (const bad of ['', '..', '../x', 'a/..', 'a/../b', 'a\\..\\b', '..\\x']) expect(isValidSubmoduleName(bad), bad).toBe(false);
  });
  it('urls', () => {
    for (const ok of ['https://example.com/x', 'git@example.com:x.git', '../x', './x', 'ssh://host/x', 'http::https://h/x']) expect(isValidSubmoduleUrl(ok), ok).toBe(true);
    for (const bad of ['-x', './%0a', 'https:///x', 'https://%0a@h/', '../:h', 'ftp://h/%0a']) expect(isValidSubmoduleUrl(bad), bad).toBe(false);
  });
  it('url decoding leaves the scheme and %00 alone', () => {
    expect(urlDecode('a%3ab:%41%4a%zz%4')).toBe('a%3ab:AJ%zz%4');
    expect(urlDecode('x%00y%0a')).toBe('x%00y\n');
  });
});

describe('blobs named by trees (git fsck_finish)', () => {
  const bad = Buffer.from(`[submodule "x"]\n\turl = ${URL_OPTION}\n`);
  const blobOid = Buffer.alloc(20, 0x11);
  const treeNaming = (name: string, oid: Buffer, mode = '100644') => Buffer.concat([Buffer.from(`${mode} ${name}\0`), oid]);
  const TREE = Buffer.alloc(20, 0x22);

  it('a blob after its tree is checked at once; one before it, or stored already, by finish', () => {
    const after = new Fsck(DEFAULT_FSCK_LEVELS);
    expect(after.check(2, treeNaming('.gitmodules', blobOid), TREE)).toBeNull();
    expect(after.pending).toBe(true);
    expect(after.check(3, bad, blobOid)).toMatchObject({ id: 'gitmodulesUrl' });
    expect(after.pending).toBe(false);

    const before = new Fsck(DEFAULT_FSCK_LEVELS);
    expect(before.check(3, bad, blobOid)).toBeNull();
    expect(before.check(2, treeNaming('.gitmodules', blobOid), TREE)).toBeNull();
    const reads: string[] = [];
    const finder = { get: (oid: Uint8Array) => (reads.push(Buffer.from(oid).toString('hex')), { type: 3, data: bad }) };
    expect(before.finish(finder)).toMatchObject({ id: 'gitmodulesUrl', oid: blobOid.toString('hex') });
    expect(reads).toEqual([blobOid.toString('hex')]);
    // checked once: a second tree naming it asks for nothing more
    expect(before.check(2, treeNaming('.gitmodules', blobOid), TREE)).toBeNull();
    expect(before.pending).toBe(false);
  });

  it('missing, or not a blob: gitmodulesMissing, gitmodulesBlob (and the .gitattributes ones)', () => {
    const cases: Array<[string, { type: number; data: Buffer } | undefined, string]> = [
      ['.gitmodules', undefined, 'gitmodulesMissing'],
      ['.gitmodules', { type: 2, data: Buffer.alloc(0) }, 'gitmodulesBlob'],
      ['.gitattributes', undefined, 'gitattributesMissing'],
      ['.gitattributes', { type: 1, data: Buffer.alloc(0) }, 'gitattributesBlob'],
    ];
    for (const [name, found, id] of cases) {
      const f = new Fsck(DEFAULT_FSCK_LEVELS);
      f.check(2, treeNaming(name, blobOid, name === '.gitmodules' ? '160000' : '100644'), TREE);
      expect(f.finish({ get: () => found }), `${name} ${id}`).toMatchObject({ id });
    }
  });
});
