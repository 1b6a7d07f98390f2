/**
 * Names that mean ".git", ".gitmodules", ".gitattributes", ".gitignore" or ".mailmap" on some
 * filesystem a client may check out on, as git's is_hfs_dot*() (utf8.c) and is_ntfs_dot*()
 * (path.c) decide them:
 *   HFS+  compares case-insensitively and ignores 16 invisible code points anywhere in a name
 *         (U+200C-U+200F, U+202A-U+202E, U+206A-U+206F, U+FEFF);
 *   NTFS  compares case-insensitively, drops trailing spaces and dots, ends a name at ":"
 *         (a stream), and answers to 8.3 short names: the first six letters and "~1".."~4"
 *         ("GITMOD~1"), or, when those are taken, a hashed prefix and "~<digits>"
 *         ("GI7EBA~12"; the prefixes are git's).
 * Names are bytes (a tree entry's name, from `s` to `e`); a name ends at `e` as a C string
 * ends at its NUL. Malformed UTF-8 ends an HFS+ name, as in git.
 */

// where the code point utf8At read last ends (a module-level result: the checks run on every
// pushed tree name that starts like a dotfile, and allocate nothing)
let utf8Next = 0;

/** The code point at `p` (git's pick_one_utf8_char), its end in `utf8Next`; 0 at the end or when malformed. */
function utf8At(d: Uint8Array, p: number, e: number): number {
  utf8Next = e;
  if (p >= e) return 0;
  const b0 = d[p];
  const cont = (k: number) => p + k < e && (d[p + k] & 0xc0) === 0x80;
  if (b0 < 0x80) {
    utf8Next = p + 1;
    return b0;
  }
  if ((b0 & 0xe0) === 0xc0) {
    if (!cont(1) || (b0 & 0xfe) === 0xc0) return 0;
    utf8Next = p + 2;
    return ((b0 & 0x1f) << 6) | (d[p + 1] & 0x3f);
  }
  if ((b0 & 0xf0) === 0xe0) {
    const b1 = d[p + 1];
    if (!cont(1) || !cont(2)) return 0;
    if ((b0 === 0xe0 && (b1 & 0xe0) === 0x80) || (b0 === 0xed && (b1 & 0xe0) === 0xa0) || (b0 === 0xef && b1 === 0xbf && (d[p + 2] & 0xfe) === 0xbe)) return 0;
    utf8Next = p + 3;
    return ((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (d[p + 2] & 0x3f);
  }
  if ((b0 & 0xf8) === 0xf0) {
    const b1 = d[p + 1];
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if ((b0 === 0xf0 && (b1 & 0xf0) === 0x80) || (b0 === 0xf4 && b1 > 0x8f) || b0 > 0xf4) return 0;
    utf8Next = p + 4;
    return ((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((d[p + 2] & 0x3f) << 6) | (d[p + 3] & 0x3f);
  }
  return 0;
}

function hfsIgnored(cp: number): boolean {
  return (cp >= 0x200c && cp <= 0x200f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x206a && cp <= 0x206f) || cp === 0xfeff;
}

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

/** The next code point HFS+ does not ignore, from `p`; its end in `utf8Next`. */
function nextHfs(d: Uint8Array, p: number, e: number): number {
  for (;;) {
    const cp = utf8At(d, p, e);
    if (cp === 0 || !hfsIgnored(cp)) return cp;
    p = utf8Next;
  }
}

/** "." + `needle` as HFS+ sees names (git's is_hfs_dot_generic). */
function isHfsDot(d: Uint8Array, s: number, e: number, needle: string): boolean {
  let ascii = true;
  for (let i = s; i < e && ascii; i++) if (d[i] >= 0x80) ascii = false;
  if (ascii) {
    // nothing to ignore: "." + needle, any case, then the end or a "/"
    const n = needle.length + 1;
    return d[s] === 0x2e && e - s >= n && (e - s === n || d[s + n] === 0x2f) && caseEqual(d, s + 1, e, needle, needle.length);
  }
  if (nextHfs(d, s, e) !== 0x2e) return false;
  for (let i = 0; i < needle.length; i++) {
    const c = nextHfs(d, utf8Next, e);
    if (c > 127 || lower(c) !== needle.charCodeAt(i)) return false;
  }
  const c = nextHfs(d, utf8Next, e);
  return c === 0 || c === 0x2f;
}

const at = (d: Uint8Array, i: number, e: number) => (i < e ? d[i] : 0);

/** The rest of the name from `i` is only spaces and dots, up to its end or a ":". */
function onlySpacesAndPeriods(d: Uint8Array, i: number, e: number): boolean {
  for (;;) {
    const c = at(d, i++, e);
    if (c === 0 || c === 0x3a) return true;
    if (c !== 0x20 && c !== 0x2e) return false;
  }
}

function caseEqual(d: Uint8Array, i: number, e: number, word: string, n: number): boolean {
  for (let k = 0; k < n; k++) if (lower(at(d, i + k, e)) !== word.charCodeAt(k)) return false;
  return true;
}

/** "." + `name` as NTFS sees names, with its 8.3 short names (git's is_ntfs_dot_generic). */
function isNtfsDot(d: Uint8Array, s: number, e: number, name: string, shortPrefix: string): boolean {
  if (at(d, s, e) === 0x2e && caseEqual(d, s + 1, e, name, name.length)) return onlySpacesAndPeriods(d, s + name.length + 1, e);
  const c7 = at(d, s + 7, e);
  if (caseEqual(d, s, e, name, 6) && at(d, s + 6, e) === 0x7e && c7 >= 0x31 && c7 <= 0x34) return onlySpacesAndPeriods(d, s + 8, e);
  // the fall-back short name: up to six characters of the hashed prefix, "~", a digit 1-9, digits
  let sawTilde = false;
  for (let i = 0; i < 8; i++) {
    const c = at(d, s + i, e);
    if (c === 0) return false;
    if (sawTilde) {
      if (c < 0x30 || c > 0x39) return false;
    } else if (c === 0x7e) {
      const digit = at(d, s + ++i, e);
      if (digit < 0x31 || digit > 0x39) return false;
      sawTilde = true;
    } else if (i >= 6 || c & 0x80 || lower(c) !== shortPrefix.charCodeAt(i)) return false;
  }
  return onlySpacesAndPeriods(d, s + 8, e);
}

/** ".git" on NTFS (git's is_ntfs_dotgit): also ends at "\" or "/", and its short name is only "git~1". */
export function isNtfsDotGit(d: Uint8Array, s: number, e: number): boolean {
  let i = s;
  const c = at(d, i++, e);
  const is = (lo: number) => lower(at(d, i++, e)) === lo;
  if (c === 0x2e) {
    if (!is(0x67) || !is(0x69) || !is(0x74)) return false;
  } else if (c === 0x67 || c === 0x47) {
    if (!is(0x69) || !is(0x74) || at(d, i++, e) !== 0x7e || at(d, i++, e) !== 0x31) return false;
  } else return false;
  for (;;) {
    const k = at(d, i++, e);
    if (k === 0 || k === 0x5c || k === 0x2f || k === 0x3a) return true;
    if (k !== 0x2e && k !== 0x20) return false;
  }
}

export const isDotGit = (d: Uint8Array, s: number, e: number) => isHfsDot(d, s, e, 'git') || isNtfsDotGit(d, s, e);
export const isNtfsDotGitmodules = (d: Uint8Array, s: number, e: number) => isNtfsDot(d, s, e, 'gitmodules', 'gi7eba');
export const isDotGitmodules = (d: Uint8Array, s: number, e: number) => isHfsDot(d, s, e, 'gitmodules') || isNtfsDotGitmodules(d, s, e);
export const isDotGitattributes = (d: Uint8Array, s: number, e: number) => isHfsDot(d, s, e, 'gitattributes') || isNtfsDot(d, s, e, 'gitattributes', 'gi7d29');
export const isDotGitignore = (d: Uint8Array, s: number, e: number) => isHfsDot(d, s, e, 'gitignore') || isNtfsDot(d, s, e, 'gitignore', 'gi250a');
export const isDotMailmap = (d: Uint8Array, s: number, e: number) => isHfsDot(d, s, e, 'mailmap') || isNtfsDot(d, s, e, 'mailmap', 'maba30');

/**
 * Whether a name may be one of these at all, from its first byte: "." or an 8.3 short name
 * ("g"/"G", "m"/"M"), or an HFS+-ignored code point (UTF-8 lead bytes 0xE2, 0xEF) before the ".".
 * Most names are not, and skip the checks.
 */
export function maybeDotfile(first: number): boolean {
  return first === 0x2e || first === 0x67 || first === 0x47 || first === 0x6d || first === 0x4d || first === 0xe2 || first === 0xef;
}

/** ".git" in any spelling git refuses, for a path segment given as text. */
export function isDotGitName(name: string): boolean {
  const b = Buffer.from(name, 'utf8');
  return isDotGit(b, 0, b.length);
}
