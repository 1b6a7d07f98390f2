/**
 * GET /v1/repos/[:namespace/]:slug/diff and /compare (and the public /v1/orgs/:org/... forms).
 *
 *   ?base=<rev>&head=<rev>[&patch=true][&context=0..100][&binary=true][&minimal=true]
 *
 * JSON by default; `Accept: text/x-diff` (or text/x-patch) returns the unified patch itself,
 * which `git apply` reads (binary=true writes binary files as "GIT binary patch" literals, as
 * `git diff --binary` does, so the patch carries them too). Files too large to diff are listed
 * with `too_large: true`; the count is also in the `X-Diff-Too-Large-Files` header of a patch.
 */
import { z } from 'zod';
import { compare, diff, type DiffOptions, type DiffResult } from '../../services/compare.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { json, parseQuery } from './respond.js';
import { CommitInfo } from './schemas.js';

const flag = z.enum(['true', 'false', '1', '0', '']).transform((v) => v !== 'false' && v !== '0');
const rev = z.string().min(1).max(1024);

export const DiffQuery = z.object({
  base: rev.describe('branch, tag, refs/... name or full sha'),
  head: rev.describe('branch, tag, refs/... name or full sha'),
  patch: flag.optional().describe("include each file's hunks in `patch`"),
  context: z.coerce.number().int().min(0).max(100).optional().describe('context lines around changes (default 3)'),
  binary: flag.optional().describe('text/x-diff only: binary files as GIT binary patch literals'),
  minimal: flag.optional().describe('as git diff --minimal: no cost limit (for files up to 20,000 lines)'),
});

export const CompareQuery = DiffQuery;

const FileSchema = z.object({
  path: z.string(),
  status: z.enum(['added', 'deleted', 'modified', 'type_changed']),
  old_sha: z.string().nullable(),
  new_sha: z.string().nullable(),
  old_mode: z.string().nullable(),
  new_mode: z.string().nullable(),
  additions: z.number().int(),
  deletions: z.number().int(),
  binary: z.boolean(),
  too_large: z.literal(true).optional().describe('not line-diffed: over the per-file size/line cap'),
  limited: z.literal(true).optional().describe("the diff's cost limit was hit: correct but maybe not minimal"),
  patch: z.string().optional(),
});

export const DiffResponse = z.object({
  base: z.string(),
  head: z.string(),
  files: z.array(FileSchema),
  total_additions: z.number().int(),
  total_deletions: z.number().int(),
  total_files: z.number().int(),
  too_large_files: z.number().int(),
  truncated: z.boolean(),
});

export const CompareResponse = DiffResponse.extend({
  merge_base: z.string(),
  ahead_by: z.number().int(),
  behind_by: z.number().int(),
  total_commits: z.number().int(),
  commits: z
    .array(CommitInfo)
    .describe("head's commits that base has not, oldest first (at most 250; total_commits counts them all)"),
  mergeable: z.boolean(),
  conflicts: z
    .array(z.object({ path: z.string(), kind: z.string().describe('git merge-tree\'s conflict kind: content, add/add, modify/delete, rename/delete, file/directory, ...'), reason: z.string().describe('the same as kind (older clients)') }))
    .describe('what merging head into base would conflict on, as git merge-tree reports it'),
});

function wantsPatch(ctx: Context): boolean {
  const accept = ctx.req.headers['accept'] ?? '';
  return /\btext\/x-(diff|patch)\b/i.test(accept);
}

/** The handler of GET …/diff or …/compare (both are rows of the route table, routes.ts). */
export function handler(kind: 'diff' | 'compare') {
  return async (ctx: Context): Promise<HttpReply> => {
    const { repo } = repoFor(ctx, 'read');
    const q = parseQuery(ctx, DiffQuery);
    const unified = wantsPatch(ctx);
    const opts: DiffOptions = { patch: q.patch === true && !unified, context: q.context, unified, binary: q.binary === true, minimal: q.minimal === true };
    let r: DiffResult & { base: string; head: string };
    let from: string; // the patch of compare runs from the merge base
    if (kind === 'diff') {
      r = await diff(ctx.store, repo, q.base, q.head, opts);
      from = r.base;
    } else {
      const c = await compare(ctx.store, repo, q.base, q.head, opts);
      r = c;
      from = c.merge_base;
    }
    if (unified) {
      return {
        status: 200,
        headers: {
          'content-type': 'text/x-diff',
          'x-diff-base': from,
          'x-diff-head': r.head,
          'x-diff-too-large-files': String(r.too_large_files),
        },
        body: r.unified ?? '',
      };
    }
    const { unified: _, ...body } = r;
    return json(200, body);
  };
}
