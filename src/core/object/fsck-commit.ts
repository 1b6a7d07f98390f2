/**
 * Commit and tag checks, git's fsck_commit / fsck_tag_standalone / fsck_ident, on the bytes:
 *   commit = "tree" SP hex LF *("parent" SP hex LF) "author" SP ident LF "committer" SP ident LF
 *            *(header LF) LF message
 *   tag    = "object" SP hex LF "type" SP type LF "tag" SP name LF ["tagger" SP ident LF] LF message
 *   ident  = name SP "<" email ">" SP 1*digit SP ("+" / "-") 4DIGIT
 * As in git, a check stops at its first error and goes on past a warning; the headers must end
 * (a blank line, or at least a final LF) with no NUL before that end, or nothing else is read.
 * Text is scanned as latin1, one character per byte, so offsets are byte offsets.
 */
import { checkRefFormat } from '../refname.js';
import type { FsckMsgId, Report } from './fsck-ids.js';

/** git's time_t limit: a date must fit a signed 64-bit count of seconds */
const MAX_DATE = 9223372036854775807n;
const TAG_TYPES = new Set(['commit', 'tree', 'blob', 'tag']);
const HEX40_LF = /^[0-9a-fA-F]{40}\n/;

const latin1 = (d: Uint8Array) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('latin1');
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** The headers end where git needs them to; false after reporting why not. */
function verifyHeaders(t: string, report: Report): boolean {
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 0) return (report('nulInHeader', `unterminated header: NUL at offset ${i}`), false);
    if (c === 0x0a && t.charCodeAt(i + 1) === 0x0a) return true;
  }
  if (t.length > 0 && t.charCodeAt(t.length - 1) === 0x0a) return true;
  return (report('unterminatedHeader', 'unterminated header'), false);
}

/** Checks the ident that starts at `p`; returns where the next line starts, or -1 after an error. */
function checkIdent(t: string, p: number, report: Report): number {
  const eol = t.indexOf('\n', p);
  const next = eol < 0 ? t.length : eol + 1;
  const ch = (i: number) => (i < t.length ? t.charCodeAt(i) : 0);
  // strcspn(p, "<>\n"), stopping at the end as at a NUL
  const skipText = (i: number) => {
    for (let c = ch(i); c !== 0 && c !== 0x3c && c !== 0x3e && c !== 0x0a; c = ch(++i));
    return i;
  };
  const bad = (id: FsckMsgId, why: string) => (report(id, `invalid author/committer line - ${why}`) ? -1 : next);
  if (ch(p) === 0x3c) return bad('missingNameBeforeEmail', 'missing space before email');
  p = skipText(p);
  if (ch(p) === 0x3e) return bad('badName', 'bad name');
  if (ch(p) !== 0x3c) return bad('missingEmail', 'missing email');
  if (ch(p - 1) !== 0x20) return bad('missingSpaceBeforeEmail', 'missing space before email');
  p = skipText(p + 1);
  if (ch(p) !== 0x3e) return bad('badEmail', 'bad email');
  p++;
  if (ch(p) !== 0x20) return bad('missingSpaceBeforeDate', 'missing space before date');
  p++;
  while (ch(p) === 0x20 || ch(p) === 0x09) p++;
  if (!isDigit(ch(p))) return bad('badDate', 'bad date');
  if (ch(p) === 0x30 && ch(p + 1) !== 0x20) return bad('zeroPaddedDate', 'zero-padded date');
  let end = p;
  while (isDigit(ch(end))) end++;
  if (end - p > 18 && BigInt(t.slice(p, end)) > MAX_DATE) return bad('badDateOverflow', 'date causes integer overflow');
  if (ch(end) !== 0x20) return bad('badDate', 'bad date');
  p = end + 1;
  const sign = ch(p);
  if ((sign !== 0x2b && sign !== 0x2d) || !isDigit(ch(p + 1)) || !isDigit(ch(p + 2)) || !isDigit(ch(p + 3)) || !isDigit(ch(p + 4)) || ch(p + 5) !== 0x0a) {
    return bad('badTimezone', 'bad time zone');
  }
  return next;
}

export function checkCommit(data: Uint8Array, report: Report): void {
  const t = latin1(data);
  if (!verifyHeaders(t, report)) return;
  if (!t.startsWith('tree ')) return void report('missingTree', "invalid format - expected 'tree' line");
  let p = 5;
  if (!HEX40_LF.test(t.slice(p, p + 41)) && report('badTreeSha1', "invalid 'tree' line format - bad sha1")) return;
  p += 41;
  while (t.startsWith('parent ', p)) {
    p += 7;
    if (!HEX40_LF.test(t.slice(p, p + 41)) && report('badParentSha1', "invalid 'parent' line format - bad sha1")) return;
    p += 41;
  }
  let authors = 0;
  while (t.startsWith('author ', p)) {
    authors++;
    p = checkIdent(t, p + 7, report);
    if (p < 0) return;
  }
  if (authors < 1 && report('missingAuthor', "invalid format - expected 'author' line")) return;
  if (authors > 1 && report('multipleAuthors', "invalid format - multiple 'author' lines")) return;
  if (!t.startsWith('committer ', p)) return void report('missingCommitter', "invalid format - expected 'committer' line");
  if (checkIdent(t, p + 10, report) < 0) return;
  if (t.includes('\0')) report('nulInCommit', 'NUL byte in the commit object body');
}

export function checkTag(data: Uint8Array, report: Report): void {
  const t = latin1(data);
  if (!verifyHeaders(t, report)) return;
  if (!t.startsWith('object ')) return void report('missingObject', "invalid format - expected 'object' line");
  let p = 7;
  if (!HEX40_LF.test(t.slice(p, p + 41)) && report('badObjectSha1', "invalid 'object' line format - bad sha1")) return;
  p += 41;
  if (!t.startsWith('type ', p)) return void report('missingTypeEntry', "invalid format - expected 'type' line");
  p += 5;
  let eol = t.indexOf('\n', p);
  if (eol < 0) return void report('missingType', "invalid format - unexpected end after 'type' line");
  if (!TAG_TYPES.has(t.slice(p, eol)) && report('badType', "invalid 'type' value")) return;
  p = eol + 1;
  if (!t.startsWith('tag ', p)) return void report('missingTagEntry', "invalid format - expected 'tag' line");
  p += 4;
  eol = t.indexOf('\n', p);
  if (eol < 0) return void report('missingTag', "invalid format - unexpected end after 'type' line");
  const name = t.slice(p, eol);
  if (checkRefFormat(`refs/tags/${Buffer.from(name, 'latin1').toString('utf8')}`) && report('badTagName', `invalid 'tag' name: ${JSON.stringify(name.slice(0, 200))}`)) return;
  p = eol + 1;
  if (!t.startsWith('tagger ', p)) {
    if (report('missingTaggerEntry', "invalid format - expected 'tagger' line")) return;
  } else {
    p = checkIdent(t, p + 7, report);
    if (p < 0) return;
  }
  if (p < t.length && t.charCodeAt(p) !== 0x0a) report('extraHeaderEntry', "invalid format - extra header(s) after 'tagger'");
}
