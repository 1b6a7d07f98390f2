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
import type { Context, Route } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { addDocSpecs } from './openapi.js';
import * as present from './present.js';
import { json, parseQuery } from './respond.js';
import { CompareResponse, DiffResponse } from './schemas.js';

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

function handler(kind: 'diff' | 'compare') {
  return (ctx: Context): HttpReply => {
    const { repo } = repoFor(ctx, 'read');
    const q = parseQuery(ctx, DiffQuery);
    const unified = wantsPatch(ctx);
    const opts: DiffOptions = { patch: q.patch === true && !unified, context: q.context, unified, binary: q.binary === true, minimal: q.minimal === true };
    const c = kind === 'compare' ? compare(ctx.store, repo, q.base, q.head, opts) : null;
    const r = c ?? diff(ctx.store, repo, q.base, q.head, opts);
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

/**
 * The four path forms, as patterns. A namespaced path "/repos/<a>/<b>/diff" also reads as a
 * route of repo <a> ("/repos/<a>/tree/diff" is the tree of ref "diff"), and these routes come
 * first in the table: so <b> may not be one of the words that follow a repo's slug.
 */
const RESOURCE = '(?:branches|refs|tree|blob|raw|blobs|commits|diff|compare|merge|pulls)';
const SEG = '[^/]+';
const NS_SLUG = `(?<namespace>${SEG})/(?<slug>(?!${RESOURCE}/)${SEG})`;
const paths = (tail: 'diff' | 'compare'): RegExp[] =>
  [`/v1/repos/(?<slug>${SEG})`, `/v1/repos/${NS_SLUG}`, `/v1/orgs/(?<org>${SEG})/repos/(?<slug>${SEG})`, `/v1/orgs/(?<org>${SEG})/repos/${NS_SLUG}`].map(
    (p) => new RegExp(`^${p}/${tail}/?$`),
  );

export const v1DiffRoutes: Route[] = [
  ...paths('diff').map((path): Route => ({ method: 'GET', path, dialect: 'v1', handler: handler('diff') })),
  ...paths('compare').map((path): Route => ({ method: 'GET', path, dialect: 'v1', handler: handler('compare') })),
];

// the OpenAPI document (GET /v1/openapi.json) describes these routes from the same schemas
for (const [kind, response, summary] of [
  ['diff', DiffResponse, 'Diff two revisions (git diff base head); Accept: text/x-diff for a patch git apply reads'],
  ['compare', CompareResponse, 'Compare base...head: merge base, ahead/behind, commits, the diff from the merge base, mergeable'],
] as const) {
  for (const [path, auth] of [
    [`/v1/repos/:slug/${kind}`, 'key'],
    [`/v1/repos/:namespace/:slug/${kind}`, 'key'],
    [`/v1/orgs/:org/repos/:slug/${kind}`, 'none'],
    [`/v1/orgs/:org/repos/:namespace/:slug/${kind}`, 'none'],
  ] as const) {
    addDocSpecs({ method: 'GET', path, summary, tag: 'diff', auth, query: DiffQuery, response });
  }
}
