/**
 * Commit objects:
 *   "tree" SP hex LF
 *   *("parent" SP hex LF)
 *   "author" SP ident LF
 *   "committer" SP ident LF
 *   *(header SP value LF *(SP continuation LF))   ; encoding, gpgsig, mergetag, ...
 *   LF message
 */
import { formatIdent, parseIdent, type Ident } from './ident.js';

export interface Commit {
  tree: string;
  parents: string[];
  author: Ident;
  committer: Ident;
  /** other headers in order, continuation lines joined with "\n" */
  extra: Array<[string, string]>;
  message: string;
}

/** Splits the header block into [key, value] pairs; continuation lines (leading SP) join the previous value. */
export function parseHeaders(text: string): { headers: Array<[string, string]>; message: string } {
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const message = end < 0 ? '' : text.slice(end + 2);
  const headers: Array<[string, string]> = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length > 0) {
      headers[headers.length - 1][1] += '\n' + line.slice(1);
      continue;
    }
    const sp = line.indexOf(' ');
    headers.push(sp < 0 ? [line, ''] : [line.slice(0, sp), line.slice(sp + 1)]);
  }
  return { headers, message };
}

export function parseCommit(data: Uint8Array): Commit {
  const { headers, message } = parseHeaders(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));
  const c: Commit = {
    tree: '',
    parents: [],
    author: { name: '', email: '', time: 0, tz: '+0000' },
    committer: { name: '', email: '', time: 0, tz: '+0000' },
    extra: [],
    message,
  };
  for (const [k, v] of headers) {
    if (k === 'tree') c.tree = v;
    else if (k === 'parent') c.parents.push(v);
    else if (k === 'author') c.author = parseIdent(v) ?? c.author;
    else if (k === 'committer') c.committer = parseIdent(v) ?? c.committer;
    else c.extra.push([k, v]);
  }
  return c;
}

export function serializeCommit(c: Omit<Commit, 'extra'> & { extra?: Commit['extra'] }): Buffer {
  let s = `tree ${c.tree}\n`;
  for (const p of c.parents) s += `parent ${p}\n`;
  s += `author ${formatIdent(c.author)}\n`;
  s += `committer ${formatIdent(c.committer)}\n`;
  for (const [k, v] of c.extra ?? []) s += `${k} ${v.replace(/\n/g, '\n ')}\n`;
  s += `\n${c.message}`;
  return Buffer.from(s, 'utf8');
}
