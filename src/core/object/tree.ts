/**
 * Tree objects: repeated `<octal mode> SP <name> NUL <20-byte oid>`, sorted by name where a
 * directory's name compares as if it ended in "/". Parsing runs in the WASM core.
 */
import { parseTree as wasmParseTree } from '../../wasm.js';

export const MODE_FILE = 0o100644;
export const MODE_EXEC = 0o100755;
export const MODE_LINK = 0o120000;
export const MODE_TREE = 0o40000;
export const MODE_GITLINK = 0o160000;

export interface TreeEntry {
  mode: number;
  name: Buffer;
  oid: Buffer;
  zeroPadded?: boolean;
}

export const parseTree: (data: Uint8Array) => TreeEntry[] = wasmParseTree;

export function isTreeMode(mode: number): boolean {
  return (mode & 0o170000) === MODE_TREE;
}

/** git's tree order: bytewise, with directories compared as "name/". */
export function compareEntries(a: { name: Uint8Array; mode: number }, b: { name: Uint8Array; mode: number }): number {
  const n = Math.min(a.name.length, b.name.length);
  for (let i = 0; i < n; i++) {
    const d = a.name[i] - b.name[i];
    if (d !== 0) return d;
  }
  const ca = a.name.length > n ? a.name[n] : isTreeMode(a.mode) ? 0x2f : 0;
  const cb = b.name.length > n ? b.name[n] : isTreeMode(b.mode) ? 0x2f : 0;
  return ca - cb;
}

export function serializeTree(entries: Array<{ mode: number; name: Uint8Array; oid: Uint8Array }>): Buffer {
  const sorted = [...entries].sort(compareEntries);
  const parts: Buffer[] = [];
  for (const e of sorted) {
    parts.push(Buffer.from(`${e.mode.toString(8)} `), Buffer.from(e.name), Buffer.from([0]), Buffer.from(e.oid));
  }
  return Buffer.concat(parts);
}
