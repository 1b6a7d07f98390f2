/**
 * A new commit made from a list of file changes (reading history: history.ts).
 *
 * A new commit is written as git would: blobs, then every changed tree bottom-up, then
 * the commit (`tree`, `parent`, `author`, `committer`, blank line, the message as given),
 * all put in the store first; then ONE compare-and-swap moves the branch from the head the
 * commit was built on. Of N racing commits on one head exactly one wins; the others get 409
 * with the head that won as `current_sha`.
 *
 * The changes mean what Coregit's commit builder makes of them: a commit to a branch that does
 * not exist starts from `parentSha`, or is a root commit; a delete of a missing path changes
 * nothing; edits are applied as services/text-edit.ts says. Where Coregit would fail with a
 * 500 (an edit or rename of a missing file, edits of a file that is not UTF-8) this says 422.
 *
 * Every new object passes the fsck a push passes, at the server's levels, before anything is
 * stored (fsck-new-objects.ts). A path that is plainly not one git can hold is refused first,
 * as a bad request field (400); so is a date git cannot write (before 1970: git writes seconds
 * since the epoch, unsigned).
 */
import { isUtf8 } from 'node:buffer';
import { GitwellError, invalid, unprocessable } from '../core/errors.js';
import { serializeCommit } from '../core/object/commit.js';
import { isDotGitName } from '../core/object/dotfile-names.js';
import { DEFAULT_FSCK_LEVELS, type FsckLevels, type FsckMsgId } from '../core/object/fsck-ids.js';
import { MODE_EXEC, MODE_FILE, MODE_LINK } from '../core/object/tree.js';
import { hashObject, oidToHex, TYPE_CODE } from '../core/oid.js';
import type { Ident } from '../core/object/ident.js';
import type { RefUpdateResult, RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { commitTree, isSha, resolveCommit } from './objects.js';
import { branchRef } from './refs.js';
import { applyEdits, EditError, type TextEdit } from './text-edit.js';
import { blobObject, TreeEditor, type NewObject, type TreeNode } from './tree-edit.js';
import { fsckNewObjects } from './fsck-new-objects.js';
import { writeGate } from './gc.js';

export interface PersonInput {
  name: string;
  email: string;
  /** ISO 8601; its offset becomes the commit's zone. Default: now, +0000. */
  date?: string;
}

export interface ChangeInput {
  action?: 'create' | 'edit' | 'delete' | 'rename';
  path: string;
  content?: string;
  encoding?: 'utf-8' | 'base64';
  mode?: '100644' | '100755' | '120000';
  edits?: TextEdit[];
  newPath?: string;
}

export interface CommitInput {
  branch: string;
  message: string;
  author: PersonInput;
  committer?: PersonInput;
  /** the head the commit is made on (compare-and-swap) */
  parentSha?: string;
  changes: ChangeInput[];
}

export interface CommitLimits {
  maxFiles: number;
  maxFileBytes: number;
  /** called with the bytes of objects new to the store, before they are written (quota) */
  beforeWrite?(newBytes: number): void;
  /** called with the same bytes when they were not written after all (the branch moved) */
  notWritten?(newBytes: number): void;
  /** called with the same bytes once written; they were added to `storageKey`'s storage_bytes in the commit's transaction */
  written?(newBytes: number): void;
  /** the usage counter the new bytes count against (the org), added in the commit's own transaction */
  storageKey?: string;
  /** the server's fsck levels (default: gitwell's defaults) */
  fsck?: FsckLevels;
}

/** What a write of new objects tells the quota (commits, merges, cherry-picks). */
export type StorageLimits = Pick<CommitLimits, 'beforeWrite' | 'notWritten' | 'written' | 'storageKey' | 'fsck'>;

export interface CommitResult {
  sha: string;
  treeSha: string;
  branch: string;
  /** the commit's parent; null for a root commit */
  parent: string | null;
}

const MODES: Record<string, number> = { '100644': MODE_FILE, '100755': MODE_EXEC, '120000': MODE_LINK };
const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Splits and checks a path as git fsck would judge the tree it makes: a ".", ".." or ".git"
 * segment is refused while its fsck id is an error (the tree would be refused anyway).
 */
export function checkPath(path: string, field: string, levels: FsckLevels = DEFAULT_FSCK_LEVELS): string[] {
  const bad = (why: string, fsck?: FsckMsgId) => invalid(`${field}: ${why}${fsck ? ` (fsck: ${fsck})` : ''}`, { field, path, ...(fsck ? { fsck } : {}) });
  if (path === '') throw bad('path is empty');
  if (path.length > 4096) throw bad('path is longer than 4096 characters');
  if (path.startsWith('/')) throw bad('path must be relative (no leading "/")');
  if (path.includes('\0')) throw bad('path contains a NUL byte');
  const segs = path.split('/');
  for (const s of segs) {
    if (s === '') throw bad('path has an empty segment');
    const id: FsckMsgId | null = s === '.' ? 'hasDot' : s === '..' ? 'hasDotdot' : isDotGitName(s) ? 'hasDotgit' : null;
    if (id && levels[id] === 'error') throw bad(id === 'hasDotgit' ? 'path has a ".git" segment' : `path has a "${s}" segment`, id);
  }
  return segs;
}

export function ident(p: PersonInput, field: string, now: number): Ident {
  if (p.date === undefined) return { name: p.name.trim(), email: p.email.trim(), time: now, tz: '+0000' };
  const ms = Date.parse(p.date);
  if (Number.isNaN(ms)) throw invalid(`${field}.date is not an ISO 8601 date`, { field: `${field}.date` });
  // git's date is an unsigned count of seconds: there is no way to write one before the epoch
  if (ms < 0) {
    throw invalid(`${field}.date ${p.date} is before 1970-01-01T00:00:00Z, which a git commit cannot hold (fsck: badDate)`, {
      field: `${field}.date`,
      fsck: 'badDate',
    });
  }
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(p.date);
  const tz = m ? `${m[1]}${m[2]}${m[3]}` : '+0000';
  return { name: p.name.trim(), email: p.email.trim(), time: Math.floor(ms / 1000), tz };
}

function decode(c: ChangeInput, field: string, limits: CommitLimits): Buffer {
  const content = c.content ?? '';
  let data: Buffer;
  if (c.encoding === 'base64') {
    const compact = content.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !BASE64_RE.test(compact)) throw invalid(`${field}.content is not valid base64`, { field: `${field}.content` });
    data = Buffer.from(compact, 'base64');
  } else data = Buffer.from(content, 'utf8');
  // Coregit refuses an oversized file as a bad request (400), before it writes anything
  if (data.length > limits.maxFileBytes) {
    throw invalid(`File content exceeds ${limits.maxFileBytes} bytes: ${c.path}`, {
      limit: 'commit_max_file_bytes',
      max: limits.maxFileBytes,
      size: data.length,
      field: `${field}.content`,
    });
  }
  return data;
}

function fileAt(store: Store, tree: TreeEditor, segs: string[], field: string): TreeNode & { dir: false } {
  const node = tree.get(segs);
  if (!node) throw unprocessable(`${segs.join('/')} does not exist`, { field: `${field}.path`, path: segs.join('/') });
  if (node.dir) throw unprocessable(`${segs.join('/')} is a directory`, { field: `${field}.path`, path: segs.join('/') });
  return node;
}

function applyChange(store: Store, tree: TreeEditor, c: ChangeInput, i: number, limits: CommitLimits, out: NewObject[]): void {
  const field = `changes.${i}`;
  const segs = checkPath(c.path, `${field}.path`, limits.fsck);
  const action = c.action ?? 'create';
  const mode = c.mode === undefined ? undefined : MODES[c.mode];
  const putBlob = (path: string[], data: Buffer, m: number) => {
    const blob = blobObject(data);
    out.push(blob);
    tree.put(path, { dir: false, mode: m, oid: blob.oid });
  };

  switch (action) {
    case 'create': {
      if (c.content === undefined) throw invalid(`${field}.content is required to create a file`, { field: `${field}.content` });
      const existing = tree.get(segs);
      putBlob(segs, decode(c, field, limits), mode ?? (existing && !existing.dir ? existing.mode : MODE_FILE));
      return;
    }
    case 'edit': {
      const node = fileAt(store, tree, segs, field);
      let data: Buffer;
      if (c.edits && c.edits.length > 0) {
        const o = store.getObject(node.oid);
        if (!o || !isUtf8(o.data)) throw unprocessable(`${c.path} is not UTF-8 text: edits need text`, { field: `${field}.edits`, path: c.path });
        let text: string;
        try {
          text = applyEdits(o.data.toString('utf8'), c.edits);
        } catch (e) {
          if (!(e instanceof EditError)) throw e;
          throw new GitwellError(
            'UNPROCESSABLE',
            `${c.path}: edit ${e.index}: ${e.message}`,
            { field: `${field}.edits.${e.index}`, path: c.path, edit: e.index, ...e.details },
            { context: e.context },
          );
        }
        data = decode({ ...c, content: text, encoding: 'utf-8' }, field, limits);
      } else if (c.content !== undefined) {
        data = decode(c, field, limits);
      } else if (mode !== undefined) {
        tree.put(segs, { dir: false, mode, oid: node.oid });
        return;
      } else throw invalid(`${field}: an edit needs edits, content or mode`, { field: `${field}.edits` });
      putBlob(segs, data, mode ?? node.mode);
      return;
    }
    case 'delete': {
      // deleting what is not there leaves the tree as it is (Coregit's Map.delete)
      tree.remove(segs);
      return;
    }
    case 'rename': {
      if (c.newPath === undefined) throw invalid(`${field}.new_path is required to rename`, { field: `${field}.new_path` });
      const to = checkPath(c.newPath, `${field}.new_path`, limits.fsck);
      if (tree.get(to)) throw unprocessable(`${c.newPath} already exists`, { field: `${field}.new_path`, path: c.newPath });
      const node = tree.remove(segs);
      if (!node) throw unprocessable(`${c.path} does not exist`, { field: `${field}.path`, path: c.path });
      if (c.content !== undefined && !node.dir) putBlob(to, decode(c, field, limits), mode ?? node.mode);
      else tree.put(to, node.dir || mode === undefined ? node : { ...node, mode });
      return;
    }
  }
}

/**
 * Where a new commit starts, as Coregit's commit builder decides: the branch head (which
 * `parentSha`, when given, must equal), else `parentSha` (a new branch from that commit), else
 * nothing: a commit to a new branch without `parentSha` is a root commit (an orphan branch).
 */
function baseOf(store: Store, repo: RepoRecord, input: CommitInput, head: string | null): string | null {
  if (input.parentSha !== undefined) {
    if (!isSha(input.parentSha)) throw invalid('parent_sha must be a full 40-hex sha', { field: 'parent_sha' });
    const parent = input.parentSha.toLowerCase();
    if (head !== null && head !== parent) {
      throw new GitwellError(
        'CONFLICT',
        'Branch has moved since parent_sha. Fetch latest HEAD and retry.',
        { branch: input.branch, current_sha: head, expected_sha: parent },
        { current_sha: head },
      );
    }
    return head ?? oidToHex(resolveCommit(store, repo, parent));
  }
  return head;
}

/** `by`: who commits (audited with the ref update, in its transaction). */
export async function createCommit(store: Store, repo: RepoRecord, input: CommitInput, limits: CommitLimits, by: WriteContext = {}): Promise<CommitResult> {
  const ref = branchRef(input.branch);
  if (input.changes.length > limits.maxFiles) {
    throw invalid(`Maximum ${limits.maxFiles} file changes per commit`, { limit: 'commit_max_files', max: limits.maxFiles, count: input.changes.length, field: 'changes' });
  }
  const now = Math.floor(Date.now() / 1000);
  const author = ident(input.author, 'author', now);
  const committer = input.committer ? ident(input.committer, 'committer', now) : { ...author, time: input.author.date ? author.time : now };

  const head = store.getRef(repo.id, ref) ?? null;
  const base = baseOf(store, repo, input, head);
  const tree = new TreeEditor(store, base ? commitTree(store, Buffer.from(base, 'hex')) : null);
  const objects: NewObject[] = [];
  input.changes.forEach((c, i) => applyChange(store, tree, c, i, limits, objects));
  const treeOid = tree.write(objects);

  // the message as given, as Coregit writes it (git needs no final newline)
  const commit = { tree: oidToHex(treeOid), parents: base ? [base] : [], author, committer, message: input.message };
  const sha = await writeCommit(store, repo, input.branch, head, commit, objects, limits, by);
  return { sha, treeSha: oidToHex(treeOid), branch: input.branch, parent: base };
}

/**
 * How every commit the API makes is stored (commits, merges, cherry-picks, a new repo's initial
 * commit): the commit object joins `objects` (the blobs and trees it needs that may not be
 * stored yet), and all of them are stored with the branch's move from `head`, in one
 * transaction of the store's writer, only if the branch is still at `head`: a commit that loses
 * a race leaves nothing, and its quota charge is given back. Returns the commit's sha; 409 with
 * `current_sha` (at the top of the body, as Coregit answers) when the branch moved.
 * `by`: who commits (audited with the ref update, in its transaction).
 */
export async function writeCommit(
  store: Store, repo: RepoRecord, branch: string, head: string | null, commit: Parameters<typeof serializeCommit>[0],
  objects: NewObject[], limits: StorageLimits, by: WriteContext = {},
): Promise<string> {
  const data = serializeCommit(commit);
  const commitOid = hashObject('commit', data);
  objects.push({ oid: commitOid, type: TYPE_CODE.commit, data });
  fsckNewObjects(store, repo, objects, limits.fsck ?? DEFAULT_FSCK_LEVELS);

  let fresh = 0;
  if (limits.beforeWrite) {
    for (const o of objects) if (!store.hasObject(o.oid)) fresh += o.data.length;
    limits.beforeWrite(fresh);
  }
  // the objects are stored with the ref, only if it moves: a commit that loses a race leaves nothing
  const sha = oidToHex(commitOid);
  let r: RefUpdateResult;
  try {
    const write: WriteContext = limits.storageKey && fresh > 0 ? { ...by, usage: { [limits.storageKey]: { storage_bytes: fresh } } } : by;
    // an object of the commit may be in the store already, held by no repo: the collector
    // must not take it between now and the transaction that makes it a member (services/gc.ts)
    [r] = await writeGate(store).write(() => store.updateRefs(repo.id, [{ name: branchRef(branch), expect: head, next: sha }], objects.map((o) => o.oid), true, objects, write));
  } catch (e) {
    // nothing was written (a full disk fails the whole transaction)
    limits.notWritten?.(fresh);
    throw e;
  }
  if (!r.ok) {
    limits.notWritten?.(fresh);
    throw new GitwellError(
      'CONFLICT',
      `Concurrent branch update. Retry. (branch ${branch} is at ${r.current ?? 'nothing'})`,
      { branch, current_sha: r.current, expected_sha: head },
      { current_sha: r.current },
    );
  }
  limits.written?.(fresh);
  return sha;
}
