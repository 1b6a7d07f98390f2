/**
 * The first pass of a merge (merge-ort.c: collect_merge_info and its callback): walk the
 * three trees side by side and, per path, either resolve it at once or record what each side
 * has there.
 *
 * Resolved at once: a path equal on all three (a tree too: nothing under it is looked at), and
 * a file present on all three where both sides agree or one side kept the base's version.
 * A directory that one side left as it was (or that only one side has) is not descended into
 * when no rename can concern it: after the walk, each side whose deletions need no rename
 * detection takes such directories whole (handle_deferred_entries); otherwise they are walked
 * last. Deleted and added files become the rename candidates of their side; a deletion is a
 * candidate when the other side changed the file (its content needs a home) or when a parent
 * directory vanished on one side while the other added files to it (directory renames: then
 * every file of it counts, dir_rename_mask 7).
 *
 * Names are visited in plain byte order (traverse_trees: a file "a" and a directory "a" of
 * different trees meet), files and directories alike, depth first.
 */
import type { ObjectFinder } from '../object/finder.js';
import { isTreeMode, parseTree } from '../object/tree.js';
import { OBJ_TREE } from '../../wasm.js';
import { GitwellError } from '../errors.js';
import { oidToHex } from '../oid.js';
import {
  NO_VERSION, NOT_RELEVANT, PathInfo, RELEVANT_CONTENT, RELEVANT_FOR_ANCESTOR, RELEVANT_FOR_SELF, RELEVANT_LOCATION,
  type MergeState, type Version,
} from './state.js';

type Entry = Version & { oid: Buffer };

const EMPTY_TREE = Buffer.from('4b825dc642cb6eb9a060e54bf8d69288fbee4904', 'hex');

/** A tree's entries by name (latin1), or an empty map for a missing tree (or git's empty tree, stored or not). */
export function readTree(finder: ObjectFinder, oid: Buffer | null): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (oid === null || oid.equals(EMPTY_TREE)) return out;
  const o = finder.get(oid);
  if (!o || o.type !== OBJ_TREE) throw new GitwellError('NOT_FOUND', `tree ${oidToHex(oid)} not found`);
  for (const e of parseTree(Buffer.from(o.data))) out.set(e.name.toString('latin1'), { mode: e.mode, oid: Buffer.from(e.oid) });
  return out;
}

const same = (a: Entry | undefined, b: Entry | undefined) => a !== undefined && b !== undefined && a.mode === b.mode && a.oid.equals(b.oid);

/** setup_path_info: a path resolved to `merged` (undefined: resolved to nothing), or a provisional conflict. */
function setupPathInfo(
  st: MergeState, dir: string, fullpath: string, names: Array<Entry | undefined>,
  resolved: boolean, merged: Entry | undefined, filemask: number, dirmask: number, dfConflict: boolean,
): PathInfo {
  const offset = dir === '' ? 0 : dir.length + 1;
  const mi = new PathInfo(resolved, dir, offset);
  if (resolved) {
    mi.result = merged ? { mode: merged.mode, oid: merged.oid } : { mode: 0, oid: null };
    mi.isNull = merged === undefined;
  } else {
    for (let i = 0; i < 3; i++) {
      mi.pathnames[i] = fullpath;
      const e = names[i];
      mi.stages[i] = e ? { mode: e.mode, oid: e.oid } : NO_VERSION;
    }
    mi.filemask = filemask;
    mi.dirmask = dirmask;
    mi.dfConflict = dfConflict;
    if (dirmask) mi.isNull = true;
  }
  st.paths.set(fullpath, mi);
  return mi;
}

function addPair(st: MergeState, names: Array<Entry | undefined>, path: string, side: 1 | 2, isAdd: boolean, matchMask: number): void {
  const r = st.renames[side];
  if (!isAdd) {
    const contentRelevant = matchMask === 0;
    const locationRelevant = st.dirRenameMask === 0x07;
    if (contentRelevant || locationRelevant) r.relevantSources.set(path, contentRelevant ? RELEVANT_CONTENT : RELEVANT_LOCATION);
  }
  const e = names[isAdd ? side : 0]!;
  const spec = { path, mode: e.mode, oid: e.oid };
  const none = { path, mode: 0, oid: null };
  r.pairs.push({ one: isAdd ? none : spec, two: isAdd ? spec : none, status: '', renamed: false, score: 0 });
}

/** collect_rename_info */
function collectRenameInfo(
  st: MergeState, names: Array<Entry | undefined>, dir: string, fullpath: string,
  filemask: number, dirmask: number, matchMask: number,
): void {
  if (st.dirRenameMask !== 0x07 && (dirmask === 3 || dirmask === 5)) st.dirRenameMask = dirmask & ~1;
  if (dirmask === 1 || dirmask === 3 || dirmask === 5) {
    const sides = (0x07 - dirmask) >> 1;
    const relevance = st.dirRenameMask === 0x07 ? RELEVANT_FOR_ANCESTOR : NOT_RELEVANT;
    if (sides & 1) st.renames[1].dirsRemoved.set(fullpath, relevance);
    if (sides & 2) st.renames[2].dirsRemoved.set(fullpath, relevance);
  }
  if (st.dirRenameMask === 0x07 && (filemask === 2 || filemask === 4)) {
    const side = 3 - (filemask >> 1);
    st.renames[side].dirsRemoved.set(dir, RELEVANT_FOR_SELF);
  }
  if (filemask === 0 || filemask === 7) return;
  for (const side of [1, 2] as const) {
    const sideMask = 1 << side;
    if ((filemask & 1) && !(filemask & sideMask)) addPair(st, names, fullpath, side, false, matchMask & filemask);
    if (!(filemask & 1) && (filemask & sideMask)) addPair(st, names, fullpath, side, true, matchMask & filemask);
  }
}

function visit(st: MergeState, dir: string, name: string, names: Array<Entry | undefined>): void {
  const prevMask = st.dirRenameMask;
  let mask = 0;
  let dirmask = 0;
  for (let i = 0; i < 3; i++) {
    const e = names[i];
    if (!e) continue;
    mask |= 1 << i;
    if (isTreeMode(e.mode)) dirmask |= 1 << i;
  }
  const filemask = mask & ~dirmask;
  const s1mb = same(names[0], names[1]);
  const s2mb = same(names[0], names[2]);
  const sidesMatch = same(names[1], names[2]);
  const matchMask = s1mb ? (s2mb ? 7 : 3) : s2mb ? 5 : sidesMatch ? 6 : 0;
  const fullpath = dir === '' ? name : `${dir}/${name}`;

  if (s1mb && s2mb) return void setupPathInfo(st, dir, fullpath, names, true, names[0], filemask, dirmask, false);
  if (sidesMatch && filemask === 7) return void setupPathInfo(st, dir, fullpath, names, true, names[1], filemask, dirmask, false);
  if (s1mb && filemask === 7) return void setupPathInfo(st, dir, fullpath, names, true, names[2], filemask, dirmask, false);
  if (s2mb && filemask === 7) return void setupPathInfo(st, dir, fullpath, names, true, names[1], filemask, dirmask, false);

  collectRenameInfo(st, names, dir, fullpath, filemask, dirmask, matchMask);
  const ci = setupPathInfo(st, dir, fullpath, names, false, undefined, filemask, dirmask, filemask !== 0 && dirmask !== 0);
  ci.matchMask = matchMask;
  if (!dirmask) return;

  let side = s1mb ? 2 : s2mb ? 1 : 0;
  if (filemask === 0 && (dirmask === 2 || dirmask === 4)) {
    ci.matchMask = 7 - dirmask;
    side = dirmask >> 1;
  }
  if (st.dirRenameMask !== 0x07 && side !== 0 && st.renames[side].trivialMergesOkay) {
    st.renames[side].possibleTrivialMerges.set(fullpath, st.dirRenameMask);
    st.dirRenameMask = prevMask;
    return;
  }
  ci.matchMask &= filemask;
  walkDir(st, fullpath, ci, dirmask);
  st.dirRenameMask = prevMask;
}

/** Walks the subtrees of a directory entry (the sides whose bit is in dirmask). */
function walkDir(st: MergeState, path: string, ci: PathInfo, dirmask: number): void {
  const trees: Array<Buffer | null> = [0, 1, 2].map((i) => (dirmask & (1 << i) ? ci.stages[i].oid : null));
  traverse(st, path, trees);
}

/** traverse_trees over one directory of the three trees (null: absent on that side). */
export function traverse(st: MergeState, dir: string, trees: Array<Buffer | null>): void {
  // a side whose tree equals another's is read once
  const maps: Array<Map<string, Entry>> = [];
  for (let i = 0; i < 3; i++) {
    const t = trees[i];
    const j = t === null ? -1 : trees.findIndex((u) => u !== null && u.equals(t));
    maps.push(j >= 0 && j < i ? maps[j] : readTree(st.finder, t));
  }
  const names = [...new Set([...maps[0].keys(), ...maps[1].keys(), ...maps[2].keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (st.dirRenameMask === 2 || st.dirRenameMask === 4) {
    // traverse_trees_wrapper: a file only the surviving side has makes every path here matter
    for (const n of names) {
      let filemask = 0;
      for (let i = 0; i < 3; i++) {
        const e = maps[i].get(n);
        if (e && !isTreeMode(e.mode)) filemask |= 1 << i;
      }
      if (filemask && filemask === st.dirRenameMask) st.dirRenameMask = 0x07;
    }
  }
  for (const n of names) visit(st, dir, n, [maps[0].get(n), maps[1].get(n), maps[2].get(n)]);
}

/** handle_deferred_entries: directories skipped in the walk are taken whole or walked now. */
export function handleDeferredEntries(st: MergeState): void {
  for (const side of [1, 2] as const) {
    const r = st.renames[side];
    // nothing is cached across merges here, so any relevant source needs the full walk
    const okay = r.relevantSources.size === 0;
    r.trivialMergesOkay = okay;
    const deferred = r.possibleTrivialMerges;
    r.possibleTrivialMerges = new Map();
    for (const [path, mask] of deferred) {
      const ci = st.paths.get(path)!;
      if (okay) {
        resolveTrivialDirectoryMerge(ci, side);
        continue;
      }
      ci.matchMask &= ci.filemask;
      st.dirRenameMask = mask;
      walkDir(st, path, ci, ci.dirmask);
    }
    for (const path of r.possibleTrivialMerges.keys()) resolveTrivialDirectoryMerge(st.paths.get(path)!, side);
    r.possibleTrivialMerges.clear();
  }
}

function resolveTrivialDirectoryMerge(ci: PathInfo, side: 1 | 2): void {
  const v = ci.stages[side];
  ci.result = { mode: v.mode, oid: v.oid };
  ci.isNull = v.oid === null;
  ci.matchMask = 0;
  ci.clean = true;
}

/** collect_merge_info: the walk of the whole trees, then the deferred directories. */
export function collectMergeInfo(st: MergeState, base: Buffer, side1: Buffer, side2: Buffer): void {
  st.dirRenameMask = 0;
  traverse(st, '', [base, side1, side2]);
  handleDeferredEntries(st);
}
