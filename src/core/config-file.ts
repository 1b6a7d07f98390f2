/**
 * git's config file syntax (config.c git_parse_source), for reading .gitmodules blobs:
 *   file     = [UTF-8 BOM] *line
 *   line     = *space ( section / entry / comment / "" ) LF      ; CR LF counts as LF
 *   section  = "[" 1*(alnum / "-" / ".") "]"                     ; lower-cased
 *            / "[" 1*(alnum / "-") 1*space DQUOTE sub DQUOTE "]"   ; sub kept as is, \x = x
 *   entry    = ALPHA *(alnum / "-") *(SP / HT) ["=" value] [comment]   ; key lower-cased
 *   value    = "..." quoted parts, \t \b \n \\ \" escapes, "\" LF continues the line, "#" or ";"
 *              outside quotes starts a comment, spaces around the value are trimmed
 *   comment  = ("#" / ";") *any
 * An entry reaches the callback as "section[.sub].key" and its value (null when there is no
 * "="), both cut at a NUL byte as git's C strings are. A syntax error ends the parse; entries
 * before it were already given, as in git.
 *
 * Bytes are read unsigned, as git reads a checked-out file. (git's fsck reads a blob through a
 * signed `char`: a 0xFF byte ends the blob there and a BOM is a syntax error, so entries that
 * a client reading the file does see can escape its checks; here they are checked.) Names and
 * values are latin1 strings, one character per byte.
 */

/** Called for each entry; return true to stop parsing. */
export type ConfigEntryFn = (name: string, value: string | null) => boolean | void;

/** Where parsing failed (1-based line), or null when the whole input parsed. */
export interface ConfigParse {
  errorLine: number | null;
}

const LF = 0x0a;
// git's isspace: SP, HT, LF, CR (not VT or FF)
const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isKeyChar = (c: number) => isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d;
const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);
const BOM = [0xef, 0xbb, 0xbf];

const cString = (s: string) => {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
};

class Source {
  pos = 0;
  eof = false;
  line = 1;
  constructor(private readonly d: Uint8Array) {}

  /** git's get_next_char: CR LF reads as LF, and the end reads as LF (again and again) with `eof` set. */
  next(): number {
    const d = this.d;
    if (this.pos >= d.length) {
      this.eof = true;
      return LF;
    }
    let c = d[this.pos++];
    if (c === 0x0d && this.pos < d.length && d[this.pos] === LF) c = d[this.pos++];
    if (c === LF) this.line++;
    return c;
  }
}

export function parseGitConfig(data: Uint8Array, onEntry: ConfigEntryFn): ConfigParse {
  const src = new Source(data);
  let name = '';
  let baseLen = 0;
  let comment = false;
  let bom = 0;
  for (;;) {
    const c = src.next();
    if (bom >= 0 && bom < BOM.length) {
      if (c === BOM[bom]) {
        bom++;
        continue;
      }
      // a partial BOM is an error
      if (bom !== 0) break;
      bom = -1;
    }
    if (c === LF) {
      if (src.eof) return { errorLine: null };
      comment = false;
      continue;
    }
    if (comment || isSpace(c)) continue;
    if (c === 0x23 || c === 0x3b) {
      comment = true;
      continue;
    }
    if (c === 0x5b) {
      const section = readSection(src);
      if (section === null || section.length < 1) break;
      name = section + '.';
      baseLen = name.length;
      continue;
    }
    if (!isAlpha(c)) break;
    const entry = readEntry(src, name.slice(0, baseLen) + String.fromCharCode(lower(c)));
    if (entry === null) break;
    if (onEntry(cString(entry.name), entry.value === null ? null : cString(entry.value))) return { errorLine: null };
  }
  return { errorLine: src.line };
}

/** After "[": the section name, "section" or "section.sub"; null on a syntax error. */
function readSection(src: Source): string | null {
  let name = '';
  for (;;) {
    const c = src.next();
    if (src.eof) return null;
    if (c === 0x5d) return name;
    if (isSpace(c)) return readSubsection(src, name, c);
    if (!isKeyChar(c) && c !== 0x2e) return null;
    name += String.fromCharCode(lower(c));
  }
}

/** `[section "sub"]`: after the space that ends the section name. */
function readSubsection(src: Source, name: string, c: number): string | null {
  do {
    if (c === LF) return null;
    c = src.next();
  } while (isSpace(c));
  if (c !== 0x22) return null;
  name += '.';
  for (;;) {
    c = src.next();
    if (c === LF) return null;
    if (c === 0x22) break;
    if (c === 0x5c) {
      c = src.next();
      if (c === LF) return null;
    }
    name += String.fromCharCode(c);
  }
  return src.next() === 0x5d ? name : null;
}

/** The rest of an entry whose name starts `name`; null on a syntax error. */
function readEntry(src: Source, name: string): { name: string; value: string | null } | null {
  let c: number;
  for (;;) {
    c = src.next();
    if (src.eof || !isKeyChar(c)) break;
    name += String.fromCharCode(lower(c));
  }
  while (c === 0x20 || c === 0x09) c = src.next();
  if (c === LF) return { name, value: null };
  if (c !== 0x3d) return null;
  const value = readValue(src);
  return value === null ? null : { name, value };
}

function readValue(src: Source): string | null {
  let quote = false;
  let comment = false;
  let trimLen = 0;
  let v = '';
  for (;;) {
    let c = src.next();
    if (c === LF) {
      if (quote) return null;
      return trimLen ? v.slice(0, trimLen) : v;
    }
    if (comment) continue;
    if (isSpace(c) && !quote) {
      if (!trimLen) trimLen = v.length;
      if (v.length) v += String.fromCharCode(c);
      continue;
    }
    if (!quote && (c === 0x3b || c === 0x23)) {
      comment = true;
      continue;
    }
    trimLen = 0;
    if (c === 0x5c) {
      c = src.next();
      if (c === LF) continue;
      if (c === 0x74) c = 0x09;
      else if (c === 0x62) c = 0x08;
      else if (c === 0x6e) c = LF;
      else if (c !== 0x5c && c !== 0x22) return null;
      v += String.fromCharCode(c);
      continue;
    }
    if (c === 0x22) {
      quote = !quote;
      continue;
    }
    v += String.fromCharCode(c);
  }
}
