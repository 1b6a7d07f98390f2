/**
 * The zod schemas of /v1 replies: what present.ts writes, for the OpenAPI document. Fields
 * Coregit's code answers come first; gitwell's extras follow them and say so.
 */
import { z } from 'zod';

const extra = (what: string) => `gitwell: ${what}`;

export const ErrorBody = z.object({
  error: z.string(),
  code: z.enum(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION_ERROR', 'CONFLICT', 'RATE_LIMITED', 'QUOTA_EXCEEDED', 'PAYLOAD_TOO_LARGE', 'RANGE_NOT_SATISFIABLE', 'UNPROCESSABLE', 'TIMEOUT', 'INSUFFICIENT_STORAGE', 'INTERNAL_ERROR']),
  current_sha: z.string().nullable().optional().describe('409 of a ref or branch that moved: where it is now'),
  context: z.string().optional().describe('422 of an edit: the start of the old_string it could not place'),
  size: z.number().optional().describe('400 of a file too large to read without Range: its size'),
  used: z.number().optional().describe('429 QUOTA_EXCEEDED: how much of the quota is used'),
  limit: z.number().optional().describe('429 QUOTA_EXCEEDED: the quota'),
  merged: z.literal(false).optional().describe(extra('409 of a merge: nothing was merged')),
  conflicts: z
    .array(z.object({ path: z.string(), kind: z.string(), message: z.string() }))
    .optional()
    .describe(extra('409 of a merge or cherry-pick: each conflict, as git merge-tree reports it')),
  commit: z.string().optional().describe(extra('409 of a cherry-pick: the commit that does not apply')),
  details: z.record(z.string(), z.unknown()).optional().describe(extra('more about the error (details.field names a bad field)')),
  request_id: z.string().describe(extra('also in X-Request-Id')),
});

const ForkedFrom = z.object({ repo_id: z.string(), org_id: z.string() }).nullable();

export const Repo = z.object({
  id: z.string(),
  namespace: z.string().nullable(),
  slug: z.string(),
  description: z.string().nullable(),
  default_branch: z.string(),
  visibility: z.enum(['public', 'private']),
  is_template: z.boolean(),
  forked_from: ForkedFrom,
  is_empty: z.boolean().describe('no default branch, or nothing in its tree'),
  git_url: z.string(),
  api_url: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  org: z.string().describe(extra("the org's name")),
  deny_non_fast_forwards: z.boolean().describe(extra('pushes must be fast-forwards')),
});

export const RepoListItem = Repo.omit({ is_empty: true });
export const RepoList = z.object({
  repos: z.array(RepoListItem),
  limit: z.number(),
  offset: z.number().optional().describe('only without a cursor'),
  next_cursor: z.string().nullable(),
});
export const Deleted = z.object({ deleted: z.literal(true) });

export const Forked = Repo.extend({
  forked_from: z.object({ repo_id: z.string(), org_id: z.string(), slug: z.string(), namespace: z.string().nullable() }),
  fork_mode: z.enum(['instant', 'deep']),
  fork_depth: z.number(),
  fork_root: z.string(),
  blob_materialization: z.literal('sync'),
  shared_blobs: z.number(),
  owned_blobs: z.number(),
});

export const Branch = z.object({ name: z.string(), sha: z.string() });
export const BranchCreated = Branch.extend({ created: z.literal(true) });
export const BranchList = z.object({ branches: z.array(Branch), default_branch: z.string(), total: z.number(), next_cursor: z.string().nullable() });
export const BranchDeleted = z.object({ deleted: z.literal(true), name: z.string(), ref: z.string().describe(extra('the full ref name')), sha: z.string().describe(extra('where it pointed')) });

const RefItem = z.object({ name: z.string(), sha: z.string(), type: z.enum(['branch', 'tag']) });
export const RefEntry = z.object({ ref: z.string(), sha: z.string() });
export const RefList = z.object({
  branches: z.array(RefItem),
  tags: z.array(RefItem),
  default_branch: z.string(),
  total: z.number().describe('branches and tags in all'),
  next_cursor: z.string().nullable(),
  refs: z.array(RefEntry).describe(extra("this page's refs by full name")),
});
export const RefChange = z.object({ ref: z.string(), sha: z.string(), previous_sha: z.string().nullable() });
export const RefDeleted = z.object({ deleted: z.literal(true), ref: z.string(), sha: z.string().describe('where it pointed') });

export const TreeItem = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['folder', 'file']).describe('a submodule is a file'),
  sha: z.string(),
  mode: z.string().describe('as git writes it: 40000, 100644, 100755, 120000, 160000'),
});
export const Tree = z.object({
  items: z.array(TreeItem).describe('folders first, then by name'),
  path: z.string(),
  ref: z.string(),
  sha: z.string().describe('the tree sha (also the ETag)'),
  truncated: z.boolean(),
  commit_sha: z.string().nullable().describe(extra('the commit the ref named')),
});

export const Blob = z.object({
  content: z.string(),
  encoding: z.enum(['utf-8', 'base64']),
  path: z.string(),
  sha: z.string(),
  size: z.number().describe('size of the whole blob'),
  range: z.object({ start: z.number(), end: z.number(), length: z.number() }).optional().describe('with a Range request (206)'),
});
export const BlobsBatch = z.object({
  ref: z.string(),
  commit_sha: z.string().nullable(),
  blobs: z.array(Blob.omit({ range: true }).extend({ truncated: z.literal(true).optional().describe('larger than max_size: content is empty') })),
  missing: z.array(z.string()),
});

const Person = z.object({ name: z.string(), email: z.string(), date: z.string() });
export const CommitInfo = z.object({
  sha: z.string(),
  message: z.string(),
  tree: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  timestamp: z.number().describe('author time, Unix seconds'),
  parents: z.array(z.string()),
  author: Person.describe(extra('with the date in its own zone')),
  committer: Person.describe(extra('')),
});
export const CommitList = z.object({ commits: z.array(CommitInfo), ref: z.string(), has_more: z.boolean(), next_cursor: z.string().nullable() });
export const CommitCreated = z.object({ sha: z.string(), tree_sha: z.string(), branch: z.string(), parent: z.string().describe('"" for a root commit') });

const FileDiff = z.object({
  path: z.string(),
  status: z.enum(['added', 'removed', 'modified']),
  old_sha: z.string().nullable(),
  new_sha: z.string().nullable(),
  patch: z.string().nullable().optional().describe('with patch=true: "--- a/…", "+++ b/…" and the hunks'),
  old_mode: z.string().nullable().describe(extra('')),
  new_mode: z.string().nullable().describe(extra('')),
  additions: z.number().int().describe(extra('as git diff --numstat')),
  deletions: z.number().int().describe(extra('as git diff --numstat')),
  binary: z.boolean().describe(extra('')),
  too_large: z.literal(true).optional().describe(extra('not line-diffed: over the per-file size/line cap')),
  limited: z.literal(true).optional().describe(extra("the diff's cost limit was hit: correct but maybe not minimal")),
});
export const DiffResponse = z.object({
  base: z.string(),
  head: z.string(),
  files: z.array(FileDiff),
  total_files_changed: z.number().int(),
  total_additions: z.number().int(),
  total_deletions: z.number().int(),
  total_files: z.number().int().describe(extra('the same as total_files_changed')),
  too_large_files: z.number().int().describe(extra('')),
  truncated: z.boolean().describe(extra('the file list stopped at its cap')),
});
export const CompareResponse = DiffResponse.extend({
  merge_base: z.string(),
  ahead_by: z.number().int(),
  behind_by: z.number().int(),
  commits: z
    .array(z.object({ sha: z.string(), message: z.string(), author: z.string(), email: z.string(), date: z.string() }))
    .describe("head's commits that base has not, oldest first (at most 250)"),
  mergeable: z.boolean().nullable().describe('null when head has nothing base lacks'),
  conflicts: z.array(z.string()).describe('the paths merging head into base would conflict on (the merge engine, as git merge-tree)'),
  conflict_details: z
    .array(z.object({ path: z.string(), kind: z.string().describe("git merge-tree's conflict kind: content, add/add, modify/delete, rename/delete, file/directory, ...") }))
    .describe(extra('each conflict with its kind, as git merge-tree reports it')),
  total_commits: z.number().int().describe(extra('commits ahead, all of them')),
});

export const Snapshot = z.object({ name: z.string(), branch: z.string(), commit_sha: z.string(), metadata: z.record(z.string(), z.unknown()).nullable(), created_at: z.string() });
export const SnapshotList = z.object({ snapshots: z.array(Snapshot) });
export const Restored = z.object({ restored: z.literal(true), branch: z.string(), sha: z.string() });

export const PrefetchLine = z.union([
  z.object({ path: z.string(), sha: z.string(), size: z.number(), encoding: z.enum(['text', 'binary']), content_b64: z.string() }),
  z.object({ done: z.literal(true), entries: z.number(), bytes: z.number(), capped: z.boolean(), ref: z.string(), commit_sha: z.string() }),
  z.object({ done: z.literal(true), error: z.string(), entries: z.number(), bytes: z.number() }),
]);

export const MergeResult = z.object({
  merged: z.literal(true),
  sha: z.string().describe('the head of the target branch now'),
  strategy: z.enum(['fast-forward', 'merge-commit', 'squash']),
  target: z.string(),
  source: z.string().describe('the merged commit'),
  already_up_to_date: z.boolean().describe('the target already contained the source: nothing was written'),
});

export const CherryPickResult = z.object({
  sha: z.string().describe('the head of the branch now'),
  branch: z.string(),
  commits: z.array(z.object({ sha: z.string(), source: z.string().describe('the commit replayed') })),
  skipped: z.array(z.string()).describe('commits whose changes were already there'),
});
