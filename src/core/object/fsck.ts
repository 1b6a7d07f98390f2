/**
 * Object validation, as `git fsck --strict` / receive.fsckObjects would judge a pushed object.
 * Under --strict git promotes every warning to an error, so every check here rejects.
 * Returns null when the object is sound, else `<fsck message id>: <what>`.
 */
import { WasmFormatError } from '../../wasm.js';
import { isOidHex, ZERO_OID } from '../oid.js';
import { checkIdent } from './ident.js';
import { parseHeaders } from './commit.js';
import { compareEntries, parseTree, MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_LINK, MODE_TREE } from './tree.js';

const VALID_MODES = new Set([MODE_FILE, MODE_EXEC, MODE_LINK, MODE_TREE, MODE_GITLINK, 0o100664]);

/** ".git" and the spellings that mean ".git" on case-insensitive, HFS+ and NTFS filesystems. */
export function isDotGitName(name: string): boolean {
  // fast path: every spelling of ".git" starts with ".", "g"/"G" (git~1) or an HFS-ignorable code point
  const c = name.charCodeAt(0);
  if (c !== 0x2e && c !== 0x67 && c !== 0x47 && c < 0x80) return false;
  // HFS+ ignores these code points when comparing names
  const hfs = name.replace(/[\u200c-\u200f\u202a-\u202e\u206a-\u206f\ufeff]/g, '').toLowerCase();
  if (hfs === '.git') return true;
  const lower = name.toLowerCase();
  // NTFS: trailing dots and spaces are dropped, "git~1" is the 8.3 short name, ":stream" suffixes
  const ntfs = lower.replace(/[. ]+$/, '').replace(/:.*$/, '');
  return ntfs === '.git' || ntfs === 'git~1';
}

export function fsckTree(data: Uint8Array): string | null {
  let entries;
  try {
    entries = parseTree(data);
  } catch (e) {
    if (e instanceof WasmFormatError) return `badTree: ${e.message}`;
    throw e;
  }
  let prev: (typeof entries)[number] | null = null;
  for (const e of entries) {
    const name = e.name.toString('utf8');
    if (e.name.length === 0) return 'emptyName: tree has an entry with an empty name';
    if (e.name.includes(0x2f)) return `fullPathname: tree entry "${name}" contains "/"`;
    if (name === '.') return 'hasDot: tree has an entry named "."';
    if (name === '..') return 'hasDotdot: tree has an entry named ".."';
    if (isDotGitName(name)) return `hasDotgit: tree has an entry named "${name}"`;
    if (e.zeroPadded) return `zeroPaddedFilemode: entry "${name}" has a zero-padded mode`;
    if (!VALID_MODES.has(e.mode)) return `badFilemode: entry "${name}" has mode ${e.mode.toString(8)}`;
    if (e.oid.every((b) => b === 0)) return `nullSha1: entry "${name}" points to the null sha1`;
    if (prev) {
      if (prev.name.equals(e.name)) return `duplicateEntries: "${name}" appears twice`;
      const c = compareEntries(prev, e);
      if (c > 0) return `treeNotSorted: "${name}" is out of order`;
      // a file "a" and a directory "a" sort apart but collide on checkout
      if (c === 0) return `duplicateEntries: "${name}" appears twice`;
    }
    prev = e;
  }
  // entries of the same name as file and directory can be separated by other names ("a", "a.c", "a/")
  const names = new Set<string>();
  for (const e of entries) {
    const key = e.name.toString('latin1');
    if (names.has(key)) return `duplicateEntries: "${e.name.toString('utf8')}" appears twice`;
    names.add(key);
  }
  return null;
}

function hasNul(data: Uint8Array, end: number): boolean {
  for (let i = 0; i < end; i++) if (data[i] === 0) return true;
  return false;
}

function headerEnd(data: Uint8Array): number {
  for (let i = 0; i + 1 < data.length; i++) if (data[i] === 0x0a && data[i + 1] === 0x0a) return i;
  return data.length;
}

export function fsckCommit(data: Uint8Array): string | null {
  if (hasNul(data, headerEnd(data))) return 'nulInHeader: commit header contains a NUL byte';
  const { headers } = parseHeaders(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  let i = 0;
  if (headers[i]?.[0] !== 'tree') return 'missingTree: commit has no tree line';
  if (!isOidHex(headers[i][1])) return 'badTreeSha1: commit has an invalid tree sha1';
  i++;
  while (headers[i]?.[0] === 'parent') {
    if (!isOidHex(headers[i][1])) return 'badParentSha1: commit has an invalid parent sha1';
    i++;
  }
  if (headers[i]?.[0] !== 'author') return 'missingAuthor: commit has no author line';
  const a = checkIdent(headers[i][1]);
  if (a) return `${a}: bad author line`;
  i++;
  if (headers[i]?.[0] === 'author') return 'multipleAuthors: commit has more than one author';
  if (headers[i]?.[0] !== 'committer') return 'missingCommitter: commit has no committer line';
  const c = checkIdent(headers[i][1]);
  if (c) return `${c}: bad committer line`;
  return null;
}

export function fsckTag(data: Uint8Array): string | null {
  if (hasNul(data, headerEnd(data))) return 'nulInHeader: tag header contains a NUL byte';
  const { headers } = parseHeaders(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  if (headers[0]?.[0] !== 'object') return 'missingObject: tag has no object line';
  if (!isOidHex(headers[0][1]) || headers[0][1] === ZERO_OID) return 'badObjectSha1: tag has an invalid object sha1';
  if (headers[1]?.[0] !== 'type') return 'missingTypeEntry: tag has no type line';
  if (!['commit', 'tree', 'blob', 'tag'].includes(headers[1][1])) return `badType: tag has type "${headers[1][1]}"`;
  if (headers[2]?.[0] !== 'tag') return 'missingTagEntry: tag has no tag line';
  if (headers[2][1].length === 0) return 'badTagName: tag has an empty name';
  if (headers[3]?.[0] === 'tagger') {
    const t = checkIdent(headers[3][1]);
    if (t) return `${t}: bad tagger line`;
  }
  return null;
}

/** Checks one object by pack type number (1 commit, 2 tree, 3 blob, 4 tag). */
export function fsckObject(type: number, data: Uint8Array): string | null {
  switch (type) {
    case 1:
      return fsckCommit(data);
    case 2:
      return fsckTree(data);
    case 4:
      return fsckTag(data);
    default:
      return null;
  }
}
