// Names that mean .git, .gitmodules, .gitattributes, .gitignore or .mailmap on HFS+ or NTFS,
// judged by gitwell and by `git fsck` on the same trees (git is the oracle). Each name is the
// one entry of its own tree, as a symlink, so that git says gitmodulesSymlink (and the like)
// exactly when it takes the name for that file, and hasDotgit when it takes it for ".git".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitOk, removeTempDirs, tempDir } from './helpers/git.js';
import { findingIds, gitFsckFindings, writeLiterally } from './helpers/fsck.js';

const u = (s: string) => Buffer.from(s, 'utf8');
const raw = (s: string) => Buffer.from(s, 'latin1');

const NAMES: Buffer[] = [
  // .gitmodules
  ...['.gitmodules', '.GITMODULES', '.GitModules', '.gitmodules ', '.gitmodules.', '.gitmodules . .', '.gitmodules:$DATA'].map(u),
  ...['gitmod~1', 'GITMOD~1', 'gitmod~4', 'gitmod~5', 'GITMOD~1 .', 'gi7eba~1', 'GI7EBA~9', 'gi7eba~12', 'gi7eb~1', 'gi7eb~12', 'gi7eba~0', 'gi7ebax1'].map(u),
  ...['.gitmodulesx', 'gitmodules', '.gitmodule', 'x\\.gitmodules', 'x\\gitmod~1', '.gitmodules\\x'].map(u),
  ...['.git\u200cmodules', '\u200c.gitmodules', '.gitmodules\u200d', '.gitmodules\ufeff', '\u206a.GITMODULES\u202e', '.gitmodules\u2000'].map(u),
  raw('.gitmodules\xff'),
  raw('.gitmodu\xffles'),
  raw('\xe2\x80.gitmodules'),
  // .gitattributes, .gitignore, .mailmap
  ...['.gitattributes', '.GITATTRIBUTES ', 'gitatt~1', 'GI7D29~1', '.gitattributes\u200c', 'x\\.gitattributes'].map(u),
  ...['.gitignore', 'gitign~1', 'GI250A~1', '.gitignore:x', '.mailmap', 'MAILMA~1', 'maba30~1', '.mailmap\u200c', 'mailmap'].map(u),
  // .git
  ...['.git', '.GIT', '.git.', '.git ', '.git:x', 'git~1', 'GIT~1', 'git~2', 'git~1x', '.git\\x', 'x\\.git', 'x\\git~1', 'a\\b\\.GIT'].map(u),
  ...['.g\u200cit', '\ufeff.git', '.git\u206f', '.gitfoo', 'x.git', '.gi', '.git\u200c\u200c.'].map(u),
  raw('.git\xff'),
  raw('\xef\xbb\xbf.git'),
];

let repo: string;
let target: string;
const treeOf = (name: Buffer) => Buffer.concat([raw('120000 '), name, Buffer.from([0]), Buffer.from(target, 'hex')]);

beforeAll(async () => {
  repo = tempDir('gw-fsck-names-');
  await gitOk(['init', '-q', '--bare', repo]);
  target = await writeLiterally(repo, 'blob', 'elsewhere');
});
afterAll(() => removeTempDirs());

describe('dotfile names on HFS+ and NTFS', () => {
  it('are the names git fsck takes for .git, .gitmodules, .gitattributes, .gitignore and .mailmap', async () => {
    const oids = await Promise.all(NAMES.map((n) => writeLiterally(repo, 'tree', treeOf(n))));
    const git = await gitFsckFindings(repo);
    const got: Record<string, string[]> = {};
    const want: Record<string, string[]> = {};
    NAMES.forEach((n, i) => {
      const label = JSON.stringify(n.toString('latin1'));
      got[label] = findingIds('tree', treeOf(n)).sort();
      want[label] = [...(git.get(oids[i]!) ?? [])].sort();
    });
    expect(got).toEqual(want);
    // the oracle did see these names (a test that passes on an empty list proves nothing)
    expect(Object.values(want).filter((ids) => ids.includes('gitmodulesSymlink')).length).toBeGreaterThan(15);
    expect(Object.values(want).filter((ids) => ids.includes('hasDotgit')).length).toBeGreaterThan(12);
  });
});
