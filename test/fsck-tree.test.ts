// fsckTree scans tree bytes without building entries; these are the verdicts git fsck --strict
// gives on the same trees (message ids from git's fsck.c).
import { describe, expect, it } from 'vitest';
import { fsckTree } from '../src/core/object/fsck.js';

const OID = Buffer.alloc(20, 0xab);
const entry = (mode: string, name: string | Buffer, oid: Buffer = OID) =>
  Buffer.concat([Buffer.from(`${mode} `), typeof name === 'string' ? Buffer.from(name) : name, Buffer.from([0]), oid]);
const tree = (...e: Buffer[]) => Buffer.concat(e);
const id = (r: string | null) => (r === null ? null : r.split(':')[0]);

describe('fsckTree', () => {
  it('accepts sound trees, including names that sort between a file and a directory', () => {
    expect(fsckTree(Buffer.alloc(0))).toBeNull();
    expect(fsckTree(tree(entry('100644', 'a'), entry('100644', 'a.c'), entry('40000', 'b'), entry('120000', 'l'), entry('160000', 'sub')))).toBeNull();
    expect(fsckTree(tree(entry('100644', 'a.c'), entry('40000', 'a'), entry('100644', 'a0')))).toBeNull();
    expect(fsckTree(tree(entry('100755', 'gitx'), entry('100644', 'ü')))).toBeNull();
  });

  it('gives git fsck verdicts', () => {
    const cases: Array<[Buffer, string]> = [
      [tree(entry('100644', 'b'), entry('100644', 'a')), 'treeNotSorted'],
      [tree(entry('100644', 'a'), entry('100644', 'a')), 'duplicateEntries'],
      [tree(entry('100644', 'a'), entry('100644', 'a.c'), entry('40000', 'a')), 'duplicateEntries'],
      [tree(entry('40000', '.git')), 'hasDotgit'],
      [tree(entry('100644', '.GIT')), 'hasDotgit'],
      [tree(entry('100644', 'git~1')), 'hasDotgit'],
      [tree(entry('100644', '.git. ')), 'hasDotgit'],
      [tree(entry('100644', Buffer.from('.g\u200cit'))), 'hasDotgit'],
      [tree(entry('40000', '.')), 'hasDot'],
      [tree(entry('40000', '..')), 'hasDotdot'],
      [tree(entry('100644', '')), 'emptyName'],
      [tree(entry('040000', 'd')), 'zeroPaddedFilemode'],
      [tree(entry('100777', 'x')), 'badFilemode'],
      [tree(entry('100644', 'x', Buffer.alloc(20))), 'nullSha1'],
      [tree(entry('100644', 'x')).subarray(0, 20), 'badTree'],
      [Buffer.from('100644x\0'), 'badTree'],
      [Buffer.from(' x\0' + 'a'.repeat(20)), 'badTree'],
      [Buffer.from('1008 x\0' + 'a'.repeat(20)), 'badTree'],
    ];
    for (const [t, want] of cases) expect(id(fsckTree(t)), want).toBe(want);
  });
});
