/**
 * The /v1 presenter: domain values in, Coregit's JSON out. Every wire shape of the /v1 dialect
 * lives here (and the zod schemas of schemas.ts describe the same shapes to OpenAPI); the
 * services know nothing of snake_case or of URLs.
 */
import type { Commit } from '../../core/object/commit.js';
import type { Ident } from '../../core/object/ident.js';
import type { DiffResult, FileDiff } from '../../core/diff/file-diff.js';
import type { RepoRecord } from '../../../storage/index.js';
import type { CompareResult } from '../../services/compare.js';
import type { CommitResult } from '../../services/commits.js';
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

export function repo(r: RepoRecord, isEmpty: boolean, baseUrl: string) {
  const apiPath = r.namespace ? `${r.namespace}/${r.slug}` : r.slug;
  return {
    id: String(r.id),
    org: r.org,
    namespace: r.namespace,
    slug: r.slug,
    description: r.description,
    visibility: r.visibility,
    default_branch: r.defaultBranch,
    git_url: `${baseUrl}/${repoPath(r)}.git`,
    api_url: `${baseUrl}/v1/repos/${apiPath}`,
    deny_non_fast_forwards: r.denyNonFastForwards,
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    is_empty: isEmpty,
  };
}

export function commit({ sha, commit: c }: CommitEntry) {
  return commitOf(sha, c);
}

function commitOf(sha: string, c: Commit) {
  return {
    sha,
    tree: c.tree,
    parents: c.parents,
    message: c.message,
    author_name: c.author.name,
    author_email: c.author.email,
    /** author time, Unix seconds */
    timestamp: c.author.time,
    author: { name: c.author.name, email: c.author.email, date: isoDate(c.author) },
    committer: { name: c.committer.name, email: c.committer.email, date: isoDate(c.committer) },
  };
}

export function commitCreated(r: CommitResult) {
  return { sha: r.sha, tree_sha: r.treeSha, branch: r.branch, parent: r.parent };
}

export function refChange(c: RefChange) {
  return { ref: c.ref, sha: c.sha, previous_sha: c.previous };
}

function fileDiff(f: FileDiff) {
  return {
    path: f.path,
    status: f.status,
    old_sha: f.oldSha,
    new_sha: f.newSha,
    old_mode: f.oldMode,
    new_mode: f.newMode,
    additions: f.additions,
    deletions: f.deletions,
    binary: f.binary,
    ...(f.tooLarge ? { too_large: true } : {}),
    ...(f.limited ? { limited: true } : {}),
    ...(f.patch !== undefined ? { patch: f.patch } : {}),
  };
}

function diffBody(d: DiffResult) {
  return {
    files: d.files.map(fileDiff),
    total_additions: d.totalAdditions,
    total_deletions: d.totalDeletions,
    total_files: d.files.length,
    too_large_files: d.tooLargeFiles,
    truncated: d.truncated,
  };
}

export function diff(d: DiffResult & { base: string; head: string }) {
  return { base: d.base, head: d.head, ...diffBody(d) };
}

export function compare(c: CompareResult) {
  return {
    base: c.base,
    head: c.head,
    ...diffBody(c),
    merge_base: c.mergeBase,
    ahead_by: c.aheadBy,
    behind_by: c.behindBy,
    total_commits: c.totalCommits,
    commits: c.commits.map(commit),
    mergeable: c.mergeable,
    conflicts: c.conflicts,
  };
}
