// Running gitwell's fsck on bytes in unit tests: every finding of an object, as message ids;
// and git's verdicts on the same bytes (git fsck, git index-pack --strict), the oracle.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { Fsck } from '../../src/core/object/fsck.js';
import { FSCK_MSG_IDS, GIT_MSG_TYPES, type FsckLevels } from '../../src/core/object/fsck-ids.js';
import { git, gitBytes, gitOk, tempDir } from './git.js';

/** Every id at warn: nothing stops a check early, every finding is collected. */
export const ALL_WARN = Object.fromEntries(FSCK_MSG_IDS.map((id) => [id, 'warn'])) as unknown as FsckLevels;

/** What plain `git fsck` does: its errors stop a check, its warnings and infos are printed, its ignores are not. */
export const GIT_FSCK_LEVELS = Object.fromEntries(
  FSCK_MSG_IDS.map((id) => {
    const t = GIT_MSG_TYPES[id];
    return [id, t === 'fatal' || t === 'error' ? 'error' : t === 'ignore' ? 'ignore' : 'warn'];
  }),
) as unknown as FsckLevels;

const TYPES: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const OID = Buffer.alloc(20, 0x5a);

/** The ids of every finding about one object (1 commit, 2 tree, 4 tag, or by name): its warnings, then its error. */
export function findingIds(type: number | string, data: Buffer | string, levels: FsckLevels = ALL_WARN): string[] {
  const f = new Fsck(levels);
  const error = f.check(typeof type === 'string' ? TYPES[type]! : type, Buffer.from(data as Buffer), OID);
  return [...new Set([...f.warnings.map((w) => w.id), ...(error ? [error.id] : [])])];
}

/** The ids found in a blob named `name` (".gitmodules", ".gitattributes") by a tree. */
export function blobFindingIds(name: string, blob: Buffer | string, mode = '100644'): string[] {
  const oid = Buffer.alloc(20, 0x77);
  const f = new Fsck(ALL_WARN);
  f.check(2, Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), oid]), OID);
  const before = f.warnings.length;
  f.check(3, Buffer.from(blob as Buffer), oid);
  return [...new Set(f.warnings.slice(before).map((w) => w.id))];
}

/**
 * What `git fsck` (non-strict) says about each object of `repo`: oid -> message ids. Lines
 * look like "error in tree <oid>: hasDotgit: contains '.git'" or "warning in blob <oid>: ...".
 */
export async function gitFsckFindings(repo: string): Promise<Map<string, Set<string>>> {
  const r = await git(['fsck', '--no-dangling', '--no-progress'], { cwd: repo });
  const out = new Map<string, Set<string>>();
  for (const line of (r.stderr + r.stdout).split('\n')) {
    const m = /^(?:error|warning) in \w+ ([0-9a-f]{40}): (\w+):/.exec(line);
    if (!m) continue;
    if (!out.has(m[1]!)) out.set(m[1]!, new Set());
    out.get(m[1]!)!.add(m[2]!);
  }
  return out;
}

/** Writes an object as-is (`hash-object --literally`: git's own checks do not interfere); its oid. */
export async function writeLiterally(repo: string, type: string, data: Buffer | string): Promise<string> {
  return gitOk(['hash-object', '-t', type, '--literally', '-w', '--stdin'], { cwd: repo, input: data });
}

/** A pack of these whole objects, in this order. */
export function packFromObjects(objects: Array<{ type: string; data: Buffer | string }>): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)];
  parts[2]!.writeUInt32BE(objects.length);
  for (const o of objects) {
    const body = Buffer.from(o.data as Buffer);
    const head: number[] = [];
    let c = (TYPES[o.type]! << 4) | (body.length & 15);
    let rest = Math.floor(body.length / 16);
    while (rest > 0) {
      head.push(c | 0x80);
      c = rest & 127;
      rest = Math.floor(rest / 128);
    }
    head.push(c);
    parts.push(Buffer.from(head), zlib.deflateSync(body));
  }
  const pack = Buffer.concat(parts);
  return Buffer.concat([pack, createHash('sha1').update(pack).digest()]);
}

/**
 * What `git index-pack --strict` (receive.fsckObjects) says of one object, with git's WARN ids
 * set to warn (non-strict levels): the ids of its "error: object <oid>: <id>:" and
 * "warning: object ..." lines. For objects plain `git fsck` cannot even parse.
 */
export async function gitIndexPackFindings(repo: string, type: string, data: Buffer | string, warn: string[]): Promise<{ ids: string[]; refused: boolean }> {
  const dir = tempDir('gw-onepack-');
  const file = path.join(dir, 'one.pack');
  fs.writeFileSync(file, packFromObjects([{ type, data }]));
  const r = await gitBytes(['index-pack', `--strict=${warn.map((id) => `${id}=warn`).join(',')}`, '-o', path.join(dir, 'one.idx'), file], { cwd: repo });
  const ids = new Set<string>();
  for (const line of r.stderr.split('\n')) {
    const m = /^(?:error|warning): object [0-9a-f]{40}: (\w+):/.exec(line);
    if (m) ids.add(m[1]!);
  }
  return { ids: [...ids], refused: r.code !== 0 };
}
