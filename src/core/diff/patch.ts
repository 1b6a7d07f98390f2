/**
 * The unified diff that `git diff` prints and `git apply` reads, one file section at a time:
 *
 *   diff --git a/<path> b/<path>
 *   (old mode <m> LF new mode <m> | new file mode <m> | deleted file mode <m>)?
 *   index <old>..<new>[ <mode>]              ; only when the contents differ; mode when kept
 *   --- a/<path>|/dev/null                   ; only when there are hunks
 *   +++ b/<path>|/dev/null
 *   @@ -<l>[,<s>] +<l>[,<s>] @@[ <func>]     ; ",<s>" left out when s = 1; l = 0-based start when s = 0
 *   (" " | "-" | "+") <line>  [\ No newline at end of file]
 * or, for binary files, "Binary files a/<p> and b/<p> differ" or a "GIT binary patch" of
 * zlib-deflated, base85-encoded literals (forward, then reverse; full index line).
 *
 * Paths are bytes. A path with a control char, '"', '\', DEL or a byte >= 0x80 is C-quoted as
 * git does with core.quotePath (the "a/" prefix inside the quotes, octal escapes); a ---/+++
 * label containing a space gets a trailing TAB, as git writes it.
 * Changes closer than 2 * context lines share a hunk (xdiff's xdl_get_hunk).
 */
import { deflateSync } from 'node:zlib';
import type { LineDiff } from './myers.js';
import { lacksNewline, type Lines } from './lines.js';

export const DEFAULT_CONTEXT = 3;
export const ABBREV = 7;
const NULL_OID = '0'.repeat(40);

/** Collects the bytes of a patch in one growing buffer. */
export class PatchSink {
  private buf = Buffer.allocUnsafe(4096);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  /** ASCII text (headers, markers). */
  text(s: string): void {
    this.room(s.length);
    this.length += this.buf.write(s, this.length, 'latin1');
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** The bytes so far (a view of the sink's buffer). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

// --- path quoting -------------------------------------------------------------------------

const ESC: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x22: '"', 0x5c: '\\' };

function needsQuote(c: number): boolean {
  return c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x7f;
}

/** `prefix + path`, C-quoted the way git quotes it when any byte needs it. */
export function quotePath(prefix: string, path: Uint8Array): Buffer {
  if (!path.some(needsQuote)) return Buffer.concat([Buffer.from(prefix, 'latin1'), path]);
  let s = '"' + prefix;
  for (const c of path) {
    if (!needsQuote(c)) s += String.fromCharCode(c);
    else if (ESC[c] !== undefined) s += '\\' + ESC[c];
    else s += '\\' + c.toString(8).padStart(3, '0');
  }
  return Buffer.from(s + '"', 'latin1');
}

// --- hunks --------------------------------------------------------------------------------

function line(sink: PatchSink, prefix: string, lines: Lines, i: number): void {
  sink.text(prefix);
  sink.bytes(lines.data.subarray(lines.starts[i], lines.starts[i + 1]));
  if (lacksNewline(lines, i)) sink.text('\n\\ No newline at end of file\n');
}

function range(start0: number, count: number): string {
  const l = count === 0 ? start0 : start0 + 1;
  return count === 1 ? `${l}` : `${l},${count}`;
}

const FUNC_MAX = 80;

/**
 * git's default hunk-header text (xemit.c get_func_line with def_ff): the nearest line above
 * the hunk that starts with a letter, '_' or '$', cut to 80 bytes, trailing spaces dropped.
 * The search stops where the previous hunk's search began, keeping that hunk's text if it
 * finds nothing.
 */
class FuncLine {
  private text: Uint8Array = new Uint8Array(0);
  private prev = -1;

  find(a: Lines, start: number): Uint8Array {
    for (let l = start; l > this.prev && l >= 0; l--) {
      const s = a.starts[l];
      const e = a.starts[l + 1];
      const c = a.data[s];
      if (e > s && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24)) {
        let end = Math.min(e, s + FUNC_MAX);
        while (end > s && (a.data[end - 1] === 0x20 || a.data[end - 1] === 0x09 || a.data[end - 1] === 0x0a || a.data[end - 1] === 0x0d)) end--;
        this.text = a.data.subarray(s, end);
        break;
      }
    }
    this.prev = start;
    return this.text;
  }
}

/** The hunks of a line diff ("@@ ... @@" onwards) with `context` lines around each change. */
export function writeHunks(sink: PatchSink, d: LineDiff, context = DEFAULT_CONTEXT): void {
  const h = d.hunks;
  const n = h.length >>> 2;
  const func = new FuncLine();
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && h[(j + 1) * 4] - (h[j * 4] + h[j * 4 + 1]) <= 2 * context) j++;
    const aFrom = Math.max(0, h[i * 4] - context);
    const bFrom = h[i * 4 + 2] - (h[i * 4] - aFrom);
    const aEnd = h[j * 4] + h[j * 4 + 1];
    const trail = Math.min(context, d.a.count - aEnd);
    const aTo = aEnd + trail;
    const bTo = h[j * 4 + 2] + h[j * 4 + 3] + trail;
    const fn = func.find(d.a, aFrom - 1);
    sink.text(`@@ -${range(aFrom, aTo - aFrom)} +${range(bFrom, bTo - bFrom)} @@`);
    if (fn.length > 0) {
      sink.text(' ');
      sink.bytes(fn);
    }
    sink.text('\n');
    let ap = aFrom;
    for (let k = i; k <= j; k++) {
      const o = k * 4;
      for (; ap < h[o]; ap++) line(sink, ' ', d.a, ap);
      for (let x = h[o]; x < h[o] + h[o + 1]; x++) line(sink, '-', d.a, x);
      for (let y = h[o + 2]; y < h[o + 2] + h[o + 3]; y++) line(sink, '+', d.b, y);
      ap = h[o] + h[o + 1];
    }
    for (; ap < aTo; ap++) line(sink, ' ', d.a, ap);
    i = j + 1;
  }
}

/** The hunks alone, as text (the `patch` field of the JSON diff). */
export function hunksText(d: LineDiff, context = DEFAULT_CONTEXT): string {
  const sink = new PatchSink();
  writeHunks(sink, d, context);
  return sink.toBuffer().toString('utf8');
}

// --- binary -------------------------------------------------------------------------------

const EN85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

/** git's base85 (base85.c encode_85): 4 bytes big-endian -> 5 chars, the last group zero-padded. */
export function encode85(data: Uint8Array): string {
  let s = '';
  for (let i = 0; i < data.length; i += 4) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc = acc * 256 + (i + k < data.length ? data[i + k] : 0);
    const group = new Array<string>(5);
    for (let k = 4; k >= 0; k--) {
      group[k] = EN85[acc % 85];
      acc = Math.floor(acc / 85);
    }
    s += group.join('');
  }
  return s;
}

function literal(sink: PatchSink, data: Uint8Array): void {
  sink.text(`literal ${data.length}\n`);
  const z = deflateSync(data);
  for (let i = 0; i < z.length; i += 52) {
    const chunk = z.subarray(i, Math.min(i + 52, z.length));
    const n = chunk.length;
    sink.text((n <= 26 ? String.fromCharCode(0x41 + n - 1) : String.fromCharCode(0x61 + n - 27)) + encode85(chunk) + '\n');
  }
  sink.text('\n');
}

// --- file sections ------------------------------------------------------------------------

export type PatchContent =
  | { kind: 'text'; diff: LineDiff }
  /** a GIT binary patch: both sides' bytes (empty for a missing side) */
  | { kind: 'binary-literal'; old: Uint8Array; new: Uint8Array }
  /** "Binary files ... differ" (binary, or too large to diff) */
  | { kind: 'binary-marker' }
  /** contents unchanged (a mode change) */
  | { kind: 'none' };

export interface PatchFile {
  /** null: the file is added */
  oldPath: Uint8Array | null;
  /** null: the file is deleted */
  newPath: Uint8Array | null;
  /** 0 when the side is missing */
  oldMode: number;
  newMode: number;
  /** hex; null when the side is missing */
  oldOid: string | null;
  newOid: string | null;
  content: PatchContent;
}

const mode6 = (m: number) => m.toString(8).padStart(6, '0');

function label(sink: PatchSink, marker: string, name: Buffer | null): void {
  sink.text(marker);
  if (name === null) return sink.text('/dev/null\n');
  sink.bytes(name);
  sink.text(name.includes(0x20) ? '\t\n' : '\n');
}

/** One `diff --git` section. */
export function writeFileSection(sink: PatchSink, f: PatchFile, context = DEFAULT_CONTEXT): void {
  const aPath = f.oldPath ?? f.newPath!;
  const bPath = f.newPath ?? f.oldPath!;
  const aName = quotePath('a/', aPath);
  const bName = quotePath('b/', bPath);
  sink.text('diff --git ');
  sink.bytes(aName);
  sink.text(' ');
  sink.bytes(bName);
  sink.text('\n');

  if (f.oldPath === null) sink.text(`new file mode ${mode6(f.newMode)}\n`);
  else if (f.newPath === null) sink.text(`deleted file mode ${mode6(f.oldMode)}\n`);
  else if (f.oldMode !== f.newMode) sink.text(`old mode ${mode6(f.oldMode)}\nnew mode ${mode6(f.newMode)}\n`);

  const oldOid = f.oldOid ?? NULL_OID;
  const newOid = f.newOid ?? NULL_OID;
  if (oldOid !== newOid) {
    const abbrev = f.content.kind === 'binary-literal' ? 40 : ABBREV;
    sink.text(`index ${oldOid.slice(0, abbrev)}..${newOid.slice(0, abbrev)}`);
    sink.text(f.oldPath !== null && f.newPath !== null && f.oldMode === f.newMode ? ` ${mode6(f.oldMode)}\n` : '\n');
  }

  const aLabel = f.oldPath === null ? null : aName;
  const bLabel = f.newPath === null ? null : bName;
  switch (f.content.kind) {
    case 'text':
      if (f.content.diff.hunks.length === 0) return;
      label(sink, '--- ', aLabel);
      label(sink, '+++ ', bLabel);
      writeHunks(sink, f.content.diff, context);
      return;
    case 'binary-marker':
      sink.text('Binary files ');
      aLabel === null ? sink.text('/dev/null') : sink.bytes(aLabel);
      sink.text(' and ');
      bLabel === null ? sink.text('/dev/null') : sink.bytes(bLabel);
      sink.text(' differ\n');
      return;
    case 'binary-literal':
      sink.text('GIT binary patch\n');
      literal(sink, f.content.new);
      literal(sink, f.content.old);
      return;
    case 'none':
      return;
  }
}
