/**
 * Three-way merges of trees and of commits with git's merge-ort rules (merge-ort.c:
 * merge_ort_nonrecursive_internal, merge_ort_internal). Pure: objects are read through an
 * ObjectFinder and the merged blobs and trees are returned, never written.
 *
 *   mergeTrees(base, ours, theirs)   one merge: collect (collect.ts), renames (renames.ts),
 *                                    per path (process.ts)
 *   mergeCommits(ours, theirs)       the merge bases first; several (a criss-cross history)
 *                                    are merged into one virtual base, oldest first, each
 *                                    pair by the same rules one level down (labels "Temporary
 *                                    merge branch 1/2", markers 2 longer, no messages, no
 *                                    directory renames), as `git merge-tree` does
 *
 * A result lists the logical conflicts git reports (primary path, kind, every path involved,
 * git's message) and the paths left conflicted with their stages, as `git merge-tree` shows.
 */
import type { ObjectFinder } from '../object/finder.js';
import { parseTree } from '../object/tree.js';
import { hashObject, oidToHex } from '../oid.js';
import { OBJ_BLOB, OBJ_TREE } from '../../wasm.js';
import { CommitGraph, type CommitInfo } from '../commit-graph.js';
import { GitwellError } from '../errors.js';
import { collectMergeInfo } from './collect.js';
import { mergeBasesSteps, type CommitSource } from './merge-base.js';
import { finish, type Steps } from '../slice.js';
import { processEntries } from './process.js';
import { detectAndProcessRenames } from './renames.js';
import {
  CONFLICT_TYPES, DEFAULT_MERGE_LIMITS, newMergeState, type MergeLabels, type MergeLimits, type ObjectSink, type Version,
} from './state.js';

export interface MergeConflict {
  /** the path the conflict is reported on (UTF-8) */
  path: string;
  /** "content", "add/add", "modify/delete", "rename/delete", ... (kindOf) */
  kind: string;
  /** every path involved, the reported one first */
  paths: string[];
  message: string;
}

export interface ConflictedPath {
  path: string;
  /** base, ours, theirs: null where that stage is absent */
  stages: [Version | null, Version | null, Version | null];
}

export interface NewObject {
  oid: Buffer;
  type: number;
  data: Buffer;
}

export interface TreeMergeResult {
  /** the merged tree; conflicted files hold conflict markers */
  tree: Buffer;
  clean: boolean;
  conflicts: MergeConflict[];
  conflicted: ConflictedPath[];
  /** every object the merge made (blobs and trees), by latin1 oid; see newObjectsFor */
  objects: Map<string, NewObject>;
}

export interface MergeOptions {
  /** labels of the two sides in conflict markers and messages (git: the names given to merge-tree) */
  ours?: string;
  theirs?: string;
  limits?: Partial<MergeLimits>;
}

/** git's short conflict descriptions -> the kinds this API reports; contents are split by reason. */
const KINDS: Record<string, string> = {
  [CONFLICT_TYPES.binary]: 'binary',
  [CONFLICT_TYPES.fileDirectory]: 'file/directory',
  [CONFLICT_TYPES.distinctModes]: 'distinct types',
  [CONFLICT_TYPES.modifyDelete]: 'modify/delete',
  [CONFLICT_TYPES.renameRename]: 'rename/rename',
  [CONFLICT_TYPES.renameCollides]: 'rename involved in collision',
  [CONFLICT_TYPES.renameDelete]: 'rename/delete',
  [CONFLICT_TYPES.dirRenameSuggested]: 'directory rename suggested',
  [CONFLICT_TYPES.dirRenameFileInWay]: 'file in way of directory rename',
  [CONFLICT_TYPES.dirRenameCollision]: 'directory rename collision',
  [CONFLICT_TYPES.dirRenameSplit]: 'directory rename split',
  [CONFLICT_TYPES.submoduleNotInitialized]: 'submodule not initialized',
};

/**
 * The kind a git conflict message (type + text) is reported as, or null for notes that are no
 * conflict ("Auto-merging", a skipped directory rename). Exported for tests that read
 * `git merge-tree -z` output the same way.
 */
export function kindOf(type: string, message: string): string | null {
  if (type === CONFLICT_TYPES.contents) return /^CONFLICT \(([^)]*)\)/.exec(message)?.[1] ?? 'content';
  return KINDS[type] ?? null;
}

const utf8 = (latin1: string) => Buffer.from(latin1, 'latin1').toString('utf8');
const bytes = (label: string) => Buffer.from(label, 'utf8').toString('latin1');

class Overlay implements ObjectSink, ObjectFinder {
  readonly objects = new Map<string, NewObject>();
  constructor(private readonly base: ObjectFinder) {}
  put(type: 'blob' | 'tree', data: Buffer): Buffer {
    const oid = hashObject(type, data);
    const key = oid.toString('latin1');
    if (!this.objects.has(key)) this.objects.set(key, { oid, type: type === 'blob' ? OBJ_BLOB : OBJ_TREE, data });
    return oid;
  }
  get(oid: Uint8Array) {
    const o = this.objects.get(Buffer.from(oid.buffer, oid.byteOffset, oid.byteLength).toString('latin1'));
    return o ? { type: o.type, data: o.data } : this.base.get(oid);
  }
  info(oid: Uint8Array) {
    const o = this.objects.get(Buffer.from(oid.buffer, oid.byteOffset, oid.byteLength).toString('latin1'));
    if (o) return { type: o.type, size: o.data.length };
    if (this.base.info) return this.base.info(oid);
    const b = this.base.get(oid);
    return b ? { type: b.type, size: b.data.length } : undefined;
  }
}

function* runMerge(
  overlay: Overlay, base: Buffer, ours: Buffer, theirs: Buffer, labels: MergeLabels, callDepth: number, limits: MergeLimits,
): Steps<Omit<TreeMergeResult, 'objects'>> {
  const st = newMergeState(overlay, overlay, labels, callDepth, limits);
  collectMergeInfo(st, base, ours, theirs);
  let clean = detectAndProcessRenames(st);
  const tree = yield* processEntries(st);
  clean = clean && st.conflicted.size === 0;
  const conflicts: MergeConflict[] = [];
  for (const primary of [...st.messages.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const m of st.messages.get(primary)!) {
      const kind = kindOf(m.type, m.message);
      if (kind !== null) conflicts.push({ path: utf8(primary), kind, paths: m.paths.map(utf8), message: utf8(m.message) });
    }
  }
  const conflicted = [...st.conflicted.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, ci]) => ({
      path: utf8(path),
      stages: [0, 1, 2].map((i) => (ci.filemask & (1 << i) ? { ...ci.stages[i] } : null)) as ConflictedPath['stages'],
    }));
  return { tree, clean, conflicts, conflicted };
}

const limitsOf = (o: MergeOptions | undefined): MergeLimits => ({ ...DEFAULT_MERGE_LIMITS, ...o?.limits });

/** One three-way merge of trees (git merge-tree --write-tree --merge-base=BASE OURS THEIRS). */
export function mergeTrees(finder: ObjectFinder, base: Buffer, ours: Buffer, theirs: Buffer, opts: MergeOptions & { ancestor?: string } = {}): TreeMergeResult {
  const overlay = new Overlay(finder);
  const labels = { branch1: bytes(opts.ours ?? 'ours'), branch2: bytes(opts.theirs ?? 'theirs'), ancestor: bytes(opts.ancestor ?? oidToHex(base).slice(0, 7)) };
  return { ...finish(runMerge(overlay, base, ours, theirs, labels, 0, limitsOf(opts))), objects: overlay.objects };
}

/** A commit graph that also holds the virtual commits made of merged merge bases. */
class VirtualGraph implements CommitSource {
  private readonly virtual = new Map<string, CommitInfo>();
  private n = 0;
  constructor(private readonly real: CommitGraph) {}
  get(oid: string): CommitInfo | null {
    return this.virtual.get(oid) ?? this.real.get(oid);
  }
  add(tree: Buffer, parents: string[]): string {
    const oid = `virtual-${++this.n}`;
    this.virtual.set(oid, { oid, tree: oidToHex(tree), parents, time: 0 });
    return oid;
  }
}

const EMPTY_TREE = Buffer.from('4b825dc642cb6eb9a060e54bf8d69288fbee4904', 'hex');

/** merge_ort_internal: returns the result tree of merging commit h1 with h2. */
function* mergeOrt(
  g: VirtualGraph, overlay: Overlay, bases: string[] | null, h1: string, h2: string, labels: MergeLabels, depth: number, limits: MergeLimits,
): Steps<Omit<TreeMergeResult, 'objects'>> {
  const list = bases ?? (yield* mergeBasesSteps(g, h1, h2)).reverse();
  let merged: { oid: string | null; tree: Buffer };
  let ancestor: string;
  if (list.length === 0) {
    merged = { oid: null, tree: EMPTY_TREE };
    ancestor = 'empty tree';
  } else {
    merged = { oid: list[0], tree: Buffer.from(g.get(list[0])!.tree, 'hex') };
    ancestor = list.length > 1 ? 'merged common ancestors' : list[0].slice(0, 7);
  }
  for (const next of list.slice(1)) {
    const inner = { branch1: 'Temporary merge branch 1', branch2: 'Temporary merge branch 2', ancestor: '' };
    const r = yield* mergeOrt(g, overlay, null, merged.oid!, next, inner, depth + 1, limits);
    merged = { oid: g.add(r.tree, [merged.oid!, next]), tree: r.tree };
  }
  const treeOf = (oid: string) => Buffer.from(g.get(oid)!.tree, 'hex');
  return yield* runMerge(overlay, merged.tree, treeOf(h1), treeOf(h2), { ...labels, ancestor: bytes(ancestor) }, depth, limits);
}

/**
 * Merges commit `theirs` into commit `ours` (git merge-tree --write-tree OURS THEIRS).
 * `graph` may be shared with other walks of the same repository; unrelated histories merge
 * against the empty tree, as git does when allowed to.
 */
export function mergeCommits(finder: ObjectFinder, ours: string, theirs: string, opts: MergeOptions & { graph?: CommitGraph } = {}): TreeMergeResult & { mergeBases: string[] } {
  return finish(mergeCommitsSteps(finder, ours, theirs, opts));
}

/** mergeCommits in steps: it stops every few hundred commits walked or paths merged (core/slice.ts). */
export function* mergeCommitsSteps(finder: ObjectFinder, ours: string, theirs: string, opts: MergeOptions & { graph?: CommitGraph } = {}): Steps<TreeMergeResult & { mergeBases: string[] }> {
  const graph = opts.graph ?? new CommitGraph(finder);
  for (const c of [ours, theirs]) if (!graph.get(c)) throw new GitwellError('NOT_FOUND', `commit ${c} not found`, { sha: c });
  const g = new VirtualGraph(graph);
  const bases = yield* mergeBasesSteps(g, ours, theirs);
  const overlay = new Overlay(finder);
  const labels = { branch1: bytes(opts.ours ?? ours), branch2: bytes(opts.theirs ?? theirs), ancestor: '' };
  const r = yield* mergeOrt(g, overlay, [...bases].reverse(), ours, theirs, labels, 0, limitsOf(opts));
  return { ...r, objects: overlay.objects, mergeBases: bases };
}

/**
 * The objects a merge made that its result tree needs (a merge also makes objects only its
 * virtual merge bases use): what a caller has to store with the result.
 */
export function newObjectsFor(result: Pick<TreeMergeResult, 'tree' | 'objects'>): NewObject[] {
  const out: NewObject[] = [];
  const seen = new Set<string>();
  const stack = [result.tree];
  while (stack.length > 0) {
    const oid = stack.pop()!;
    const key = oid.toString('latin1');
    if (seen.has(key)) continue;
    seen.add(key);
    const o = result.objects.get(key);
    if (!o) continue; // not made by the merge: already stored
    out.push(o);
    if (o.type === OBJ_TREE) for (const e of parseTree(o.data)) stack.push(Buffer.from(e.oid));
  }
  return out;
}
