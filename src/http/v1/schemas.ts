/**
 * The zod schemas of /v1 requests: bodies and query strings, what the routes validate with and
 * what the OpenAPI document says they take. Replies: schemas-replies.ts. Where Coregit's code
 * clamps a number rather than refusing it (page sizes), so does this; where it refuses a field,
 * this refuses it with 400 VALIDATION_ERROR naming the field.
 */
import { z } from 'zod';

export * from './schemas-replies.js';

const sha = z.string().regex(/^[0-9a-fA-F]{40}$/, 'must be a full 40-hex sha');
const slug = z.string().regex(/^(?!-)(?!.*--)[a-z0-9-]{1,100}(?<!-)$/, 'must be 1-100 lowercase letters, digits and single hyphens');
/** A page size: above `max` it is clamped to `max`, as Coregit does (Math.min). */
const limit = (dflt: number, max: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .transform((v) => Math.min(v ?? dflt, max))
    .describe(`page size (default ${dflt}; above ${max} it is ${max})`);
const offset = (max: number) => z.coerce.number().int().min(0).max(max).default(0).describe('items to skip');
const cursor = z.string().min(1).max(1024).optional().describe('next_cursor of the previous page');
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const noCtl = (what: string) => z.string().regex(/^[^<>\n\r\0]*$/, `${what} must not contain <, >, newlines or NUL`);
const branchName = z.string().min(1).max(255);

// ---- repositories

export const CreateRepoBody = z.object({
  slug,
  namespace: slug.nullable().optional(),
  description: z.string().max(500).nullable().optional(),
  visibility: z.enum(['public', 'private']).default('private'),
  default_branch: branchName.default('main'),
  init: z.boolean().default(true).describe('start with an initial commit (an empty tree, "Initial commit") on the default branch'),
  is_template: z.boolean().default(false).describe('a template others start repos from (POST /fork)'),
});

export const UpdateRepoBody = z.object({
  description: z.string().max(500).nullable().optional(),
  visibility: z.enum(['public', 'private']).optional(),
  default_branch: branchName.optional().describe('must be an existing branch'),
  is_template: z.boolean().optional(),
  deny_non_fast_forwards: z.boolean().optional().describe('refuse pushes over git that are not fast-forwards (git receive.denyNonFastForwards)'),
});

export const ListReposQuery = z.object({
  limit: limit(50, 100),
  offset: offset(1_000_000).describe('items to skip (ignored with a cursor)'),
  cursor,
  namespace: slug.optional(),
  is_template: z.enum(['true', 'false']).optional().describe('true: templates only'),
});

export const PublicReposQuery = ListReposQuery.extend({ offset: offset(10_000) });

export const ForkBody = z.object({
  slug,
  namespace: slug.nullable().optional(),
  description: z.string().max(500).optional().describe("default: the source's"),
  default_branch: branchName.optional().describe("default: the source's"),
  mode: z.enum(['instant', 'deep']).optional().describe('how Coregit stores the fork; here both share the objects and copy the refs'),
});

// ---- branches and refs

export const BranchPageQuery = z.object({ limit: limit(100, 500), cursor: cursor.describe('the name of the last branch of the previous page') });
export const RefPageQuery = z.object({ limit: limit(100, 500), cursor: cursor.describe('next_cursor of the previous page ("branch:<name>" or "tag:<name>")') });

export const CreateBranchBody = z.object({
  name: branchName,
  from: branchName.optional().describe('branch to start from (default: the default branch)'),
  from_sha: sha.optional().describe('commit to start from; wins over from'),
});

export const PutRefBody = z.object({
  sha,
  expected_sha: z
    .union([sha, z.literal('')])
    .nullable()
    .optional()
    .describe('compare-and-swap: the value the ref must have now (404 when it does not exist); all zeros: it must not exist; absent or null: set it whatever it is'),
});

export const DeleteRefQuery = z.object({ expected_sha: sha.optional() });

// ---- files

export const TreeQuery = z.object({ recursive: flag.optional() });

export const BlobsBatchBody = z.object({
  ref: z.string().min(1).max(1024).optional().describe('default: the default branch'),
  paths: z.array(z.string().min(1).max(4096)).min(1).max(100),
  encoding: z.enum(['utf-8', 'base64']).optional().describe('default: utf-8 for text, base64 for anything else'),
  max_size: z.number().int().min(0).optional().describe('a larger blob comes without its content, with truncated: true'),
});

// ---- commits

export const ListCommitsQuery = z.object({
  ref: z.string().min(1).max(1024).optional().describe('branch, tag or sha (default: the default branch)'),
  branch: z.string().min(1).max(1024).optional().describe('alias of ref'),
  limit: limit(20, 100),
  cursor: z.string().max(1024).optional().describe('the sha of the last commit of the previous page; the next page starts at its first parent'),
});

const Person = z.object({
  name: noCtl('name').min(1).max(256),
  email: noCtl('email').min(1).max(256),
  date: z.string().max(64).optional().describe('ISO 8601; default now'),
});

const Edit = z
  .object({
    old_string: z.string().min(1).optional().describe('must occur exactly once; string edits apply first, in order'),
    new_string: z.string().optional().describe('omit to delete old_string'),
    range: z.tuple([z.number().int(), z.number().int()]).optional().describe('[start, end], 1-based, inclusive; range edits apply after the string edits, bottom-up'),
    content: z.string().optional().describe('the lines that replace the range'),
  })
  .refine((e) => e.range !== undefined || e.old_string !== undefined, 'each edit needs range or old_string');

export const Change = z.object({
  action: z.enum(['create', 'modify', 'edit', 'delete', 'rename']).optional().describe('default create; modify is create'),
  path: z.string().min(1).max(4096),
  content: z.string().optional(),
  encoding: z.enum(['utf-8', 'base64']).default('utf-8'),
  mode: z.enum(['100644', '100755', '120000']).optional(),
  edits: z.array(Edit).max(1000).optional(),
  new_path: z.string().min(1).max(4096).optional(),
});

export const CreateCommitBody = z.object({
  branch: branchName,
  message: z.string().min(1).max(51_200).regex(/^[^\0]*$/, 'message must not contain NUL').describe('at most 50 KB'),
  author: Person,
  committer: Person.optional(),
  parent_sha: sha.optional().describe('the head the commit is made on (409 when the branch has moved); on a new branch, its start'),
  changes: z.array(Change).min(1),
});

// ---- snapshots

export const CreateSnapshotBody = z.object({
  name: z.string().min(1),
  branch: branchName.optional().describe('default: the default branch'),
  metadata: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const RestoreSnapshotBody = z.object({ target_branch: branchName.optional().describe("default: the snapshot's branch") });

// ---- agents

export const WatchQuery = z.object({ branch: branchName.optional().describe('default: the default branch') });

/** A number or nothing: anything else means the default, as Coregit reads it. */
const positiveOr = (what: string) => z.number().positive().optional().catch(undefined).describe(what);

export const PrefetchBody = z.object({
  ref: z.string().max(1024).optional().describe('branch, tag or sha (default: the default branch)'),
  globs: z.array(z.string().min(1).max(200)).min(1).max(32).describe('`**` any path, `*` any name part, `?` one character'),
  max_bytes: positiveOr('cap of the NDJSON lines of blobs (default 16 MiB, at most 32 MiB)'),
  max_blob_bytes: positiveOr('larger blobs are skipped (default 1 MiB, at most 4 MiB)'),
});

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
