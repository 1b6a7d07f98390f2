/**
 * The tree check, git's fsck_tree, in one pass over the bytes without building entries (ingest
 * runs it on every pushed tree):
 *   tree  = *( mode SP name NUL 20-byte-oid )
 *   mode  = 1*( "0"-"7" )   name = 1*( any byte but NUL )
 * A malformed entry is `badTree`; everything else is collected over the whole tree and reported
 * once per id, in git's order, after the entries that name a .gitmodules or .gitattributes
 * (those are reported as they are met, as git does). Modes are compared as git compares them:
 * wrapped to 32 bits while parsed, then cut to 16 (tree_entry_extract's unsigned short).
 */
import type { FsckMsgId, Report } from './fsck-ids.js';
import { isDotGit, isDotGitattributes, isDotGitignore, isDotGitmodules, isDotMailmap, isNtfsDotGit, isNtfsDotGitmodules, maybeDotfile } from './dotfile-names.js';
import { MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_LINK, MODE_TREE } from './tree.js';

/** Blobs whose content is checked because of the name a tree gives them. */
export const SPECIAL_GITMODULES = 1;
export const SPECIAL_GITATTRIBUTES = 2;

export interface TreeCheck {
  report: Report;
  /** This tree names `oid` .gitmodules or .gitattributes (`kind`): its content must be checked. `oid` is a view. */
  want(kind: number, oid: Uint8Array): void;
}

/** git's limit on a name (fsck.largePathname's default), bytes */
const MAX_TREE_ENTRY_LEN = 4096;
const S_IFMT = 0o170000;
const isDir = (mode: number) => (mode & S_IFMT) === MODE_TREE;
const isLink = (mode: number) => (mode & S_IFMT) === MODE_LINK;
const lessThanSlash = (c: number) => c > 0 && c < 0x2f;

/** What git collects over a tree, in the order it reports them, with its messages. */
const SUMMARY: Array<[FsckMsgId, string]> = [
  ['nullSha1', 'contains entries pointing to null sha1'],
  ['fullPathname', 'contains full pathnames'],
  // (never set: git's tree parser refuses an empty name first, as badTree, and so does this one)
  ['emptyName', 'contains empty pathname'],
  ['hasDot', "contains '.'"],
  ['hasDotdot', "contains '..'"],
  ['hasDotgit', "contains '.git'"],
  ['zeroPaddedFilemode', 'contains zero-padded file modes'],
  ['badFilemode', 'contains bad file modes'],
  ['duplicateEntries', 'contains duplicate file entries'],
  ['treeNotSorted', 'not properly sorted'],
  ['largePathname', 'contains excessively large pathname'],
];
const [NULL_SHA1, FULL_PATHNAME, , HAS_DOT, HAS_DOTDOT, HAS_DOTGIT, ZERO_PADDED, BAD_FILEMODE, DUPLICATE_ENTRIES, NOT_SORTED, LARGE_PATHNAME] = SUMMARY.map((_, i) => i);

// per flag, the first entry that set it (name start and end), to name it in the message; a
// module-level scratch (the check is synchronous), so that a sound tree allocates nothing
const firstStart = new Int32Array(SUMMARY.length);
const firstEnd = new Int32Array(SUMMARY.length);
// file names that a later directory could duplicate ("a" before "a.b", "a/"), git's name stack
const candidates: number[] = [];

const quote = (d: Uint8Array, s: number, e: number) => JSON.stringify(Buffer.from(d.buffer, d.byteOffset + s, Math.min(e - s, 200)).toString('utf8'));

export function checkTree(d: Uint8Array, check: TreeCheck): void {
  const n = d.length;
  let flags = 0;
  const flag = (f: number, s: number, e: number) => {
    if (flags & (1 << f)) return;
    flags |= 1 << f;
    firstStart[f] = s;
    firstEnd[f] = e;
  };
  candidates.length = 0;
  let prevS = -1;
  let prevE = -1;
  let prevMode = 0;
  let p = 0;
  while (p < n) {
    const m0 = p;
    let mode = 0;
    while (p < n && d[p] !== 0x20) {
      const c = d[p] - 0x30;
      if (c < 0 || c > 7) return void check.report('badTree', `cannot be parsed as a tree: malformed mode in tree entry at offset ${m0}`);
      mode = (mode * 8 + c) % 0x100000000;
      p++;
    }
    if (p === m0 || p >= n) return void check.report('badTree', `cannot be parsed as a tree: malformed mode in tree entry at offset ${m0}`);
    const s = ++p;
    while (p < n && d[p] !== 0) p++;
    const e = p;
    if (p + 21 > n) return void check.report('badTree', `cannot be parsed as a tree: too-short tree object at offset ${m0}`);
    if (e === s) return void check.report('badTree', `cannot be parsed as a tree: empty filename in tree entry at offset ${m0}`);
    const oid0 = p + 1;
    p += 21;
    mode &= 0xffff;

    let nul = true;
    for (let i = oid0; i < oid0 + 20; i++) if (d[i] !== 0) nul = false;
    if (nul) flag(NULL_SHA1, s, e);
    let backslash = false;
    for (let i = s; i < e; i++) {
      if (d[i] === 0x2f) flag(FULL_PATHNAME, s, e);
      else if (d[i] === 0x5c) backslash = true;
    }
    if (d[s] === 0x2e && e - s === 1) flag(HAS_DOT, s, e);
    if (d[s] === 0x2e && e - s === 2 && d[s + 1] === 0x2e) flag(HAS_DOTDOT, s, e);
    if (d[m0] === 0x30) flag(ZERO_PADDED, s, e);
    if (e - s > MAX_TREE_ENTRY_LEN) flag(LARGE_PATHNAME, s, e);

    if (maybeDotfile(d[s])) {
      if (isDotGit(d, s, e)) flag(HAS_DOTGIT, s, e);
      if (isDotGitmodules(d, s, e)) {
        if (!isLink(mode)) check.want(SPECIAL_GITMODULES, d.subarray(oid0, oid0 + 20));
        else if (check.report('gitmodulesSymlink', `.gitmodules is a symbolic link (${quote(d, s, e)})`)) return;
      }
      if (isDotGitattributes(d, s, e)) {
        if (!isLink(mode)) check.want(SPECIAL_GITATTRIBUTES, d.subarray(oid0, oid0 + 20));
        else if (check.report('gitattributesSymlink', `.gitattributes is a symlink (${quote(d, s, e)})`)) return;
      }
      if (isLink(mode)) {
        if (isDotGitignore(d, s, e) && check.report('gitignoreSymlink', `.gitignore is a symlink (${quote(d, s, e)})`)) return;
        if (isDotMailmap(d, s, e) && check.report('mailmapSymlink', `.mailmap is a symlink (${quote(d, s, e)})`)) return;
      }
    }
    // "a\.git" is a path on Windows: every part after a backslash is a name there
    if (backslash) {
      for (let i = s; i < e; i++) {
        if (d[i] !== 0x5c) continue;
        if (isNtfsDotGit(d, i + 1, e)) flag(HAS_DOTGIT, s, e);
        if (isNtfsDotGitmodules(d, i + 1, e)) {
          if (!isLink(mode)) check.want(SPECIAL_GITMODULES, d.subarray(oid0, oid0 + 20));
          else if (check.report('gitmodulesSymlink', `.gitmodules is a symbolic link (${quote(d, s, e)})`)) return;
        }
      }
    }

    if (mode !== MODE_EXEC && mode !== MODE_FILE && mode !== MODE_LINK && mode !== MODE_TREE && mode !== MODE_GITLINK && mode !== 0o100664) {
      flag(BAD_FILEMODE, s, e);
    }
    if (prevS >= 0) {
      const order = verifyOrdered(d, prevMode, prevS, prevE, mode, s, e, candidates);
      if (order === UNORDERED) flag(NOT_SORTED, s, e);
      else if (order === HAS_DUPS) flag(DUPLICATE_ENTRIES, s, e);
    }
    prevS = s;
    prevE = e;
    prevMode = mode;
  }
  if (flags === 0) return;
  // (copied out first: a report may run another check, which reuses the scratch)
  const named = SUMMARY.map(([id, message], f) => (flags & (1 << f) ? ([id, `${message} (${quote(d, firstStart[f], firstEnd[f])})`] as const) : null));
  for (const x of named) if (x && check.report(x[0], x[1])) return;
}

const UNORDERED = -1;
const HAS_DUPS = -2;

/**
 * git's verify_ordered: names compare bytewise, a directory as if it ended in "/". A file and a
 * directory of one name sort apart ("foo", "foo.bar", "foo/"), so files that a later directory
 * could repeat wait on a stack (start and end offsets, in pairs).
 */
function verifyOrdered(d: Uint8Array, mode1: number, s1: number, e1: number, mode2: number, s2: number, e2: number, stack: number[]): number {
  const l1 = e1 - s1;
  const l2 = e2 - s2;
  const len = Math.min(l1, l2);
  for (let i = 0; i < len; i++) {
    const x = d[s1 + i] - d[s2 + i];
    if (x < 0) return 0;
    if (x > 0) return UNORDERED;
  }
  let c1 = l1 > len ? d[s1 + len] : 0;
  let c2 = l2 > len ? d[s2 + len] : 0;
  if (c1 === 0 && c2 === 0) return HAS_DUPS;
  if (c1 === 0 && isDir(mode1)) c1 = 0x2f;
  if (c2 === 0 && isDir(mode2)) c2 = 0x2f;
  if (c1 === 0 && lessThanSlash(c2)) {
    stack.push(s1, e1);
  } else if (c2 === 0x2f && lessThanSlash(c1)) {
    while (stack.length > 0) {
      const fe = stack.pop()!;
      const fs = stack.pop()!;
      const fl = fe - fs;
      if (fl > l2) continue;
      let prefix = true;
      for (let i = 0; i < fl; i++) if (d[fs + i] !== d[s2 + i]) prefix = false;
      if (!prefix) continue;
      if (fl === l2) return HAS_DUPS;
      if (lessThanSlash(d[s2 + fl])) {
        stack.push(fs, fe);
        break;
      }
    }
  }
  return c1 < c2 ? 0 : UNORDERED;
}
