/**
 * The difference of two trees, file by file (git diff-tree -r): both entry lists are walked
 * in git's tree order side by side; equal entries (same oid, same mode) are skipped without
 * reading them, so an unchanged subtree costs one comparison; a changed subtree is recursed.
 *
 * A name that is a file on one side and a directory on the other sorts apart ("x" < "x/"), so
 * it comes out as a deletion plus additions, as in git. A file whose kind changes (regular,
 * symlink, gitlink) is `type_changed`; 100644 <-> 100755 is a `modified` with a mode change.
 */
import { GitwellError } from '../errors.js';
import type { ObjectFinder } from '../object/finder.js';
import { compareEntries, isTreeMode, parseTree, type TreeEntry } from '../object/tree.js';
import { oidToHex } from '../oid.js';
import { finish, type Steps } from '../slice.js';

export type ChangeStatus = 'added' | 'deleted' | 'modified' | 'type_changed';

export interface TreeChange {
  /** the path as bytes, "/"-separated */
  path: Buffer;
  status: ChangeStatus;
  /** 0 when the side is missing */
  oldMode: number;
  newMode: number;
  /** null when the side is missing */
  oldOid: Buffer | null;
  newOid: Buffer | null;
}

const OBJ_TREE = 2;
const SLASH = Buffer.from('/');

/** S_IFMT of a mode: regular files (any permission) are one kind. */
export function fileKind(mode: number): number {
  return mode & 0o170000;
}

function readTree(finder: ObjectFinder, oid: Uint8Array): TreeEntry[] {
  const o = finder.get(oid);
  if (!o || o.type !== OBJ_TREE) throw new GitwellError('NOT_FOUND', `tree ${oidToHex(oid)} not found`);
  // the finder's data may be a view that the next read reuses: own it, entries are views of it
  return parseTree(Buffer.from(o.data));
}

function join(prefix: Buffer, name: Buffer): Buffer {
  return prefix.length === 0 ? Buffer.from(name) : Buffer.concat([prefix, SLASH, name]);
}

/**
 * Every file that differs between tree `a` and tree `b` (null = the empty tree), in git's
 * order. `limit`: stop after this many changes (the result then has `truncated`).
 */
export function diffTrees(
  finder: ObjectFinder,
  a: Uint8Array | null,
  b: Uint8Array | null,
  limit = Infinity,
): { changes: TreeChange[]; truncated: boolean } {
  return finish(diffTreesSteps(finder, a, b, limit));
}

/** diffTrees, stopping for a while (a yield) after each tree it reads (core/slice.ts). */
export function* diffTreesSteps(
  finder: ObjectFinder,
  a: Uint8Array | null,
  b: Uint8Array | null,
  limit = Infinity,
): Steps<{ changes: TreeChange[]; truncated: boolean }> {
  const out: TreeChange[] = [];
  let truncated = false;

  const emit = (c: TreeChange): boolean => {
    if (out.length >= limit) {
      truncated = true;
      return false;
    }
    out.push(c);
    return true;
  };

  /** All files under one side's entry, as added or deleted. */
  function* oneSide(prefix: Buffer, e: TreeEntry, side: 'added' | 'deleted'): Steps<boolean> {
    const path = join(prefix, e.name);
    if (!isTreeMode(e.mode)) {
      return side === 'added'
        ? emit({ path, status: 'added', oldMode: 0, newMode: e.mode, oldOid: null, newOid: Buffer.from(e.oid) })
        : emit({ path, status: 'deleted', oldMode: e.mode, newMode: 0, oldOid: Buffer.from(e.oid), newOid: null });
    }
    const children = readTree(finder, e.oid);
    yield;
    for (const child of children) if (!(yield* oneSide(path, child, side))) return false;
    return true;
  }

  function* walk(prefix: Buffer, ea: TreeEntry[], eb: TreeEntry[]): Steps<boolean> {
    let i = 0;
    let j = 0;
    while (i < ea.length || j < eb.length) {
      const x = i < ea.length ? ea[i] : null;
      const y = j < eb.length ? eb[j] : null;
      const cmp = x === null ? 1 : y === null ? -1 : compareEntries(x, y);
      if (cmp < 0) {
        if (!(yield* oneSide(prefix, x!, 'deleted'))) return false;
        i++;
        continue;
      }
      if (cmp > 0) {
        if (!(yield* oneSide(prefix, y!, 'added'))) return false;
        j++;
        continue;
      }
      i++;
      j++;
      const sameOid = x!.oid.equals(y!.oid);
      if (sameOid && x!.mode === y!.mode) continue;
      if (isTreeMode(x!.mode)) {
        // both are trees (a tree and a file never compare equal)
        if (sameOid) continue;
        const [ta, tb] = [readTree(finder, x!.oid), readTree(finder, y!.oid)];
        yield;
        if (!(yield* walk(join(prefix, x!.name), ta, tb))) return false;
        continue;
      }
      const status: ChangeStatus = fileKind(x!.mode) === fileKind(y!.mode) ? 'modified' : 'type_changed';
      const ok = emit({
        path: join(prefix, x!.name),
        status,
        oldMode: x!.mode,
        newMode: y!.mode,
        oldOid: Buffer.from(x!.oid),
        newOid: Buffer.from(y!.oid),
      });
      if (!ok) return false;
    }
    return true;
  }

  if (a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b))) return { changes: out, truncated };
  yield* walk(Buffer.alloc(0), a === null ? [] : readTree(finder, a), b === null ? [] : readTree(finder, b));
  return { changes: out, truncated };
}
