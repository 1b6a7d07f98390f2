/**
 * The header of a git bundle (gitformat-bundle), before the pack it carries:
 *   bundle       = signature *capability *prerequisite *reference LF pack
 *   signature    = "# v2 git bundle" LF / "# v3 git bundle" LF
 *   capability   = "@" key ["=" value] LF        (v3 only: object-format, filter)
 *   prerequisite = "-" obj-id [SP comment] LF    (objects the pack's deltas may assume)
 *   reference    = obj-id SP refname LF
 */
import { GitwellError } from '../errors.js';
import { isOidHex } from '../oid.js';

export interface BundleHeader {
  version: 2 | 3;
  capabilities: Map<string, string>;
  prerequisites: string[];
  refs: Array<{ name: string; oid: string }>;
  /** where the pack starts */
  packAt: number;
}

const bad = (why: string) => new GitwellError('VALIDATION_ERROR', `not a git bundle: ${why}`);

/** True when `head` (the file's first bytes) starts like a bundle. */
export function looksLikeBundle(head: Uint8Array): boolean {
  const s = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, 16)).toString('latin1');
  return s === '# v2 git bundle\n' || s === '# v3 git bundle\n';
}

/** Parses the header from `head`, which must hold all of it (a bundle's header is small). */
export function parseBundleHeader(head: Uint8Array): BundleHeader {
  const buf = Buffer.from(head.buffer, head.byteOffset, head.length);
  if (!looksLikeBundle(buf)) throw bad('no "# v2 git bundle" or "# v3 git bundle" line');
  const version = buf[5] === 0x32 ? 2 : 3;
  const capabilities = new Map<string, string>();
  const prerequisites: string[] = [];
  const refs: Array<{ name: string; oid: string }> = [];
  let at = 16;
  for (;;) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) throw bad('the header does not end (no empty line before the pack)');
    const line = buf.toString('utf8', at, nl);
    at = nl + 1;
    if (line === '') break;
    if (line.startsWith('@')) {
      if (version !== 3) throw bad('a capability line in a v2 bundle');
      const eq = line.indexOf('=');
      capabilities.set(eq < 0 ? line.slice(1) : line.slice(1, eq), eq < 0 ? '' : line.slice(eq + 1));
    } else if (line.startsWith('-')) {
      const oid = line.slice(1, 41);
      if (!isOidHex(oid)) throw bad(`a bad prerequisite line "${line.slice(0, 80)}"`);
      prerequisites.push(oid);
    } else {
      const oid = line.slice(0, 40);
      const name = line.slice(41);
      if (!isOidHex(oid) || line[40] !== ' ' || name === '') throw bad(`a bad reference line "${line.slice(0, 80)}"`);
      refs.push({ name, oid });
    }
  }
  const format = capabilities.get('object-format');
  if (format !== undefined && format !== 'sha1') throw new GitwellError('UNPROCESSABLE', `the bundle's object format is ${format}: gitwell keeps sha1 repositories`);
  if (capabilities.has('filter')) throw new GitwellError('UNPROCESSABLE', 'the bundle is filtered (a partial clone\'s): it does not hold every object its refs need');
  return { version, capabilities, prerequisites, refs, packAt: at };
}
