/**
 * The file-by-file diff of two trees: the tree diff, then per file a line diff by the WASM
 * core's Myers (additions/deletions as `git diff --numstat`), optionally each file's hunks,
 * or the whole unified patch (patch.ts, which `git apply` reads).
 *
 * Guards: a file whose side is larger than `maxFileBytes` or has more than `maxFileLines`
 * lines, or that comes after `maxTotalBytes` of diffed content, is listed with
 * `tooLarge: true` and no line counts or hunks (in a unified patch it reads as git prints a
 * file over core.bigFileThreshold: "Binary files ... differ"). Myers runs with xdiff's cost
 * limit, so no single file can go quadratic; a file whose script the limit made non-minimal
 * says `limited: true`; `minimal` lifts the limit (git diff --minimal) for files of up to
 * `minimalMaxLines` lines. A gitlink diffs as git shows it: one "Subproject commit <sha>" line.
 */
import { GitwellError } from '../errors.js';
import type { ObjectFinder } from '../object/finder.js';
import { MODE_GITLINK } from '../object/tree.js';
import { oidToHex } from '../oid.js';
import { isBinary } from './binary.js';
import { internPair } from './lines.js';
import { diffInterned, type LineDiff } from './myers.js';
import { DEFAULT_CONTEXT, hunksText, PatchSink, writeFileSection, type PatchContent } from './patch.js';
import { diffTreesSteps, type ChangeStatus, type TreeChange } from './tree-diff.js';
import { finish, type Steps } from '../slice.js';

export interface DiffLimits {
  /** larger blobs are not line-diffed */
  maxFileBytes: number;
  /** files with more lines (either side) are not line-diffed */
  maxFileLines: number;
  /** bytes of blob content line-diffed per request; later files are tooLarge */
  maxTotalBytes: number;
  /** most changed files listed; past it the list stops with `truncated` */
  maxFiles: number;
  /** Myers cost limit; undefined = xdiff's default */
  costLimit?: number;
  /** with `minimal`, files with at most this many lines (both sides) run without a cost limit */
  minimalMaxLines: number;
  /** most commits listed by compare (ahead_by still counts them all) */
  maxCommits: number;
}

export const DEFAULT_LIMITS: DiffLimits = {
  maxFileBytes: 2 * 1024 * 1024,
  maxFileLines: 50_000,
  maxTotalBytes: 64 * 1024 * 1024,
  maxFiles: 10_000,
  minimalMaxLines: 20_000,
  maxCommits: 250,
};

export interface DiffOptions {
  /** each file's hunks in `patch` */
  patch?: boolean;
  context?: number;
  /** also build the whole unified patch (`git diff` output) */
  unified?: boolean;
  /** in the unified patch, binary files as "GIT binary patch" literals (`git diff --binary`) */
  binary?: boolean;
  /** `git diff --minimal`: no cost limit, for files up to limits.minimalMaxLines lines */
  minimal?: boolean;
  limits?: Partial<DiffLimits>;
}

export interface FileDiff {
  path: string;
  status: ChangeStatus;
  oldSha: string | null;
  newSha: string | null;
  /** octal, six digits ("100644"); null on the side where the file is absent */
  oldMode: string | null;
  newMode: string | null;
  additions: number;
  deletions: number;
  binary: boolean;
  /** not line-diffed: over a size or line cap */
  tooLarge?: true;
  /** the diff's cost limit was hit: correct, maybe not minimal */
  limited?: true;
  /** the file's hunks, when asked for */
  patch?: string;
}

export interface DiffResult {
  files: FileDiff[];
  totalAdditions: number;
  totalDeletions: number;
  /** files listed with tooLarge (not line-diffed) */
  tooLargeFiles: number;
  /** the file list stopped at maxFiles */
  truncated: boolean;
  /** the unified patch, when asked for */
  unified?: Buffer;
}

const modeStr = (m: number) => (m === 0 ? null : m.toString(8).padStart(6, '0'));

const EMPTY = Buffer.alloc(0);

/**
 * The content the diff sees for one side: a blob, or for a gitlink git's "Subproject commit"
 * line; null when the blob is larger than `maxBytes` (it is then not copied).
 */
function sideBytes(finder: ObjectFinder, oid: Buffer | null, mode: number, maxBytes: number): Buffer | null {
  if (oid === null) return EMPTY;
  if (mode === MODE_GITLINK) return Buffer.from(`Subproject commit ${oidToHex(oid)}\n`);
  const o = finder.get(oid);
  if (!o || o.type !== 3) throw new GitwellError('NOT_FOUND', `blob ${oidToHex(oid)} not found`);
  if (o.data.length > maxBytes) return null;
  return Buffer.from(o.data); // a copy: the finder's data may be a view the next read reuses
}

/** Whether an unchanged blob is binary (a mode change of a binary file is still "-\t-" in numstat). */
function peekBinary(finder: ObjectFinder, oid: Buffer, mode: number): boolean {
  if (mode === MODE_GITLINK) return false;
  const o = finder.get(oid);
  return o !== undefined && isBinary(o.data);
}

interface Budget {
  left: number;
}

type Content =
  | { kind: 'text'; diff: LineDiff }
  | { kind: 'binary'; old: Buffer; new: Buffer }
  | { kind: 'too_large' }
  | { kind: 'same'; binary: boolean };

/** Classifies and line-diffs one pair of contents (null: a side over maxFileBytes). */
function contentDiff(old: Buffer | null, neu: Buffer | null, limits: DiffLimits, budget: Budget, minimal: boolean): Content {
  if (old === null || neu === null) return { kind: 'too_large' };
  if (old.length + neu.length > budget.left) return { kind: 'too_large' };
  if (isBinary(old) || isBinary(neu)) return { kind: 'binary', old, new: neu };
  budget.left -= old.length + neu.length;
  const p = internPair(old, neu);
  if (p.a.count > limits.maxFileLines || p.b.count > limits.maxFileLines) return { kind: 'too_large' };
  const unlimited = minimal && p.a.count + p.b.count <= limits.minimalMaxLines;
  return { kind: 'text', diff: diffInterned(p, { costLimit: unlimited ? Infinity : limits.costLimit }) };
}

function patchContent(c: Content, binaryLiteral: boolean): PatchContent {
  switch (c.kind) {
    case 'text':
      return { kind: 'text', diff: c.diff };
    case 'binary':
      return binaryLiteral ? { kind: 'binary-literal', old: c.old, new: c.new } : { kind: 'binary-marker' };
    case 'too_large':
      return { kind: 'binary-marker' };
    case 'same':
      return { kind: 'none' };
  }
}

/** Line diff of the trees `a` and `b` (null = empty tree). */
export function diffTreePair(finder: ObjectFinder, a: Buffer | null, b: Buffer | null, opts: DiffOptions = {}): DiffResult {
  return finish(diffTreePairSteps(finder, a, b, opts));
}

/** diffTreePair, stopping for a while after each tree read and each file (core/slice.ts). */
export function* diffTreePairSteps(finder: ObjectFinder, a: Buffer | null, b: Buffer | null, opts: DiffOptions = {}): Steps<DiffResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const context = opts.context ?? DEFAULT_CONTEXT;
  const budget: Budget = { left: limits.maxTotalBytes };
  const { changes, truncated } = yield* diffTreesSteps(finder, a, b, limits.maxFiles);
  const sink = opts.unified ? new PatchSink() : null;
  const files: FileDiff[] = [];
  let totalAdd = 0;
  let totalDel = 0;
  let tooLarge = 0;
  for (const ch of changes) {
    const f = fileDiff(finder, ch, limits, budget, context, opts, sink);
    if (f.tooLarge) tooLarge++;
    totalAdd += f.additions;
    totalDel += f.deletions;
    files.push(f);
    yield;
  }
  return {
    files,
    totalAdditions: totalAdd,
    totalDeletions: totalDel,
    tooLargeFiles: tooLarge,
    truncated,
    ...(sink ? { unified: sink.toBuffer() } : {}),
  };
}

function fileDiff(
  finder: ObjectFinder,
  ch: TreeChange,
  limits: DiffLimits,
  budget: Budget,
  context: number,
  opts: DiffOptions,
  sink: PatchSink | null,
): FileDiff {
  const oldHex = ch.oldOid ? oidToHex(ch.oldOid) : null;
  const newHex = ch.newOid ? oidToHex(ch.newOid) : null;
  const base = {
    path: ch.path.toString('utf8'),
    status: ch.status,
    oldSha: oldHex,
    newSha: newHex,
    oldMode: modeStr(ch.oldMode),
    newMode: modeStr(ch.newMode),
  };
  const load = (oid: Buffer | null, mode: number) => sideBytes(finder, oid, mode, limits.maxFileBytes);
  const min = opts.minimal === true;
  let parts: Array<{ oldSide: boolean; newSide: boolean; c: Content }>;
  if (ch.status === 'type_changed') {
    // a deletion plus an addition of the same path, as git prints it
    parts = [
      { oldSide: true, newSide: false, c: contentDiff(load(ch.oldOid, ch.oldMode), EMPTY, limits, budget, min) },
      { oldSide: false, newSide: true, c: contentDiff(EMPTY, load(ch.newOid, ch.newMode), limits, budget, min) },
    ];
  } else if (oldHex === newHex) {
    parts = [{ oldSide: true, newSide: true, c: { kind: 'same', binary: peekBinary(finder, ch.oldOid!, ch.oldMode) } }];
  } else {
    const c = contentDiff(load(ch.oldOid, ch.oldMode), load(ch.newOid, ch.newMode), limits, budget, min);
    parts = [{ oldSide: ch.oldOid !== null, newSide: ch.newOid !== null, c }];
  }

  let additions = 0;
  let deletions = 0;
  let binary = false;
  let large = false;
  let limited = false;
  let patch = '';
  for (const p of parts) {
    if (p.c.kind === 'text') {
      additions += p.c.diff.additions;
      deletions += p.c.diff.deletions;
      limited ||= p.c.diff.limited;
      if (opts.patch) patch += hunksText(p.c.diff, context);
    } else if (p.c.kind === 'binary' || (p.c.kind === 'same' && p.c.binary)) binary = true;
    else if (p.c.kind === 'too_large') large = true;
    if (sink) {
      writeFileSection(
        sink,
        {
          oldPath: p.oldSide ? ch.path : null,
          newPath: p.newSide ? ch.path : null,
          oldMode: p.oldSide ? ch.oldMode : 0,
          newMode: p.newSide ? ch.newMode : 0,
          oldOid: p.oldSide ? oldHex : null,
          newOid: p.newSide ? newHex : null,
          content: patchContent(p.c, opts.binary === true),
        },
        context,
      );
    }
  }
  const f: FileDiff = { ...base, additions: large ? 0 : additions, deletions: large ? 0 : deletions, binary };
  if (large) f.tooLarge = true;
  if (limited) f.limited = true;
  if (opts.patch && !large && !binary) f.patch = patch;
  return f;
}

