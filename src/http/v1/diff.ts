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
import { compare, diff, type DiffOptions } from '../../services/compare.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import * as present from './present.js';
import { json, parseQuery } from './respond.js';

const flag = z.enum(['true', 'false', '1', '0', '']).transform((v) => v !== 'false' && v !== '0');
const rev = z.string().min(1).max(1024);

export const DiffQuery = z.object({
  base: rev.describe('branch, tag, refs/... name or full sha'),
  head: rev.describe('branch, tag, refs/... name or full sha'),
  patch: flag.optional().describe("include each file's patch in `patch`"),
  context: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .transform((v) => (v === undefined ? undefined : Math.min(v, 100)))
    .describe('context lines around changes (default 3; above 100 it is 100)'),
  binary: flag.optional().describe('text/x-diff only: binary files as GIT binary patch literals'),
  minimal: flag.optional().describe('as git diff --minimal: no cost limit (for files up to 20,000 lines)'),
});

export const CompareQuery = DiffQuery;

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
    const c = kind === 'compare' ? await compare(ctx.store, repo, q.base, q.head, opts) : null;
    const r = c ?? (await diff(ctx.store, repo, q.base, q.head, opts));
    if (unified) {
      return {
        status: 200,
        headers: {
          'content-type': 'text/x-diff',
          // the patch of compare runs from the merge base
          'x-diff-base': c ? c.mergeBase : r.base,
          'x-diff-head': r.head,
          'x-diff-too-large-files': String(r.tooLargeFiles),
        },
        body: r.unified ?? '',
      };
    }
    return json(200, c ? present.compare(c, q.patch === true) : present.diff(r, q.patch === true));
  };
}
