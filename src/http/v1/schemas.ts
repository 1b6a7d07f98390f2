/**
 * The zod schemas of /v1: request bodies and query strings (what the routes validate with) and
 * response shapes (what the OpenAPI document describes). One definition serves both.
 */
import { z } from 'zod';

const sha = z.string().regex(/^[0-9a-fA-F]{40}$/, 'must be a full 40-hex sha');
const slug = z.string().regex(/^(?!-)(?!.*--)[a-z0-9-]{1,100}(?<!-)$/, 'must be 1-100 lowercase letters, digits and single hyphens');
const limit = (dflt: number) => z.coerce.number().int().min(1).max(100).default(dflt).describe(`page size (1-100, default ${dflt})`);
const offset = z.coerce.number().int().min(0).max(1_000_000).default(0).describe('items to skip');
const cursor = z.string().min(1).max(512).optional().describe('opaque: next_cursor of the previous page');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const noCtl = (what: string) => z.string().regex(/^[^<>\n\r\0]*$/, `${what} must not contain <, >, newlines or NUL`);

// ---- requests

export const CreateRepoBody = z.object({
  slug,
  namespace: slug.nullable().optional(),
  description: z.string().max(500).optional(),
  visibility: z.enum(['public', 'private']).default('private'),
  default_branch: z.string().min(1).max(255).default('main'),
  init: z.boolean().default(false).describe('make an initial commit with a README on the default branch'),
});

export const UpdateRepoBody = z.object({
  description: z.string().max(500).optional(),
  visibility: z.enum(['public', 'private']).optional(),
  default_branch: z.string().min(1).max(255).optional(),
  deny_non_fast_forwards: z.boolean().optional().describe('refuse pushes over git that are not fast-forwards (git receive.denyNonFastForwards)'),
});

export const ListReposQuery = z.object({ limit: limit(50), offset, cursor, namespace: slug.optional() });

export const PageQuery = z.object({ limit: limit(100), cursor });

export const CreateBranchBody = z.object({
  name: z.string().min(1).max(255),
  from: z.string().min(1).max(255).optional().describe('branch to start from (default: the default branch)'),
  from_sha: sha.optional().describe('commit to start from, instead of from'),
});

export const PutRefBody = z.object({
  sha,
  expected_sha: sha.nullable().optional().describe('compare-and-swap: the value the ref must have now (null: must not exist)'),
});

export const DeleteRefQuery = z.object({ expected_sha: sha.optional() });

export const TreeQuery = z.object({ recursive: flag.optional() });

export const BlobsBatchBody = z.object({
  ref: z.string().min(1).max(1024).optional().describe('default: the default branch'),
  paths: z.array(z.string().min(1).max(4096)).min(1).max(100),
});

export const ListCommitsQuery = z.object({
  ref: z.string().min(1).max(1024).optional().describe('branch, tag or sha (default: the default branch)'),
  branch: z.string().min(1).max(1024).optional().describe('alias of ref'),
  limit: limit(20),
  cursor,
});

const Person = z.object({
  name: noCtl('name').min(1).max(256),
  email: noCtl('email').max(256),
  date: z.string().max(64).optional().describe('ISO 8601; default now'),
});

const StringEdit = z.object({
  old_string: z.string().min(1),
  new_string: z.string().optional().describe('omit to delete old_string'),
});
const RangeEdit = z.object({
  range: z.tuple([z.number().int().min(1), z.number().int().min(1)]).describe('[start, end], 1-based, inclusive'),
  content: z.string(),
});

export const Change = z.object({
  action: z.enum(['create', 'edit', 'delete', 'rename']).default('create'),
  path: z.string().min(1).max(4096),
  content: z.string().optional(),
  encoding: z.enum(['utf-8', 'base64']).default('utf-8'),
  mode: z.enum(['100644', '100755', '120000']).optional(),
  edits: z.array(z.union([StringEdit, RangeEdit])).max(1000).optional(),
  new_path: z.string().min(1).max(4096).optional(),
});

export const CreateCommitBody = z.object({
  branch: z.string().min(1).max(255),
  message: z.string().min(1).max(1_000_000).regex(/^[^\0]*$/, 'message must not contain NUL'),
  author: Person,
  committer: Person.optional(),
  parent_sha: sha.optional().describe('the head the commit is made on; 409 when the branch has moved'),
  changes: z.array(Change).min(1),
});

// ---- responses

export const ErrorBody = z.object({
  error: z.string(),
  code: z.enum(['UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'VALIDATION_ERROR', 'CONFLICT', 'RATE_LIMITED', 'QUOTA_EXCEEDED', 'PAYLOAD_TOO_LARGE', 'RANGE_NOT_SATISFIABLE', 'UNPROCESSABLE', 'TIMEOUT', 'INSUFFICIENT_STORAGE', 'INTERNAL_ERROR']),
  details: z.record(z.string(), z.unknown()).optional(),
  request_id: z.string(),
});

export const Repo = z.object({
  id: z.string(),
  org: z.string(),
  namespace: z.string().nullable(),
  slug: z.string(),
  description: z.string(),
  visibility: z.enum(['public', 'private']),
  default_branch: z.string(),
  git_url: z.string(),
  api_url: z.string(),
  deny_non_fast_forwards: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
  is_empty: z.boolean(),
});

export const RepoList = z.object({ repos: z.array(Repo), limit: z.number(), offset: z.number(), next_cursor: z.string().nullable() });
export const Deleted = z.object({ deleted: z.boolean() });

export const Branch = z.object({ name: z.string(), sha: z.string() });
export const BranchList = z.object({ branches: z.array(Branch), default_branch: z.string(), total: z.number(), next_cursor: z.string().nullable() });

export const RefEntry = z.object({ ref: z.string(), sha: z.string() });
export const RefList = z.object({
  refs: z.array(RefEntry),
  branches: z.array(z.object({ name: z.string(), sha: z.string(), type: z.literal('branch') })),
  tags: z.array(z.object({ name: z.string(), sha: z.string(), type: z.literal('tag') })),
  default_branch: z.string(),
});
export const RefChange = z.object({ ref: z.string(), sha: z.string().nullable(), previous_sha: z.string().nullable() });

export const TreeItem = z.object({
  name: z.string(),
  path: z.string(),
  type: z.enum(['folder', 'file', 'submodule']),
  sha: z.string(),
  mode: z.string(),
});
export const Tree = z.object({
  items: z.array(TreeItem),
  path: z.string(),
  ref: z.string(),
  sha: z.string().describe('the tree sha (also the ETag)'),
  commit_sha: z.string().nullable(),
  truncated: z.boolean(),
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
  blobs: z.array(Blob.omit({ range: true })),
  missing: z.array(z.string()),
});

export const CommitInfo = z.object({
  sha: z.string(),
  tree: z.string(),
  parents: z.array(z.string()),
  message: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  timestamp: z.number(),
  author: z.object({ name: z.string(), email: z.string(), date: z.string() }),
  committer: z.object({ name: z.string(), email: z.string(), date: z.string() }),
});
export const CommitList = z.object({ commits: z.array(CommitInfo), ref: z.string(), has_more: z.boolean(), next_cursor: z.string().nullable() });
export const CommitCreated = z.object({ sha: z.string(), tree_sha: z.string(), branch: z.string(), parent: z.string().nullable() });

// ---- merges

const rev = z.string().min(1).max(1024);

export const MergeBody = z.object({
  source: rev.optional().describe('the branch (or any revision) merged into the branch in the URL'),
  target: z.string().min(1).max(255).optional().describe('without source: the branch the URL\'s branch is merged into (default: the default branch)'),
  strategy: z.enum(['fast-forward', 'merge-commit', 'squash']).default('merge-commit'),
  message: z.string().min(1).max(1_000_000).regex(/^[^\0]*$/, 'message must not contain NUL').optional().describe("default: \"Merge branch '<source>' into <target>\""),
  author: Person.optional().describe('default: gitwell <gitwell@localhost>'),
  committer: Person.optional().describe('default: the author'),
  expected_sha: sha.optional().describe('compare-and-swap: the head the target branch must be at; 409 with current_sha when it moved'),
});

export const CherryPickBody = z.object({
  base: rev.describe('commits after this one are replayed (exclusive)'),
  head: rev.describe('... up to this one (inclusive)'),
  onto: rev.describe('the commit (or branch) they are replayed onto'),
  branch: z.string().min(1).max(255).optional().describe('the branch moved to the result (default: onto, when it names a branch)'),
  expected_sha: sha.optional().describe('compare-and-swap: the head the branch must be at; 409 with current_sha when it moved'),
  committer: Person.optional().describe('default: gitwell <gitwell@localhost>; authors and messages are the replayed commits\''),
});

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
