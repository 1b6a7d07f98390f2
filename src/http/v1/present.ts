/**
 * The /v1 presenter: domain values in, Coregit's JSON out, field for field as Coregit's route
 * code writes it (coregit-inc/coregit-api, src/routes/*.ts), followed by gitwell's extra
 * fields. Every wire shape of the /v1 dialect lives here (schemas-replies.ts describes the same
 * shapes to OpenAPI); the services know nothing of snake_case or of URLs.
 */
import type { Commit } from '../../core/object/commit.js';
import type { Ident } from '../../core/object/ident.js';
import type { DiffResult, FileDiff } from '../../core/diff/file-diff.js';
import type { RepoRecord, SnapshotRecord } from '../../../storage/index.js';
import type { CompareResult } from '../../services/compare.js';
import type { CommitResult } from '../../services/commits.js';
import type { Fork } from '../../services/forks.js';
import type { CommitEntry } from '../../services/history.js';
import type { RefChange } from '../../services/refs.js';
import { repoPath } from '../../services/repos.js';

/** ISO 8601 in the ident's own zone ("2024-01-02T03:04:05+02:00", "…Z" for +0000). */
export function isoDate(id: Ident): string {
  const sign = id.tz[0] === '-' ? -1 : 1;
  const offMin = sign * (Number(id.tz.slice(1, 3)) * 60 + Number(id.tz.slice(3, 5)));
  const local = new Date((id.time + offMin * 60) * 1000).toISOString().slice(0, 19);
  return offMin === 0 ? `${local}Z` : `${local}${id.tz.slice(0, 3)}:${id.tz.slice(3)}`;
}

// ---- repositories (routes/repos.ts)

/** A repo as GET /v1/repos lists it. */
export function repoItem(r: RepoRecord, baseUrl: string) {
  const apiPath = r.namespace ? `${r.namespace}/${r.slug}` : r.slug;
  return {
    id: String(r.id),
    namespace: r.namespace,
    slug: r.slug,
    // Coregit keeps "no description" as null
    description: r.description === '' ? null : r.description,
    default_branch: r.defaultBranch,
    visibility: r.visibility,
    is_template: r.isTemplate === true,
    forked_from: r.forkedFrom ? { repo_id: String(r.forkedFrom.repoId), org_id: r.forkedFrom.org } : null,
    git_url: `${baseUrl}/${repoPath(r)}.git`,
    api_url: `${baseUrl}/v1/repos/${apiPath}`,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    org: r.org,
    deny_non_fast_forwards: r.denyNonFastForwards,
  };
}

/** A repo as GET /v1/repos/:slug answers it (and POST, PATCH). */
export function repo(r: RepoRecord, isEmpty: boolean, baseUrl: string) {
  const { git_url, api_url, created_at, updated_at, org, deny_non_fast_forwards, ...head } = repoItem(r, baseUrl);
  return { ...head, is_empty: isEmpty, git_url, api_url, created_at, updated_at, org, deny_non_fast_forwards };
}

/** POST /v1/repos/:slug/fork (routes/forks.ts). */
export function fork(f: Fork, baseUrl: string) {
  const src = f.source;
  return {
    ...repo(f.repo, false, baseUrl),
    forked_from: { repo_id: String(src.id), org_id: src.org, slug: src.slug, namespace: src.namespace },
    fork_mode: f.mode,
    fork_depth: f.repo.forkDepth ?? 0,
    fork_root: String(f.repo.forkRoot ?? f.repo.id),
    // every object is the fork's the moment it exists: nothing is left to do in the background
    blob_materialization: 'sync' as const,
    shared_blobs: f.shared,
    owned_blobs: 0,
  };
}

// ---- commits (routes/commits.ts, routes/compare.ts)

export function commit({ sha, commit: c }: CommitEntry) {
  return commitOf(sha, c);
}

function commitOf(sha: string, c: Commit) {
  return {
    sha,
    message: c.message,
    tree: c.tree,
    author_name: c.author.name,
    author_email: c.author.email,
    timestamp: c.author.time,
    parents: c.parents,
    author: { name: c.author.name, email: c.author.email, date: isoDate(c.author) },
    committer: { name: c.committer.name, email: c.committer.email, date: isoDate(c.committer) },
  };
}

/** A commit as compare lists it: the author's name as `author`, its time in UTC. */
function compareCommit({ sha, commit: c }: CommitEntry) {
  return { sha, message: c.message, author: c.author.name, email: c.author.email, date: new Date(c.author.time * 1000).toISOString() };
}

export function commitCreated(r: CommitResult) {
  return { sha: r.sha, tree_sha: r.treeSha, branch: r.branch, parent: r.parent ?? '' };
}

// ---- refs (routes/refs.ts, routes/branches.ts)

export function refChange(c: RefChange) {
  return { ref: c.ref, sha: c.sha, previous_sha: c.previous };
}

// ---- diff and compare (routes/diff.ts, routes/compare.ts)

const STATUS = { added: 'added', deleted: 'removed', modified: 'modified', type_changed: 'modified' } as const;

/** The file's patch as Coregit writes it: its two header lines, then the hunks. */
function patchOf(f: FileDiff): string | null {
  if (f.binary || f.tooLarge) return f.status === 'added' ? 'Binary file added' : f.status === 'deleted' ? 'Binary file deleted' : 'Binary files differ';
  if (!f.patch) return null; // no line changed (a mode change)
  const from = f.oldSha === null ? '/dev/null' : `a/${f.path}`;
  const to = f.newSha === null ? '/dev/null' : `b/${f.path}`;
  return `--- ${from}\n+++ ${to}\n${f.patch}`;
}

function fileDiff(f: FileDiff, withPatch: boolean) {
  return {
    path: f.path,
    status: STATUS[f.status],
    old_sha: f.oldSha,
    new_sha: f.newSha,
    ...(withPatch ? { patch: patchOf(f) } : {}),
    old_mode: f.oldMode,
    new_mode: f.newMode,
    additions: f.additions,
    deletions: f.deletions,
    binary: f.binary,
    ...(f.tooLarge ? { too_large: true } : {}),
    ...(f.limited ? { limited: true } : {}),
  };
}

function files(d: DiffResult, withPatch: boolean) {
  return { files: d.files.map((f) => fileDiff(f, withPatch)), total_files_changed: d.files.length, total_additions: d.totalAdditions, total_deletions: d.totalDeletions };
}

function diffExtras(d: DiffResult) {
  return { total_files: d.files.length, too_large_files: d.tooLargeFiles, truncated: d.truncated };
}

export function diff(d: DiffResult & { base: string; head: string }, withPatch: boolean) {
  return { base: d.base, head: d.head, ...files(d, withPatch), ...diffExtras(d) };
}

export function compare(c: CompareResult, withPatch: boolean) {
  // Coregit has no merge to check when head has nothing base lacks (and calls the same commit mergeable)
  const mergeable = c.base === c.head ? true : c.aheadBy === 0 ? null : c.mergeable;
  return {
    base: c.base,
    head: c.head,
    merge_base: c.mergeBase,
    ahead_by: c.aheadBy,
    behind_by: c.behindBy,
    commits: c.commits.map(compareCommit),
    ...files(c, withPatch),
    mergeable,
    conflicts: [...new Set(c.conflicts.map((x) => x.path))],
    // gitwell's: each conflict with its kind, as git merge-tree reports it (the merge engine's)
    conflict_details: c.conflicts.map((x) => ({ path: x.path, kind: x.kind })),
    total_commits: c.totalCommits,
    ...diffExtras(c),
  };
}

// ---- snapshots (routes/snapshots.ts)

export function snapshot(s: SnapshotRecord) {
  return { name: s.name, branch: s.branch, commit_sha: s.commitSha, metadata: s.metadata, created_at: s.createdAt };
}
