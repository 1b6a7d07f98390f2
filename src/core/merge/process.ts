/**
 * The per-path pass of a merge and the writing of the result trees (merge-ort.c:
 * process_entries, process_entry, write_completed_directory, write_tree).
 *
 * Paths are visited in reverse of an order that puts each directory right before what it
 * holds, so a directory's contents are merged (and its tree written) before the directory
 * itself is looked at. Per path still pending:
 *
 *   a directory that survived where a side has a file: the file moves to "path~branch"
 *     (file/directory conflict);
 *   two sides matching, or one side matching the base: that version;
 *   different kinds (file, symlink, submodule) on the two sides: both kept, the non-file one(s)
 *     at "path~branch" (distinct types);
 *   both sides have it: a content merge (content.ts); add/add when the base lacks it;
 *   one side changed it, the other deleted it: the changed version kept (modify/delete);
 *   added on one side: kept; deleted on both: gone.
 */
import type { Steps } from '../slice.js';
import { handleContentMerge } from './content.js';
import { CONFLICT_TYPES, fmt, isReg, NO_VERSION, pathMsg, S_IFDIR, S_IFGITLINK, type MergeState, type PathInfo } from './state.js';

/** sort_dirs_next_to_their_children: strcmp, with the end of a string read as "/". */
function dirsNextToChildren(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  const c1 = i < a.length ? a.charCodeAt(i) : 0x2f;
  const c2 = i < b.length ? b.charCodeAt(i) : 0x2f;
  if (c1 === c2) return i < a.length ? 1 : -1;
  return c1 - c2;
}

/** git's tree order: bytewise, a directory's name read as if it ended in "/". */
function treeOrder(a: { name: string; mi: PathInfo }, b: { name: string; mi: PathInfo }): number {
  const n = Math.min(a.name.length, b.name.length);
  for (let i = 0; i < n; i++) {
    const d = a.name.charCodeAt(i) - b.name.charCodeAt(i);
    if (d !== 0) return d;
  }
  const ca = a.name.length > n ? a.name.charCodeAt(n) : fmt(a.mi.result.mode) === S_IFDIR ? 0x2f : 0;
  const cb = b.name.length > n ? b.name.charCodeAt(n) : fmt(b.mi.result.mode) === S_IFDIR ? 0x2f : 0;
  return ca - cb;
}

class DirectoryVersions {
  versions: Array<{ name: string; mi: PathInfo }> = [];
  offsets: Array<{ dir: string; offset: number }> = [];
  last: string | null = null;
}

function writeTree(st: MergeState, versions: Array<{ name: string; mi: PathInfo }>, offset: number): Buffer {
  const entries = versions.slice(offset).sort(treeOrder);
  const parts: Buffer[] = [];
  for (const { name, mi } of entries) {
    parts.push(Buffer.from(`${mi.result.mode.toString(8)} ${name}\0`, 'latin1'), mi.result.oid!);
  }
  return st.sink.put('tree', Buffer.concat(parts));
}

function recordEntry(dm: DirectoryVersions, path: string, mi: PathInfo): void {
  if (mi.isNull) return;
  dm.versions.push({ name: path.slice(mi.basenameOffset), mi });
}

function writeCompletedDirectory(st: MergeState, newDir: string, dm: DirectoryVersions): void {
  if (newDir === dm.last) return;
  if (dm.last === null || newDir.startsWith(dm.last)) {
    dm.last = newDir;
    dm.offsets.push({ dir: newDir, offset: dm.versions.length });
    return;
  }
  const dirInfo = st.paths.get(dm.last)!;
  const offset = dm.offsets[dm.offsets.length - 1].offset;
  if (offset === dm.versions.length) dirInfo.isNull = true;
  else {
    dirInfo.isNull = false;
    dirInfo.result = { mode: S_IFDIR, oid: writeTree(st, dm.versions, offset) };
  }
  dm.offsets.pop();
  dm.versions.length = offset;
  const prev = dm.offsets.length === 0 ? null : dm.offsets[dm.offsets.length - 1].dir;
  if (newDir !== prev) dm.offsets.push({ dir: newDir, offset: dm.versions.length });
  dm.last = newDir;
}

/** unique_path: "path~branch" ("/" in the branch name becomes "_"), then "_0", "_1", ... */
function uniquePath(st: MergeState, path: string, branch: string): string {
  const base = `${path}~${branch.replace(/\//g, '_')}`;
  let p = base;
  for (let n = 0; st.paths.has(p); n++) p = `${base}_${n}`;
  return p;
}

function zeroMissingStages(ci: PathInfo): void {
  for (let i = 0; i < 3; i++) if (!(ci.filemask & (1 << i))) ci.stages[i] = NO_VERSION;
}

function processEntry(st: MergeState, path: string, ci: PathInfo, dm: DirectoryVersions): void {
  const { branch1, branch2 } = st.labels;
  let dfFileIndex = 0;
  if (ci.dirmask) {
    recordEntry(dm, path, ci);
    if (ci.filemask === 0) return;
  }
  if (ci.dfConflict && ci.result.mode === 0) {
    // the directory is gone after all: the file takes the path
    ci.dfConflict = false;
    ci.clean = false;
    ci.isNull = false;
    ci.matchMask &= ~ci.dirmask;
    ci.dirmask = 0;
    zeroMissingStages(ci);
  } else if (ci.dfConflict && ci.result.mode !== 0) {
    // the directory stays: the file moves aside
    if (ci.filemask === 1) {
      ci.filemask = 0;
      return;
    }
    const moved = ci.copy();
    moved.matchMask &= ~moved.dirmask;
    moved.dirmask = 0;
    zeroMissingStages(moved);
    dfFileIndex = ci.dirmask & 2 ? 2 : 1;
    const branch = dfFileIndex === 1 ? branch1 : branch2;
    const oldPath = path;
    path = uniquePath(st, path, branch);
    st.paths.set(path, moved);
    pathMsg(st, CONFLICT_TYPES.fileDirectory, path, [oldPath],
      `CONFLICT (file/directory): directory in the way of ${oldPath} from ${branch}; moving it to ${path} instead.`);
    ci.filemask = 0;
    ci = moved;
  }

  if (ci.matchMask) {
    ci.clean = !ci.dfConflict && !ci.pathConflict;
    if (ci.matchMask === 6) ci.result = { ...ci.stages[1] };
    else {
      const side = (7 & ~ci.matchMask) === 4 ? 2 : 1;
      ci.result = { ...ci.stages[side] };
      ci.isNull = ci.result.mode === 0;
      if (ci.isNull) ci.clean = true;
    }
  } else if (ci.filemask >= 6 && fmt(ci.stages[1].mode) !== fmt(ci.stages[2].mode)) {
    // distinct types
    if (st.callDepth > 0) {
      ci.clean = false;
      ci.result = { ...ci.stages[0] };
      ci.isNull = ci.result.mode === 0;
    } else {
      const oMode = ci.stages[0].mode, aMode = ci.stages[1].mode, bMode = ci.stages[2].mode;
      let renameA = false, renameB = false;
      if (isReg(aMode)) renameA = true;
      else if (isReg(bMode)) renameB = true;
      else renameA = renameB = true;
      const aPath = renameA ? uniquePath(st, path, branch1) : null;
      let bPath = renameB ? uniquePath(st, path, branch2) : null;
      if (renameA && renameB) {
        pathMsg(st, CONFLICT_TYPES.distinctModes, path, [aPath, bPath],
          `CONFLICT (distinct types): ${path} had different types on each side; renamed both of them so each can be recorded somewhere.`);
      } else {
        pathMsg(st, CONFLICT_TYPES.distinctModes, path, [renameA ? aPath : bPath],
          `CONFLICT (distinct types): ${path} had different types on each side; renamed one of them so each can be recorded somewhere.`);
      }
      ci.clean = false;
      const nb = ci.copy();
      nb.result = { ...ci.stages[2] };
      nb.stages[1] = NO_VERSION;
      nb.filemask = 5;
      if (fmt(bMode) !== fmt(oMode)) {
        nb.stages[0] = NO_VERSION;
        nb.filemask = 4;
      }
      ci.result = { ...ci.stages[1] };
      ci.stages[2] = NO_VERSION;
      ci.filemask = 3;
      if (fmt(aMode) !== fmt(oMode)) {
        ci.stages[0] = NO_VERSION;
        ci.filemask = 2;
      }
      if (renameA) st.paths.set(aPath!, ci);
      if (!renameB) bPath = path;
      st.paths.set(bPath!, nb);
      if (renameA && renameB) st.paths.delete(path);
      st.conflicted.set(bPath!, nb);
      recordEntry(dm, bPath!, nb);
      if (aPath) path = aPath;
    }
  } else if (ci.filemask >= 6) {
    const m = handleContentMerge(st, path, ci.stages[0], ci.stages[1], ci.stages[2], ci.pathnames, st.callDepth * 2);
    ci.clean = m.clean && !ci.dfConflict && !ci.pathConflict;
    ci.result = { ...m.result };
    ci.isNull = m.result.mode === 0;
    if (m.clean && ci.dfConflict) {
      ci.filemask = 1 << dfFileIndex;
      ci.stages[dfFileIndex] = { ...m.result };
    }
    if (!m.clean) {
      let reason = 'content';
      if (ci.filemask === 6) reason = 'add/add';
      if (fmt(m.result.mode) === S_IFGITLINK) reason = 'submodule';
      pathMsg(st, CONFLICT_TYPES.contents, path, [], `CONFLICT (${reason}): Merge conflict in ${path}`);
    }
  } else if (ci.filemask === 3 || ci.filemask === 5) {
    const side = ci.filemask === 5 ? 2 : 1;
    const index = st.callDepth > 0 ? 0 : side;
    ci.result = { ...ci.stages[index] };
    ci.clean = false;
    const modifyBranch = side === 1 ? branch1 : branch2;
    const deleteBranch = side === 1 ? branch2 : branch1;
    const s0 = ci.stages[0].oid, ss = ci.stages[side].oid;
    if (!(ci.pathConflict && s0 !== null && ss !== null && s0.equals(ss))) {
      pathMsg(st, CONFLICT_TYPES.modifyDelete, path, [],
        `CONFLICT (modify/delete): ${path} deleted in ${deleteBranch} and modified in ${modifyBranch}.  Version ${modifyBranch} of ${path} left in tree.`);
    }
  } else if (ci.filemask === 2 || ci.filemask === 4) {
    const side = ci.filemask === 4 ? 2 : 1;
    ci.result = { ...ci.stages[side] };
    ci.clean = !ci.dfConflict && !ci.pathConflict;
  } else if (ci.filemask === 1) {
    ci.isNull = true;
    ci.result = { mode: 0, oid: null };
    ci.clean = !ci.pathConflict;
  }
  if (!ci.clean) st.conflicted.set(path, ci);
  recordEntry(dm, path, ci);
}

/** Paths a merge resolves between two chances to stop (a content merge each, at worst). */
const STEP_PATHS = 16;

/**
 * process_entries: every pending path resolved, every changed tree written; returns the root
 * tree. In steps (core/slice.ts): it stops after every few paths it had to resolve.
 */
export function* processEntries(st: MergeState): Steps<Buffer> {
  if (st.paths.size === 0) return st.sink.put('tree', Buffer.alloc(0));
  const plist = [...st.paths.entries()].sort((x, y) => dirsNextToChildren(x[0], y[0]));
  const dm = new DirectoryVersions();
  let resolved = 0;
  for (let k = plist.length - 1; k >= 0; k--) {
    const [path, mi] = plist[k];
    writeCompletedDirectory(st, mi.dirName, dm);
    if (mi.clean) recordEntry(dm, path, mi);
    else {
      processEntry(st, path, mi, dm);
      if (++resolved % STEP_PATHS === 0) yield;
    }
  }
  if (dm.offsets.length !== 1 || dm.offsets[0].offset !== 0) throw new Error('merge: directory accounting is off');
  return writeTree(st, dm.versions, 0);
}
