/**
 * The state of one three-way tree merge, shaped as git's merge-ort keeps it (merge-ort.c:
 * struct merge_options_internal, merged_info, conflict_info), so the rest of core/merge/ can
 * follow merge-ort function by function.
 *
 * Paths are byte strings held as latin1 JS strings (one char per byte): comparing them with
 * < and === is comparing bytes, as git's strcmp does, whatever the encoding of the names.
 * Stage 0 is the merge base, 1 the first side ("ours"), 2 the second ("theirs").
 */
import type { ObjectFinder } from '../object/finder.js';

/** One side's version of a path; mode 0 (and oid null) when the side has nothing there. */
export interface Version {
  mode: number;
  oid: Buffer | null;
}

export const NO_VERSION: Version = Object.freeze({ mode: 0, oid: null }) as Version;

/**
 * merged_info + conflict_info in one: while `clean` is false the stages describe the conflict;
 * once clean, only result / isNull count.
 */
export class PathInfo {
  clean: boolean;
  /** the merged result (mode 0 / oid null while unknown) */
  result: Version = { mode: 0, oid: null };
  isNull = false;
  /** the directory holding this path ("" at the top), and where its basename starts */
  dirName: string;
  basenameOffset: number;
  stages: [Version, Version, Version] = [NO_VERSION, NO_VERSION, NO_VERSION];
  pathnames: [string, string, string] = ['', '', ''];
  dfConflict = false;
  pathConflict = false;
  filemask = 0;
  dirmask = 0;
  matchMask = 0;

  constructor(clean: boolean, dirName: string, basenameOffset: number) {
    this.clean = clean;
    this.dirName = dirName;
    this.basenameOffset = basenameOffset;
  }

  copy(): PathInfo {
    const c = new PathInfo(this.clean, this.dirName, this.basenameOffset);
    c.result = { ...this.result };
    c.isNull = this.isNull;
    c.stages = [{ ...this.stages[0] }, { ...this.stages[1] }, { ...this.stages[2] }];
    c.pathnames = [...this.pathnames];
    c.dfConflict = this.dfConflict;
    c.pathConflict = this.pathConflict;
    c.filemask = this.filemask;
    c.dirmask = this.dirmask;
    c.matchMask = this.matchMask;
    return c;
  }
}

/** merge-ort's conflict_and_info_types, by git's short description (what merge-tree prints). */
export const CONFLICT_TYPES = {
  autoMerging: 'Auto-merging',
  contents: 'CONFLICT (contents)',
  binary: 'CONFLICT (binary)',
  fileDirectory: 'CONFLICT (file/directory)',
  distinctModes: 'CONFLICT (distinct modes)',
  modifyDelete: 'CONFLICT (modify/delete)',
  renameRename: 'CONFLICT (rename/rename)',
  renameCollides: 'CONFLICT (rename involved in collision)',
  renameDelete: 'CONFLICT (rename/delete)',
  dirRenameSuggested: 'CONFLICT (directory rename suggested)',
  dirRenameApplied: 'Path updated due to directory rename',
  dirRenameSkipped: 'Directory rename skipped since directory was renamed on both sides',
  dirRenameFileInWay: 'CONFLICT (file in way of directory rename)',
  dirRenameCollision: 'CONFLICT(directory rename collision)',
  dirRenameSplit: 'CONFLICT(directory rename unclear split)',
  submoduleNotInitialized: 'CONFLICT (submodule not initialized)',
} as const;

export type ConflictType = (typeof CONFLICT_TYPES)[keyof typeof CONFLICT_TYPES];

/** One logical conflict or note, as path_msg records it: primary path first. */
export interface PathMessage {
  type: ConflictType;
  paths: string[];
  message: string;
}

/** A file-level rename or add/delete pair of one side (diffcore's diff_filepair). */
export interface FilePair {
  one: { path: string; mode: number; oid: Buffer | null };
  two: { path: string; mode: number; oid: Buffer | null };
  /** A added, D deleted, R renamed ('' before rename detection) */
  status: '' | 'A' | 'D' | 'R';
  renamed: boolean;
  /** similarity (MAX_SCORE = 60000), then, after collect_renames, the side (1 or 2) */
  score: number;
}

/** dirs_removed values (diffcore.h enum dir_rename_relevance) */
export const NOT_RELEVANT = 0, RELEVANT_FOR_ANCESTOR = 1, RELEVANT_FOR_SELF = 2;
/** relevant_sources values (diffcore.h enum file_rename_relevance) */
export const RELEVANT_NO_MORE = 0, RELEVANT_CONTENT = 1, RELEVANT_LOCATION = 2;

export interface SideRenames {
  pairs: FilePair[];
  dirsRemoved: Map<string, number>;
  /** old dir -> new dir -> count */
  dirRenameCount: Map<string, Map<string, number>>;
  dirRenames: Map<string, string>;
  relevantSources: Map<string, number>;
  /** directories resolved without descending, when no rename needs them: path -> dir_rename_mask */
  possibleTrivialMerges: Map<string, number>;
  trivialMergesOkay: boolean;
}

export function newSideRenames(): SideRenames {
  return {
    pairs: [],
    dirsRemoved: new Map(),
    dirRenameCount: new Map(),
    dirRenames: new Map(),
    relevantSources: new Map(),
    possibleTrivialMerges: new Map(),
    trivialMergesOkay: true,
  };
}

export interface MergeLabels {
  /**
   * labels in conflict markers and messages (git merge-tree uses the names it was given), as
   * latin1 strings of their UTF-8 bytes, like paths
   */
  branch1: string;
  branch2: string;
  ancestor: string;
}

/** Where merged blobs and trees go: hashed and kept, not written (core writes nothing). */
export interface ObjectSink {
  /** stores a new object (if not known) and returns its oid */
  put(type: 'blob' | 'tree', data: Buffer): Buffer;
}

export interface MergeState {
  finder: ObjectFinder;
  sink: ObjectSink;
  labels: MergeLabels;
  callDepth: number;
  paths: Map<string, PathInfo>;
  conflicted: Map<string, PathInfo>;
  /** primary path -> its messages, in the order recorded */
  messages: Map<string, PathMessage[]>;
  renames: [SideRenames, SideRenames, SideRenames];
  dirRenameMask: number;
  limits: MergeLimits;
}

export interface MergeLimits {
  /** merge.renameLimit: at most this^2 source x destination pairs are compared (7000) */
  renameLimit: number;
  /** blobs larger than this are merged as binary (git: MAX_XDIFF_SIZE, ~1 GiB) */
  maxXdiffBytes: number;
}

export const DEFAULT_MERGE_LIMITS: MergeLimits = { renameLimit: 7000, maxXdiffBytes: 1024 * 1024 * 1023 };

export function newMergeState(finder: ObjectFinder, sink: ObjectSink, labels: MergeLabels, callDepth: number, limits: MergeLimits): MergeState {
  return {
    finder,
    sink,
    labels,
    callDepth,
    paths: new Map(),
    conflicted: new Map(),
    messages: new Map(),
    renames: [newSideRenames(), newSideRenames(), newSideRenames()],
    dirRenameMask: 0,
    limits,
  };
}

/** path_msg: messages of inner merges (call depth > 0) are dropped, as git drops them. */
export function pathMsg(st: MergeState, type: ConflictType, primary: string, others: Array<string | null>, message: string): void {
  if (st.callDepth > 0) return;
  let list = st.messages.get(primary);
  if (!list) st.messages.set(primary, (list = []));
  list.push({ type, paths: [primary, ...others.filter((p): p is string => p !== null)], message });
}

export const sameOid = (a: Buffer | null, b: Buffer | null): boolean => (a === null ? b === null : b !== null && a.equals(b));
export const sameVersion = (a: Version, b: Version): boolean => a.mode === b.mode && sameOid(a.oid, b.oid);

/** S_IFMT of a mode */
export const fmt = (mode: number): number => mode & 0o170000;
export const S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFLNK = 0o120000, S_IFGITLINK = 0o160000;
export const isReg = (mode: number): boolean => fmt(mode) === S_IFREG;

/** "a/b/c" -> "a/b"; a top-level name -> "". */
export function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
