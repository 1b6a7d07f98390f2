/**
 * Would merging `theirs` into `ours` (merge base `base`) conflict? A check, not a merge: it
 * writes nothing. Files changed on one side only merge cleanly. For a path changed on both
 * sides with different results:
 *
 *   modify/delete   one side deleted it, the other changed it
 *   add/add         both added it with different contents or modes
 *   type            the two results are of different kinds (file, symlink, gitlink), or a
 *                   kind changed on one side while the contents differ
 *   mode            both changed the mode, differently
 *   content         both changed a text file and a line merge (three-way.ts) conflicts, or
 *                   both changed a symlink or a gitlink differently
 *   binary          both changed a binary file differently
 *   too_large       both changed a file too large to line-merge (assumed to conflict)
 *   directory/file  one side added a file where the other added a directory
 *
 * No rename detection (git's ort merge follows renames; this check does not).
 */
import type { ObjectFinder } from '../object/finder.js';
import { MODE_GITLINK, MODE_LINK } from '../object/tree.js';
import { isBinary } from './binary.js';
import { lineMergeConflicts } from './three-way.js';
import { diffTreesSteps, fileKind, type TreeChange } from './tree-diff.js';
import { finish, type Steps } from '../slice.js';

export type ConflictReason = 'modify/delete' | 'add/add' | 'type' | 'mode' | 'content' | 'binary' | 'too_large' | 'directory/file';

export interface MergeConflict {
  path: string;
  reason: ConflictReason;
}

export interface MergeCheckLimits {
  maxFileBytes: number;
  costLimit?: number;
}

const sameOid = (a: Buffer | null, b: Buffer | null) => (a === null ? b === null : b !== null && a.equals(b));

function blob(finder: ObjectFinder, oid: Buffer): Buffer {
  const o = finder.get(oid);
  if (!o || o.type !== 3) throw new Error(`blob ${oid.toString('hex')} not found`);
  return Buffer.from(o.data);
}

function classify(finder: ObjectFinder, o: TreeChange, t: TreeChange, limits: MergeCheckLimits): ConflictReason | null {
  if (sameOid(o.newOid, t.newOid) && o.newMode === t.newMode) return null;
  if (o.newOid === null || t.newOid === null) return 'modify/delete';
  if (o.oldOid === null) return 'add/add';
  if (fileKind(o.newMode) !== fileKind(t.newMode)) return 'type';
  const contentsDiffer = !o.newOid.equals(t.newOid) && !o.newOid.equals(o.oldOid) && !t.newOid.equals(o.oldOid);
  if ((o.status === 'type_changed' || t.status === 'type_changed') && contentsDiffer) return 'type';
  const m0 = o.oldMode;
  if (o.newMode !== m0 && t.newMode !== m0 && o.newMode !== t.newMode) return 'mode';
  if (!contentsDiffer) return null;
  if (o.newMode === MODE_LINK || o.newMode === MODE_GITLINK) return 'content';
  const base = blob(finder, o.oldOid);
  const ours = blob(finder, o.newOid);
  const theirs = blob(finder, t.newOid);
  if (Math.max(base.length, ours.length, theirs.length) > limits.maxFileBytes) return 'too_large';
  if (isBinary(base) || isBinary(ours) || isBinary(theirs)) return 'binary';
  return lineMergeConflicts(base, ours, theirs, limits.costLimit) ? 'content' : null;
}

/** Paths added on one side that sit under a file path added on the other. */
function directoryFile(ours: TreeChange[], theirs: TreeChange[]): Set<string> {
  const out = new Set<string>();
  const added = (cs: TreeChange[]) => new Set(cs.filter((c) => c.newOid !== null).map((c) => c.path.toString('latin1')));
  const [a, b] = [added(ours), added(theirs)];
  for (const [x, y] of [[a, b], [b, a]] as const) {
    for (const p of x) {
      for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
        const dir = p.slice(0, i);
        if (y.has(dir)) out.add(dir);
      }
    }
  }
  return out;
}

export function mergeCheck(
  finder: ObjectFinder,
  base: Buffer,
  ours: Buffer,
  theirs: Buffer,
  limits: MergeCheckLimits,
): { conflicts: MergeConflict[] } {
  return finish(mergeCheckSteps(finder, base, ours, theirs, limits));
}

/** mergeCheck, stopping for a while after each tree read and each path changed on both sides (core/slice.ts). */
export function* mergeCheckSteps(
  finder: ObjectFinder,
  base: Buffer,
  ours: Buffer,
  theirs: Buffer,
  limits: MergeCheckLimits,
): Steps<{ conflicts: MergeConflict[] }> {
  if (base.equals(ours) || base.equals(theirs) || ours.equals(theirs)) return { conflicts: [] };
  const o = (yield* diffTreesSteps(finder, base, ours)).changes;
  const t = (yield* diffTreesSteps(finder, base, theirs)).changes;
  const byPath = new Map(o.map((c) => [c.path.toString('latin1'), c]));
  const conflicts = new Map<string, ConflictReason>();
  for (const tc of t) {
    const key = tc.path.toString('latin1');
    const oc = byPath.get(key);
    if (!oc) continue;
    const reason = classify(finder, oc, tc, limits);
    if (reason) conflicts.set(key, reason);
    yield;
  }
  for (const dir of directoryFile(o, t)) conflicts.set(dir, 'directory/file');
  return {
    conflicts: [...conflicts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, reason]) => ({ path: Buffer.from(k, 'latin1').toString('utf8'), reason })),
  };
}
