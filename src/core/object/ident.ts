/**
 * Person lines of commits and tags:
 *   ident = name SP "<" email ">" SP seconds SP ("+" / "-") 4DIGIT
 * git fsck rejects a missing "<", a missing ">", a missing space before the email or the date,
 * a non-numeric date, an overflowing date and a malformed zone.
 */
export interface Ident {
  name: string;
  email: string;
  /** seconds since the epoch */
  time: number;
  /** "+0100" */
  tz: string;
}

const IDENT_RE = /^([^<>\n]*?) ?<([^<>\n]*)> (\d+) ([+-]\d{4})$/;

/** Returns null when the line is not a valid ident, with the reason in `why`. */
export function checkIdent(line: string): string | null {
  const lt = line.indexOf('<');
  if (lt < 0) return 'missingEmail';
  if (lt > 0 && line[lt - 1] !== ' ') return 'missingSpaceBeforeEmail';
  const gt = line.indexOf('>', lt);
  if (gt < 0) return 'badEmail';
  if (line.indexOf('<', lt + 1) >= 0 && line.indexOf('<', lt + 1) < gt) return 'badEmail';
  if (line[gt + 1] !== ' ') return 'missingSpaceBeforeDate';
  const rest = line.slice(gt + 2);
  const m = /^(\d+) ([+-]\d{4})$/.exec(rest);
  if (!m) return /^\d/.test(rest) ? 'badTimezone' : 'badDate';
  if (m[1].length > 1 && m[1][0] === '0') return 'zeroPaddedDate';
  if (!Number.isSafeInteger(Number(m[1]))) return 'badDateOverflow';
  return null;
}

export function parseIdent(line: string): Ident | null {
  const m = IDENT_RE.exec(line);
  if (!m) return null;
  return { name: m[1], email: m[2], time: Number(m[3]), tz: m[4] };
}

export function formatIdent(id: Ident): string {
  return `${id.name} <${id.email}> ${id.time} ${id.tz}`;
}
