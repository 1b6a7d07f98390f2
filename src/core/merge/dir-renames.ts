/**
 * Directory renames as merge-ort applies them by default (merge.directoryRenames = conflict):
 * when one side moved (most of) directory D to E and the other side added a file under D, the
 * file is moved to E too, and the path is reported as a conflict ("file location") for a human
 * to confirm. A directory split among several targets with no majority, a rename into a
 * directory the same side itself renamed, several files landing on one path, or a path already
 * taken: no move, and a conflict where git reports one (merge-ort.c:
 * get_provisional_directory_renames, handle_directory_level_conflicts, compute_collisions,
 * check_for_directory_rename, handle_path_level_conflicts, apply_directory_rename_modifications).
 */
import { CONFLICT_TYPES, PathInfo, pathMsg, type FilePair, type MergeState } from './state.js';

export interface Collision {
  sourceFiles: string[];
  reportedAlready: boolean;
}

/** dir_rename_count -> dir_renames: each removed directory's unique majority target. */
export function provisionalDirectoryRenames(st: MergeState, side: 1 | 2): boolean {
  let clean = true;
  const r = st.renames[side];
  for (const [sourceDir, counts] of r.dirRenameCount) {
    let max = 0;
    let badMax = 0;
    let best: string | null = null;
    for (const [target, n] of counts) {
      if (n === max) badMax = max;
      else if (n > max) {
        max = n;
        best = target;
      }
    }
    if (max === 0) continue;
    if (badMax === max) {
      pathMsg(st, CONFLICT_TYPES.dirRenameSplit, sourceDir, [],
        `CONFLICT (directory rename split): Unclear where to rename ${sourceDir} to; it was renamed to multiple other directories, with no destination getting a majority of the files.`);
      clean = false;
    } else r.dirRenames.set(sourceDir, best!);
  }
  return clean;
}

/** A directory both sides renamed: neither rename is applied. */
export function handleDirectoryLevelConflicts(st: MergeState): void {
  const a = st.renames[1].dirRenames;
  const b = st.renames[2].dirRenames;
  for (const k of [...a.keys()]) {
    if (b.has(k)) {
      a.delete(k);
      b.delete(k);
    }
  }
}

/** check_dir_renamed: the deepest renamed directory above `path`. */
function checkDirRenamed(path: string, dirRenames: Map<string, string>): [string, string] | null {
  for (let d = path; d.includes('/'); ) {
    d = d.slice(0, d.lastIndexOf('/'));
    const to = dirRenames.get(d);
    if (to !== undefined) return [d, to];
  }
  return null;
}

function applyDirRename([oldDir, newDir]: [string, string], oldPath: string): string {
  const skip = newDir === '' ? oldDir.length + 1 : oldDir.length;
  return newDir + oldPath.slice(skip);
}

/** compute_collisions: where this side's added and renamed files land under the other side's directory renames. */
export function computeCollisions(dirRenames: Map<string, string>, pairs: FilePair[]): Map<string, Collision> {
  const out = new Map<string, Collision>();
  if (dirRenames.size === 0) return out;
  for (const p of pairs) {
    if (p.status !== 'A' && p.status !== 'R') continue;
    const info = checkDirRenamed(p.two.path, dirRenames);
    if (!info) continue;
    const newPath = applyDirRename(info, p.two.path);
    let c = out.get(newPath);
    if (!c) out.set(newPath, (c = { sourceFiles: [], reportedAlready: false }));
    const l = c.sourceFiles;
    const p2 = p.two.path;
    if (!l.includes(p2)) {
      l.push(p2);
      l.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    }
  }
  return out;
}

function pathInWay(st: MergeState, path: string, sideMask: number): boolean {
  const mi = st.paths.get(path);
  if (!mi) return false;
  return mi.clean || (sideMask & (mi.filemask | mi.dirmask)) !== 0;
}

/**
 * check_for_directory_rename + handle_path_level_conflicts: the new path of a file this side
 * added or renamed into a directory the other side renamed, or null. Sets `out.clean` false
 * when git reports a conflict.
 */
export function checkForDirectoryRename(
  st: MergeState, path: string, side: 1 | 2, dirRenames: Map<string, string>, exclusions: Map<string, string>,
  collisions: [Map<string, Collision>, Map<string, Collision>, Map<string, Collision>], out: { clean: boolean },
): string | null {
  if (dirRenames.size === 0) return null;
  if (collisions[3 - side].has(path)) return null;
  const info = checkDirRenamed(path, dirRenames);
  if (!info) return null;
  const [oldDir, newDir] = info;
  if (exclusions.has(newDir)) {
    pathMsg(st, CONFLICT_TYPES.dirRenameSkipped, oldDir, [path, newDir],
      `WARNING: Avoiding applying ${oldDir} -> ${newDir} rename to ${path}, because ${newDir} itself was renamed.`);
    return null;
  }
  const newPath = applyDirRename(info, path);
  const c = collisions[side].get(newPath)!;
  let clean = true;
  if (c.reportedAlready) clean = false;
  else if (pathInWay(st, newPath, 1 << side)) {
    c.reportedAlready = true;
    pathMsg(st, CONFLICT_TYPES.dirRenameFileInWay, newPath, c.sourceFiles,
      `CONFLICT (implicit dir rename): Existing file/dir at ${newPath} in the way of implicit directory rename(s) putting the following path(s) there: ${c.sourceFiles.join(', ')}.`);
    clean = false;
  } else if (c.sourceFiles.length > 1) {
    c.reportedAlready = true;
    pathMsg(st, CONFLICT_TYPES.dirRenameCollision, newPath, c.sourceFiles,
      `CONFLICT (implicit dir rename): Cannot map more than one path to ${newPath}; implicit directory renames tried to put these paths there: ${c.sourceFiles.join(', ')}`);
    clean = false;
  }
  if (!clean) out.clean = false;
  return clean ? newPath : null;
}

/** apply_directory_rename_modifications: moves the path's entry (and its missing parents) to newPath. */
export function applyDirectoryRenameModifications(st: MergeState, pair: FilePair, newPath: string): void {
  const oldPath = pair.two.path;
  let ci = st.paths.get(oldPath)!;
  const toInsert: string[] = [];
  let parent = '';
  for (let cur = newPath; ; ) {
    const slash = cur.lastIndexOf('/');
    if (slash < 0) {
      parent = '';
      break;
    }
    parent = cur.slice(0, slash);
    if (st.paths.has(parent)) break;
    toInsert.push(parent);
    cur = parent;
  }
  for (let i = toInsert.length - 1; i >= 0; i--) {
    const dir = toInsert[i];
    const dirCi = new PathInfo(false, parent, parent.length > 0 ? parent.length + 1 : 0);
    dirCi.dirmask = ci.filemask;
    st.paths.set(dir, dirCi);
    parent = dir;
  }
  st.paths.delete(oldPath);
  const withNewPath = ci.filemask === 2 ? st.labels.branch1 : st.labels.branch2;
  const withDirRename = ci.filemask === 2 ? st.labels.branch2 : st.labels.branch1;
  ci.dirName = parent;
  ci.basenameOffset = parent.length > 0 ? parent.length + 1 : 0;
  const existing = st.paths.get(newPath);
  if (!existing) st.paths.set(newPath, ci);
  else {
    existing.filemask |= ci.filemask;
    if (existing.dirmask) existing.dfConflict = true;
    const index = ci.filemask >> 1;
    existing.pathnames[index] = ci.pathnames[index];
    existing.stages[index] = { ...ci.stages[index] };
    ci = existing;
  }
  ci.pathConflict = true;
  const msg = pair.status === 'A'
    ? `CONFLICT (file location): ${oldPath} added in ${withNewPath} inside a directory that was renamed in ${withDirRename}, suggesting it should perhaps be moved to ${newPath}.`
    : `CONFLICT (file location): ${pair.one.path} renamed to ${oldPath} in ${withNewPath}, inside a directory that was renamed in ${withDirRename}, suggesting it should perhaps be moved to ${newPath}.`;
  pathMsg(st, CONFLICT_TYPES.dirRenameSuggested, newPath, [oldPath], msg);
  pair.two = { ...pair.two, path: newPath };
}

