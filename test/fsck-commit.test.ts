// Commit and tag checks (headers, idents, dates) against git on the same objects: git is the
// oracle, as `git index-pack --strict` (what receive.fsckObjects runs; plain `git fsck` cannot
// parse some of these at all) with git's warnings kept as warnings. Objects git's parser
// throws out before fsck looks ("fatal: invalid commit", no message id) must be errors here. Two date spellings differ between git versions: before git 2.44 (or so) a
// date went through strtoumax, which reads "-1" as a huge number (badDateOverflow) and "+1"
// as 1; later versions, and gitwell, want a digit there (badDate).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitOk, removeTempDirs, tempDir } from './helpers/git.js';
import { GIT_MSG_TYPES, type FsckMsgId } from '../src/core/object/fsck-ids.js';
import { findingIds, GIT_FSCK_LEVELS, gitIndexPackFindings } from './helpers/fsck.js';

const TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const IDENT = 'A U Thor <a@example.com> 1700000000 +0000';
const commit = (author: string, { head = `tree ${TREE}\n`, committer = IDENT, rest = '\nmessage\n' } = {}) =>
  `${head}author ${author}\ncommitter ${committer}\n${rest}`;
const tag = (body: string) => `object ${TREE}\ntype tree\n${body}`;

const COMMITS: string[] = [
  commit(IDENT),
  commit('A <a> 0 +0000'),
  commit('<a> 1 +0000'),
  commit('A a> 1 +0000'),
  commit('A 1 +0000'),
  commit('A<a> 1 +0000'),
  commit('A <a 1 +0000'),
  commit('A <a>1 +0000'),
  commit('A <a> x +0000'),
  commit('A <a> 01 +0000'),
  commit('A <a> 99999999999999999999 +0000'),
  commit('A <a> 9223372036854775807 +0000'),
  commit('A <a> 9223372036854775808 +0000'),
  commit('A <a> 1 0000'),
  commit('A <a> 1 +000'),
  commit('A <a> 1 +00000'),
  commit('A <a> 1 +00x0'),
  commit('A <a>  \t 1 +0000'),
  commit('A <a> 1  +0000'),
  commit('Name With <Angle <a> 1 +0000'),
  commit(IDENT, { committer: 'C <c> 1 -0130' }),
  commit(IDENT, { committer: 'C <c>' }),
  commit(IDENT, { head: `tree ${TREE.toUpperCase()}\n` }),
  commit(IDENT, { head: `tree ${TREE.slice(1)}\n` }),
  commit(IDENT, { head: '' }),
  commit(IDENT, { head: `tree ${TREE}\nparent nope\n` }),
  commit(IDENT, { rest: 'encoding ISO-8859-1\ngpgsig -----BEGIN-----\n more\n -----END-----\n\nmessage\n' }),
  commit(IDENT, { rest: '\nmessage with a \0 NUL\n' }),
  commit(IDENT, { rest: 'x-header with \0 NUL\n\nmessage\n' }),
  `tree ${TREE}\nauthor ${IDENT}\nauthor ${IDENT}\ncommitter ${IDENT}\n\nm\n`,
  `tree ${TREE}\ncommitter ${IDENT}\n\nm\n`,
  `tree ${TREE}\nauthor ${IDENT}\n\nm\n`,
  `tree ${TREE}\nauthor ${IDENT}\ncommitter ${IDENT}`,
  `tree ${TREE}\nauthor ${IDENT}\ncommitter ${IDENT}\n`,
];

const TAGS: string[] = [
  tag(`tag v1\ntagger ${IDENT}\n\nmessage\n`),
  tag('tag v1\n\nno tagger\n'),
  tag(`tag a..b\ntagger ${IDENT}\n\nm\n`),
  tag(`tag v1\ntagger ${IDENT}\nextra header\n\nm\n`),
  tag(`tag v1\ntagger A <a> x +0000\n\nm\n`),
  `object ${TREE}\ntype blobby\ntag v1\n\nm\n`,
  `object ${TREE}\ntag v1\n\nm\n`,
  `object nothex\ntype tree\ntag v1\n\nm\n`,
  `type tree\ntag v1\n\nm\n`,
  `object ${TREE}\ntype tree\n\nm\n`,
  `object ${TREE}\ntype tree\ntag v1`,
];

let repo: string;
beforeAll(async () => {
  repo = tempDir('gw-fsck-commit-');
  await gitOk(['init', '-q', '--bare', repo]);
  // the empty tree the objects name, so that only the objects themselves are in question
  await gitOk(['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: repo, input: '' });
});

/** git's ids of one object; its WARN ids that commits and tags can raise, kept as warnings */
const gitIds = (type: string, body: string) => gitIndexPackFindings(repo, type, body, ['nulInCommit']);
afterAll(() => removeTempDirs());

async function compare(type: 'commit' | 'tag', bodies: string[]) {
  const got: Record<string, unknown> = {};
  const want: Record<string, unknown> = {};
  for (const b of bodies) {
    const ours = findingIds(type, b, GIT_FSCK_LEVELS).sort();
    const git = await gitIds(type, b);
    const isError = (id: string) => ['error', 'fatal'].includes(GIT_MSG_TYPES[id as FsckMsgId]);
    if (git.refused && git.ids.length === 0) {
      // refused by git's parser: here, by an error
      got[JSON.stringify(b)] = ours.some(isError) ? 'refused' : ours;
      want[JSON.stringify(b)] = 'refused';
    } else {
      got[JSON.stringify(b)] = ours;
      want[JSON.stringify(b)] = git.ids.sort();
    }
  }
  expect(got).toEqual(want);
  return want;
}

describe('commit and tag checks', () => {
  it('commits: what git fsck finds', async () => {
    const want = await compare('commit', COMMITS);
    expect(Object.values(want).filter((ids) => ids === 'refused' || (ids as string[]).length > 0).length).toBeGreaterThan(25);
  });

  it('tags: what git fsck finds', async () => {
    const want = await compare('tag', TAGS);
    expect(Object.values(want).filter((ids) => ids === 'refused' || (ids as string[]).length > 0).length).toBeGreaterThan(7);
  });

  it('dates must start with a digit: no negative dates, no "+1"', async () => {
    for (const date of ['-1', '-8640000000000', '+1']) {
      const body = commit(`A <a> ${date} +0000`);
      expect(findingIds('commit', body, GIT_FSCK_LEVELS)).toEqual(['badDate']);
      const git = (await gitIds('commit', body)).ids;
      // this git's verdict: the same, or (older gits) badDateOverflow, or nothing for "+1"
      expect([['badDate'], ['badDateOverflow'], date === '+1' ? [] : ['badDate']]).toContainEqual(git);
    }
  });
});
