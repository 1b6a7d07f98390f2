/**
 * Renames in a merge (merge-ort.c: detect_and_process_renames, detect_regular_renames,
 * collect_renames, process_renames). Each side's deleted and added files are paired by
 * rename detection (rename-detect.ts); directory renames move what the other side added
 * (dir-renames.ts); then each rename is folded into the path table so that the per-path pass
 * (process.ts) merges a renamed file's contents at its new path:
 *
 *   normal rename         the base and the other side's version join the new path
 *   rename/delete         the other side deleted the source: kept, conflict
 *   rename/rename(1to1)   both renamed it the same way: one path
 *   rename/rename(1to2)   renamed differently: contents merged into both, both kept, conflict
 *   rename/add, 2to1      the target is taken on the other side too: the renamed side's
 *                         contents are merged first, then merged with the other (add/add)
 */
import { BlobStats, detectRenames } from './rename-detect.js';
import { handleContentMerge } from './content.js';
import {
  applyDirectoryRenameModifications, checkForDirectoryRename, computeCollisions, handleDirectoryLevelConflicts,
  provisionalDirectoryRenames, type Collision,
} from './dir-renames.js';
import { CONFLICT_TYPES, isReg, NO_VERSION, pathMsg, sameOid, type FilePair, type MergeState } from './state.js';

function possibleSideRenames(st: MergeState, side: 1 | 2): boolean {
  const r = st.renames[side];
  return r.pairs.length > 0 && r.relevantSources.size > 0;
}

function resolveStatuses(pairs: FilePair[]): void {
  for (const p of pairs) p.status = p.one.mode === 0 ? 'A' : p.two.mode === 0 ? 'D' : p.renamed ? 'R' : '';
}

function detectRegularRenames(st: MergeState, side: 1 | 2, stats: BlobStats): void {
  const r = st.renames[side];
  if (!possibleSideRenames(st, side)) {
    resolveStatuses(r.pairs);
    return;
  }
  r.dirRenameCount.clear();
  r.pairs = detectRenames({
    pairs: r.pairs,
    relevantSources: r.relevantSources,
    dirsRemoved: r.dirsRemoved,
    dirRenameCount: r.dirRenameCount,
    renameLimit: st.limits.renameLimit,
    stats,
  });
  resolveStatuses(r.pairs);
}

type Collisions = [Map<string, Collision>, Map<string, Collision>, Map<string, Collision>];

/** collect_renames: this side's renames (and files a directory rename moves), for process_renames. */
function collectRenames(st: MergeState, out: FilePair[], side: 1 | 2, collisions: Collisions, dirRenames: Map<string, string>, exclusions: Map<string, string>): boolean {
  const flag = { clean: true };
  for (const p of st.renames[side].pairs) {
    if (p.status !== 'A' && p.status !== 'R') continue;
    const newPath = checkForDirectoryRename(st, p.two.path, side, dirRenames, exclusions, collisions, flag);
    if (p.status !== 'R' && newPath === null) continue;
    if (newPath !== null) applyDirectoryRenameModifications(st, p, newPath);
    p.score = side;
    out.push(p);
  }
  return flag.clean;
}

export function detectAndProcessRenames(st: MergeState): boolean {
  if (!possibleSideRenames(st, 1) && !possibleSideRenames(st, 2)) return true;
  let clean = true;
  const stats = new BlobStats(st.finder);
  detectRegularRenames(st, 1, stats);
  detectRegularRenames(st, 2, stats);
  if (st.callDepth === 0) {
    clean = provisionalDirectoryRenames(st, 1) && clean;
    clean = provisionalDirectoryRenames(st, 2) && clean;
    handleDirectoryLevelConflicts(st);
  }
  const collisions: Collisions = [new Map(), computeCollisions(st.renames[2].dirRenames, st.renames[1].pairs), computeCollisions(st.renames[1].dirRenames, st.renames[2].pairs)];
  const combined: FilePair[] = [];
  clean = collectRenames(st, combined, 1, collisions, st.renames[2].dirRenames, st.renames[1].dirRenames) && clean;
  clean = collectRenames(st, combined, 2, collisions, st.renames[1].dirRenames, st.renames[2].dirRenames) && clean;
  combined.sort((a, b) => (a.one.path < b.one.path ? -1 : a.one.path > b.one.path ? 1 : 0)); // stable
  clean = processRenames(st, combined) && clean;
  return clean;
}

function processRenames(st: MergeState, renames: FilePair[]): boolean {
  let cleanMerge = true;
  const { branch1, branch2 } = st.labels;
  for (let i = 0; i < renames.length; i++) {
    const pair = renames[i];
    const oldpath = pair.one.path;
    const oldinfo = st.paths.get(oldpath);
    const newpath = pair.two.path;
    const newinfo = st.paths.get(newpath);
    if (!oldinfo || oldinfo.clean) continue;

    if (i + 1 < renames.length && renames[i + 1].one.path === oldpath) {
      const pathnames: [string, string, string] = [oldpath, newpath, renames[i + 1].two.path];
      const base = st.paths.get(pathnames[0])!;
      const side1 = st.paths.get(pathnames[1])!;
      const side2 = st.paths.get(pathnames[2])!;
      if (pathnames[1] === pathnames[2]) {
        // rename/rename(1to1)
        side1.stages[0] = { ...base.stages[0] };
        side1.filemask |= 1;
        base.isNull = true;
        base.clean = true;
        i++;
        continue;
      }
      // rename/rename(1to2); like git, the result of this merge stands for the whole pass
      const m = handleContentMerge(st, oldpath, base.stages[0], side1.stages[1], side2.stages[2], pathnames, 1 + 2 * st.callDepth);
      cleanMerge = m.clean;
      const wasBinary = !m.clean && m.result.mode === side1.stages[1].mode && sameOid(m.result.oid, side1.stages[1].oid);
      side1.stages[1] = { ...m.result };
      side2.stages[2] = wasBinary ? { ...side2.stages[2] } : { ...m.result };
      side1.pathConflict = true;
      side2.pathConflict = true;
      base.pathConflict = true;
      pathMsg(st, CONFLICT_TYPES.renameRename, pathnames[0], [pathnames[1], pathnames[2]],
        `CONFLICT (rename/rename): ${pathnames[0]} renamed to ${pathnames[1]} in ${branch1} and to ${pathnames[2]} in ${branch2}.`);
      i++;
      continue;
    }

    if (!newinfo || newinfo.clean) throw new Error(`merge: rename target ${newpath} is not pending`);
    const target = pair.score as 1 | 2;
    const other = (3 - target) as 1 | 2;
    const oldSidemask = 1 << other;
    const sourceDeleted = oldinfo.filemask === 1;
    let collision = (newinfo.filemask & oldSidemask) !== 0;
    const typeChanged = !sourceDeleted && isReg(oldinfo.stages[other].mode) !== isReg(newinfo.stages[target].mode);
    if (typeChanged && collision) collision = false;
    const renameBranch = target === 1 ? branch1 : branch2;
    const deleteBranch = target === 1 ? branch2 : branch1;

    if (collision && !sourceDeleted) {
      // rename/add or rename/rename(2to1)
      const pathnames: [string, string, string] = [oldpath, oldpath, oldpath];
      pathnames[target] = newpath;
      const base = st.paths.get(pathnames[0])!;
      const s1 = st.paths.get(pathnames[1])!;
      const s2 = st.paths.get(pathnames[2])!;
      const m = handleContentMerge(st, oldpath, base.stages[0], s1.stages[1], s2.stages[2], pathnames, 1 + 2 * st.callDepth);
      newinfo.stages[target] = { ...m.result };
      if (!m.clean) {
        pathMsg(st, CONFLICT_TYPES.renameCollides, newpath, [oldpath],
          `CONFLICT (rename involved in collision): rename of ${oldpath} -> ${newpath} has content conflicts AND collides with another path; this may result in nested conflict markers.`);
      }
    } else if (collision && sourceDeleted) {
      newinfo.pathConflict = true;
      pathMsg(st, CONFLICT_TYPES.renameDelete, newpath, [oldpath],
        `CONFLICT (rename/delete): ${oldpath} renamed to ${newpath} in ${renameBranch}, but deleted in ${deleteBranch}.`);
    } else {
      newinfo.stages[0] = { ...oldinfo.stages[0] };
      newinfo.filemask |= 1;
      newinfo.pathnames[0] = oldpath;
      if (typeChanged) {
        // rename vs. type change: the original stays, minus its base
        oldinfo.stages[0] = NO_VERSION;
        oldinfo.filemask &= 0x06;
      } else if (sourceDeleted) {
        newinfo.pathConflict = true;
        pathMsg(st, CONFLICT_TYPES.renameDelete, newpath, [oldpath],
          `CONFLICT (rename/delete): ${oldpath} renamed to ${newpath} in ${renameBranch}, but deleted in ${deleteBranch}.`);
      } else {
        newinfo.stages[other] = { ...oldinfo.stages[other] };
        newinfo.filemask |= 1 << other;
        newinfo.pathnames[other] = oldpath;
      }
    }
    if (!typeChanged) {
      oldinfo.isNull = true;
      oldinfo.clean = true;
    }
  }
  return cleanMerge;
}
