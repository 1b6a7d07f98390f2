/**
 * Object validation, as `git fsck --strict` / receive.fsckObjects would judge a pushed object.
 * Under --strict git promotes every warning to an error, so every check here rejects.
 * Returns null when the object is sound, else `<fsck message id>: <what>`.
 */
import { isOidHex, ZERO_OID } from '../oid.js';
import { checkIdent } from './ident.js';
import { parseHeaders } from './commit.js';
import { MODE_EXEC, MODE_FILE, MODE_GITLINK, MODE_LINK, MODE_TREE } from './tree.js';

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

/** Bytewise order of two names in `d`, directories comparing as if they ended in "/". */
function compareNames(d: Uint8Array, a0: number, a1: number, aTree: boolean, b0: number, b1: number, bTree: boolean): number {
  const n = Math.min(a1 - a0, b1 - b0);
  for (let i = 0; i < n; i++) {
    const x = d[a0 + i] - d[b0 + i];
    if (x !== 0) return x;
  }
  const ca = a1 - a0 > n ? d[a0 + n] : aTree ? 0x2f : 0;
  const cb = b1 - b0 > n ? d[b0 + n] : bTree ? 0x2f : 0;
  return ca - cb;
}

function sameBytes(d: Uint8Array, a0: number, a1: number, b0: number, b1: number): boolean {
  if (a1 - a0 !== b1 - b0) return false;
  for (let i = 0; i < a1 - a0; i++) if (d[a0 + i] !== d[b0 + i]) return false;
  return true;
}

/**
 * Checks a tree object (`<octal mode> SP <name> NUL <20-byte oid>`*) in one pass over its bytes,
 * without building entries: ingest runs this on every pushed tree.
 */
export function fsckTree(data: Uint8Array): string | null {
  const d = data;
  const n = d.length;
  const text = (s: number, e: number) => Buffer.from(d.buffer, d.byteOffset + s, e - s).toString('utf8');
  // name ranges and kinds of the entries so far, for order and duplicate checks
  const starts: number[] = [];
  const ends: number[] = [];
  const trees: boolean[] = [];
  let p = 0;
  while (p < n) {
    let mode = 0;
    const m0 = p;
    while (p < n && d[p] !== 0x20) {
      const c = d[p] - 0x30;
      if (c < 0 || c > 7) return `badTree: non-octal digit in a mode at offset ${p}`;
      mode = mode * 8 + c;
      if (mode > 0xffffffff) return `badTree: mode too large at offset ${m0}`;
      p++;
    }
    if (p === m0) return `badTree: empty mode at offset ${m0}`;
    if (p >= n) return `badTree: missing space after the mode at offset ${m0}`;
    const zeroPadded = d[m0] === 0x30;
    const s = ++p;
    while (p < n && d[p] !== 0) p++;
    if (p >= n) return `badTree: missing NUL after a name at offset ${s}`;
    const e = p;
    if (p + 21 > n) return `badTree: truncated object id at offset ${p + 1}`;
    const oid0 = p + 1;
    p += 21;
    if (e === s) return 'emptyName: tree has an entry with an empty name';
    for (let i = s; i < e; i++) if (d[i] === 0x2f) return `fullPathname: tree entry "${text(s, e)}" contains "/"`;
    if (d[s] === 0x2e && e - s === 1) return 'hasDot: tree has an entry named "."';
    if (d[s] === 0x2e && d[s + 1] === 0x2e && e - s === 2) return 'hasDotdot: tree has an entry named ".."';
    const c0 = d[s];
    if ((c0 === 0x2e || c0 === 0x67 || c0 === 0x47 || c0 >= 0x80) && isDotGitName(text(s, e))) {
      return `hasDotgit: tree has an entry named "${text(s, e)}"`;
    }
    if (zeroPadded) return `zeroPaddedFilemode: entry "${text(s, e)}" has a zero-padded mode`;
    if (!VALID_MODES.has(mode)) return `badFilemode: entry "${text(s, e)}" has mode ${mode.toString(8)}`;
    let nul = true;
    for (let i = oid0; i < oid0 + 20; i++) if (d[i] !== 0) nul = false;
    if (nul) return `nullSha1: entry "${text(s, e)}" points to the null sha1`;
    const isTree = mode === MODE_TREE;
    const k = starts.length;
    if (k > 0) {
      if (sameBytes(d, starts[k - 1], ends[k - 1], s, e)) return `duplicateEntries: "${text(s, e)}" appears twice`;
      if (compareNames(d, starts[k - 1], ends[k - 1], trees[k - 1], s, e, isTree) > 0) return `treeNotSorted: "${text(s, e)}" is out of order`;
    }
    // a file "a" and a directory "a" sort apart ("a", "a.c", "a/") but collide on checkout:
    // look back over the names that start with this one
    if (isTree) {
      for (let j = k - 1; j >= 0; j--) {
        const len = ends[j] - starts[j];
        if (len < e - s || !sameBytes(d, starts[j], starts[j] + (e - s), s, e)) break;
        if (len === e - s) return `duplicateEntries: "${text(s, e)}" appears twice`;
      }
    }
    starts.push(s);
    ends.push(e);
    trees.push(isTree);
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
