// The tree check scans tree bytes without building entries; these are the findings git's
// fsck_tree makes on the same trees (message ids from git's fsck.h; empty names are badTree
// there, as git's tree parser refuses them before fsck looks). Levels: fsck-levels.test.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { Fsck } from '../src/core/object/fsck.js';
import { DEFAULT_FSCK_LEVELS } from '../src/core/object/fsck-ids.js';
import { gitOk, removeTempDirs, tempDir } from './helpers/git.js';
import { findingIds, gitFsckFindings, writeLiterally } from './helpers/fsck.js';

afterAll(() => removeTempDirs());

const OID = Buffer.alloc(20, 0xab);
const entry = (mode: string, name: string | Buffer, oid: Buffer = OID) =>
  Buffer.concat([Buffer.from(`${mode} `), typeof name === 'string' ? Buffer.from(name) : name, Buffer.from([0]), oid]);
const tree = (...e: Buffer[]) => Buffer.concat(e);

describe('tree check', () => {
  it('finds nothing in sound trees, including names that sort between a file and a directory', () => {
    expect(findingIds('tree', Buffer.alloc(0))).toEqual([]);
    expect(findingIds('tree', tree(entry('100644', 'a'), entry('100644', 'a.c'), entry('40000', 'b'), entry('120000', 'l'), entry('160000', 'sub')))).toEqual([]);
    expect(findingIds('tree', tree(entry('100644', 'a.c'), entry('40000', 'a'), entry('100644', 'a0')))).toEqual([]);
    expect(findingIds('tree', tree(entry('100755', 'gitx'), entry('100664', 'old-mode'), entry('100644', 'ü')))).toEqual([]);
    // ".gitmodules" as a file is fine in itself: its content is checked (fsck-gitmodules.test.ts)
    expect(findingIds('tree', tree(entry('100644', '.gitattributes'), entry('100644', '.gitmodules')))).toEqual([]);
  });

  it("gives git's findings", () => {
    const cases: Array<[Buffer, string[]]> = [
      [tree(entry('100644', 'b'), entry('100644', 'a')), ['treeNotSorted']],
      [tree(entry('100644', 'a'), entry('100644', 'a')), ['duplicateEntries']],
      [tree(entry('100644', 'a'), entry('100644', 'a.c'), entry('40000', 'a')), ['duplicateEntries']],
      [tree(entry('100644', 'foo'), entry('100644', 'foo.bar'), entry('100644', 'foo.bar.baz'), entry('40000', 'foo.bar'), entry('40000', 'foo')), ['duplicateEntries']],
      [tree(entry('40000', '.git')), ['hasDotgit']],
      [tree(entry('100644', '.GIT')), ['hasDotgit']],
      [tree(entry('100644', 'git~1')), ['hasDotgit']],
      [tree(entry('100644', '.git. ')), ['hasDotgit']],
      [tree(entry('100644', 'x\\.git')), ['hasDotgit']],
      [tree(entry('100644', Buffer.from('.g\u200cit'))), ['hasDotgit']],
      [tree(entry('40000', '.')), ['hasDot']],
      [tree(entry('40000', '..')), ['hasDotdot']],
      [tree(entry('100644', 'a/b')), ['fullPathname']],
      [tree(entry('100644', '')), ['badTree']],
      [tree(entry('040000', 'd')), ['zeroPaddedFilemode']],
      [tree(entry('100777', 'x')), ['badFilemode']],
      [tree(entry('100644', 'x', Buffer.alloc(20))), ['nullSha1']],
      [tree(entry('100644', 'n'.repeat(4097))), ['largePathname']],
      [tree(entry('120000', '.gitmodules')), ['gitmodulesSymlink']],
      [tree(entry('120000', '.gitattributes')), ['gitattributesSymlink']],
      [tree(entry('120000', '.gitignore')), ['gitignoreSymlink']],
      [tree(entry('120000', '.mailmap')), ['mailmapSymlink']],
      [tree(entry('100644', 'x')).subarray(0, 20), ['badTree']],
      [Buffer.from('100644x\0'), ['badTree']],
      [Buffer.from(' x\0' + 'a'.repeat(20)), ['badTree']],
      [Buffer.from('1008 x\0' + 'a'.repeat(20)), ['badTree']],
      // everything git collects over one tree, in git's order
      [tree(entry('040000', '.git'), entry('100644', 'a/b', Buffer.alloc(20))), ['nullSha1', 'fullPathname', 'hasDotgit', 'zeroPaddedFilemode']],
    ];
    for (const [t, want] of cases) expect(findingIds('tree', t), t.toString('latin1')).toEqual(want);
  });

  it('agrees with git fsck on trees it can parse', async () => {
    const repo = tempDir('gw-fsck-tree-');
    await gitOk(['init', '-q', '--bare', repo]);
    const blob = Buffer.from(await writeLiterally(repo, 'blob', 'x'), 'hex');
    const trees = [
      tree(entry('100644', 'b', blob), entry('100644', 'a', blob)),
      tree(entry('100644', 'a', blob), entry('40000', 'a', blob)),
      tree(entry('100644', 'foo', blob), entry('100644', 'foo.bar', blob), entry('100644', 'foo.bar.baz', blob), entry('40000', 'foo.bar', blob), entry('40000', 'foo', blob)),
      tree(entry('100644', 'a', blob), entry('100644', 'a.c', blob), entry('40000', 'a', blob)),
      tree(entry('100644', 'a.c', blob), entry('40000', 'a', blob), entry('100644', 'a0', blob)),
      tree(entry('40000', 'a', blob), entry('100644', 'a-', blob)),
      tree(entry('040000', '.git', blob), entry('100644', 'a/b', Buffer.alloc(20)), entry('100777', 'x', blob)),
      tree(entry('0100644', 'z', blob), entry('100664', 'zz', blob), entry('1100644', 'zzz', blob), entry('160000', 'zzzz', Buffer.alloc(20))),
      tree(entry('40000', '.', blob), entry('40000', '..', blob), entry('100644', 'G\\.GIT', blob)),
    ];
    const oids = await Promise.all(trees.map((t) => writeLiterally(repo, 'tree', t)));
    const git = await gitFsckFindings(repo);
    const got = trees.map((t) => findingIds('tree', t).sort());
    const want = oids.map((o) => [...(git.get(o) ?? [])].sort());
    expect(got).toEqual(want);
    expect(want.filter((ids) => ids.length > 0).length).toBeGreaterThan(6);
  });

  it('at the default levels, stops at the first error and keeps warnings to tell', () => {
    const f = new Fsck(DEFAULT_FSCK_LEVELS);
    expect(f.check(2, tree(entry('040000', 'd'), entry('100777', 'x')), OID)).toBeNull();
    expect(f.warnings.map((w) => w.id)).toEqual(['zeroPaddedFilemode', 'badFilemode']);
    expect(f.warnings[0]!.oid).toBe(OID.toString('hex'));
    expect(f.check(2, tree(entry('040000', '.git')), OID)).toMatchObject({ id: 'hasDotgit' });
  });
});
