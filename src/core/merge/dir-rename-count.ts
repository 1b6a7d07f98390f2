/**
 * The directory half of git's rename detection (diffcore-rename.c: struct dir_rename_info,
 * update_dir_rename_counts, initialize_dir_rename_info, handle_early_known_dir_renames,
 * cleanup_dir_rename_info): every file rename found votes for "its old directory went to its
 * new directory", and for the parents above as long as the trailing components agree
 * ("a/b/c/x" -> "a/e/c/x" also says a/b -> a/e). merge-ort picks each removed directory's
 * majority; rename detection itself uses the votes of exact renames to guess where a file
 * with a non-unique basename went.
 */
import { dirname, NOT_RELEVANT, RELEVANT_FOR_ANCESTOR, RELEVANT_FOR_SELF, RELEVANT_LOCATION, RELEVANT_NO_MORE } from './state.js';

/** git's placeholder for "a rename whose target is not known yet": not a valid directory. */
export const UNKNOWN_DIR = '/';

export interface DirRenameInfo {
  /** non-renamed destination path -> its index */
  idxMap: Map<string, number>;
  /** old dir -> the new dir most renames went to */
  guess: Map<string, string>;
  counts: Map<string, Map<string, number>>;
  dirsRemoved: Map<string, number>;
}

function incrementCount(info: DirRenameInfo, oldDir: string, newDir: string): void {
  let c = info.counts.get(oldDir);
  if (!c) info.counts.set(oldDir, (c = new Map()));
  c.set(newDir, (c.get(newDir) ?? 0) + 1);
}

/** "a/b/c" -> ["a/b", "c"]; "c" -> ["", "c"] */
function splitLast(p: string): [string, string] {
  const i = p.lastIndexOf('/');
  return i < 0 ? ['', p] : [p.slice(0, i), p.slice(i + 1)];
}

/** update_dir_rename_counts */
export function updateDirRenameCounts(info: DirRenameInfo, oldName: string, newName: string): void {
  let oldDir = oldName;
  let newDir = newName;
  let first = true;
  for (;;) {
    const [od, oldSub] = splitLast(oldDir);
    oldDir = od;
    if (!info.dirsRemoved.has(oldDir)) break;
    const [nd, newSub] = splitLast(newDir);
    newDir = nd;
    if (!first && oldSub !== newSub) break;
    const flag = info.dirsRemoved.get(oldDir) ?? NOT_RELEVANT;
    if (flag === RELEVANT_FOR_SELF || first) incrementCount(info, oldDir, newDir);
    first = false;
    if (flag === NOT_RELEVANT) break;
    if (oldDir === '' || newDir === '') break;
  }
}

function highest(counts: Map<string, number>): string | null {
  let best = 0;
  let dir: string | null = null;
  // git walks a hash map here; on a tie it keeps whichever it met first
  for (const [d, n] of counts) {
    if (n > best) {
      best = n;
      dir = d;
    }
  }
  return dir;
}

/** initialize_dir_rename_info, after exact renames: `dsts` are rename destinations in order. */
export function initDirRenameInfo(
  dsts: Array<{ isRename: boolean; one: { path: string }; two: { path: string } }>,
  dirsRemoved: Map<string, number>,
  counts: Map<string, Map<string, number>>,
): DirRenameInfo {
  const info: DirRenameInfo = { idxMap: new Map(), guess: new Map(), counts, dirsRemoved };
  dsts.forEach((d, i) => {
    if (!d.isRename) info.idxMap.set(d.two.path, i);
    else updateDirRenameCounts(info, d.one.path, d.two.path);
  });
  for (const [oldDir, c] of counts) {
    const best = highest(c);
    if (best !== null) info.guess.set(oldDir, best);
  }
  return info;
}

/** idx_possible_rename: the destination a source would have if its directory moved as others did. */
export function possibleRename(info: DirRenameInfo, path: string): number {
  const [dir, base] = splitLast(path);
  const newDir = info.guess.get(dir);
  if (newDir === undefined) return -1;
  return info.idxMap.get(`${newDir}/${base}`) ?? -1;
}

function determinable(counts: Map<string, number>): boolean {
  let first = 0;
  let second = 0;
  let unknown = 0;
  for (const [d, n] of counts) {
    if (d === UNKNOWN_DIR) unknown = n;
    else if (n >= first) {
      second = first;
      first = n;
    } else if (n >= second) second = n;
  }
  return first > second + unknown;
}

/**
 * handle_early_known_dir_renames: a directory whose majority is already decided needs no more
 * renames found under it; sources wanted only for such a directory drop out (RELEVANT_NO_MORE).
 * Returns the sources that stay.
 */
export function dropKnownDirRenameSources<S extends { path: string }>(
  info: DirRenameInfo, sources: S[], relevantSources: Map<string, number>,
): S[] {
  for (const s of sources) {
    let dir = dirname(s.path);
    while (dir !== '' && (info.dirsRemoved.get(dir) ?? NOT_RELEVANT) !== NOT_RELEVANT) {
      incrementCount(info, dir, UNKNOWN_DIR);
      dir = dirname(dir);
    }
  }
  for (const [dir, c] of info.counts) {
    if (info.dirsRemoved.get(dir) === RELEVANT_FOR_SELF && determinable(c)) info.dirsRemoved.set(dir, RELEVANT_FOR_ANCESTOR);
  }
  return sources.filter((s) => {
    if (relevantSources.get(s.path) !== RELEVANT_LOCATION) return true;
    for (let dir = dirname(s.path); ; dir = dirname(dir)) {
      const res = info.dirsRemoved.get(dir) ?? NOT_RELEVANT;
      if (res === NOT_RELEVANT) break;
      if (res === RELEVANT_FOR_SELF) return true;
    }
    relevantSources.set(s.path, RELEVANT_NO_MORE);
    return false;
  });
}

/** cleanup_dir_rename_info: keep only the counts of removed directories, without UNKNOWN_DIR. */
export function cleanupDirRenameCounts(info: DirRenameInfo): void {
  for (const [dir, c] of [...info.counts]) {
    if ((info.dirsRemoved.get(dir) ?? NOT_RELEVANT) === NOT_RELEVANT) info.counts.delete(dir);
    else c.delete(UNKNOWN_DIR);
  }
}
