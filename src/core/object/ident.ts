/**
 * Person lines of commits and tags:
 *   ident = name SP "<" email ">" SP seconds SP ("+" / "-") 4DIGIT
 * (What fsck accepts in one: fsck-commit.ts.)
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

export function parseIdent(line: string): Ident | null {
  const m = IDENT_RE.exec(line);
  if (!m) return null;
  return { name: m[1], email: m[2], time: Number(m[3]), tz: m[4] };
}

export function formatIdent(id: Ident): string {
  return `${id.name} <${id.email}> ${id.time} ${id.tz}`;
}
