/**
 * The /v1 (Coregit dialect) routes, in one table. Each repo route exists four times:
 *   /v1/repos/:slug/...                         (the key's org)
 *   /v1/repos/:namespace/:slug/...
 *   /v1/orgs/:org/repos/:slug/...               (public read routes: no key, public repos only)
 *   /v1/orgs/:org/repos/:namespace/:slug/...
 * Order matters: "/v1/repos/a/branches" is the branches of repo "a", not repo "a/branches", so
 * every un-namespaced route comes before the namespaced ones (and resource words are reserved
 * slugs, see RESERVED_SLUGS).
 *
 * Every /v1 route is a row here and nowhere else: each gets the one pipeline (pipeline.ts:
 * who is calling, rate limits, quotas, errors with X-RateLimit-*) and its OpenAPI entry. Each
 * row says what it needs of its caller: `auth` (none, any credential, a master key) and, for a
 * repo route, `access` (read, write, admin: the scope a token needs on that repo).
 */
import type { z } from 'zod';
import { GitwellError } from '../../core/errors.js';
import { Router, type Route } from '../router.js';
import * as blob from './blob.js';
import * as branches from './branches.js';
import * as commits from './commits.js';
import * as merges from './merge.js';
import * as A from './account-schemas.js';
import * as audit from './audit.js';
import * as diff from './diff.js';
import { openapiHandler, type DocSpec, type Media } from './openapi.js';
import { prefetch } from './prefetch.js';
import { errorReply, v1, type V1Handler } from './pipeline.js';
import * as raw from './raw.js';
import * as refs from './refs.js';
import * as repos from './repos.js';
import * as S from './schemas.js';
import * as snapshots from './snapshots.js';
import * as tokens from './tokens.js';
import * as trees from './tree.js';
import * as usage from './usage.js';
import { watch } from './watch.js';

interface Spec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** after the repo part of the path */
  path: string;
  handler: V1Handler;
  /** also served under /v1/orgs/:org/repos/... without a key (reads of public repos) */
  public?: boolean;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  status?: number;
  /** the success body is not JSON but this media type */
  media?: Media;
  /** what the route needs on its repo: the scope a token must have ("repos:<repo>": [access]) */
  access?: 'read' | 'write' | 'admin';
}

/** Routes of one repo; `path` follows the repo part. The hot reads go first: the router tries routes in order. */
const REPO_ROUTES: Spec[] = [
  { method: 'GET', path: '/raw/:ref/*path', access: 'read', handler: raw.raw, public: true, tag: 'files', summary: 'Read a file\'s bytes (Range: 206)', media: 'application/octet-stream' },
  { method: 'GET', path: '/blob/:ref/*path', access: 'read', handler: blob.blob, public: true, tag: 'files', summary: 'Read a file as JSON (Range: 206)', response: S.Blob },
  { method: 'GET', path: '/tree/:ref/*path', access: 'read', handler: trees.tree, public: true, tag: 'files', summary: 'List a directory', query: S.TreeQuery, response: S.Tree },
  { method: 'GET', path: '/tree', access: 'read', handler: trees.tree, public: true, tag: 'files', summary: 'List the root of the default branch', query: S.TreeQuery, response: S.Tree },

  { method: 'GET', path: '', access: 'read', handler: repos.get, public: true, tag: 'repos', summary: 'Get a repository', response: S.Repo },
  { method: 'PATCH', path: '', access: 'admin', handler: repos.update, tag: 'repos', summary: 'Update a repository', body: S.UpdateRepoBody, response: S.Repo },
  { method: 'DELETE', path: '', access: 'admin', handler: repos.remove, tag: 'repos', summary: 'Delete a repository with its snapshots', response: S.Deleted },
  { method: 'POST', path: '/fork', access: 'write', handler: repos.fork, tag: 'repos', summary: 'Fork the repository (or start one from a template) into the caller\'s org (a token also needs write on the new name)', body: S.ForkBody, response: S.Forked, status: 201 },

  { method: 'GET', path: '/branches', access: 'read', handler: branches.list, public: true, tag: 'branches', summary: 'List branches', query: S.BranchPageQuery, response: S.BranchList },
  { method: 'POST', path: '/branches', access: 'write', handler: branches.create, tag: 'branches', summary: 'Create a branch', body: S.CreateBranchBody, response: S.BranchCreated, status: 201 },
  { method: 'POST', path: '/branches/*name/merge', access: 'write', handler: merges.merge, tag: 'merges', summary: 'Merge branches (fast-forward, merge-commit, squash); 409 with the conflicts', body: S.MergeBody, response: S.MergeResult },
  { method: 'GET', path: '/branches/*name', access: 'read', handler: branches.get, public: true, tag: 'branches', summary: 'Get a branch', response: S.Branch },
  { method: 'DELETE', path: '/branches/*name', access: 'write', handler: branches.remove, tag: 'branches', summary: 'Delete a branch (not the default branch)', response: S.BranchDeleted },

  { method: 'GET', path: '/refs', access: 'read', handler: refs.list, public: true, tag: 'refs', summary: 'List branches and tags', query: S.RefPageQuery, response: S.RefList },
  { method: 'GET', path: '/refs/*ref', access: 'read', handler: refs.get, public: true, tag: 'refs', summary: 'Get a ref (heads/..., tags/..., any refs/...)', response: S.RefEntry },
  { method: 'PUT', path: '/refs/*ref', access: 'write', handler: refs.put, tag: 'refs', summary: 'Set a ref under heads/ or tags/; compare-and-swap with expected_sha', body: S.PutRefBody, response: S.RefChange },
  { method: 'DELETE', path: '/refs/*ref', access: 'write', handler: refs.remove, tag: 'refs', summary: 'Delete a ref (not the default branch)', query: S.DeleteRefQuery, response: S.RefDeleted },

  { method: 'POST', path: '/blobs/batch', access: 'read', handler: blob.batch, tag: 'files', summary: 'Read up to 100 files', body: S.BlobsBatchBody, response: S.BlobsBatch },

  { method: 'GET', path: '/commits', access: 'read', handler: commits.list, public: true, tag: 'commits', summary: 'List first-parent history', query: S.ListCommitsQuery, response: S.CommitList },
  { method: 'POST', path: '/commits', access: 'write', handler: commits.create, tag: 'commits', summary: 'Commit file changes', body: S.CreateCommitBody, response: S.CommitCreated, status: 201 },
  { method: 'GET', path: '/commits/:sha', access: 'read', handler: commits.get, public: true, tag: 'commits', summary: 'Get a commit', response: S.CommitInfo },

  { method: 'GET', path: '/diff', access: 'read', handler: diff.handler('diff'), public: true, tag: 'diff', summary: 'Diff two revisions (git diff base head); Accept: text/x-diff for a patch git apply reads', query: diff.DiffQuery, response: S.DiffResponse },
  { method: 'GET', path: '/compare', access: 'read', handler: diff.handler('compare'), public: true, tag: 'diff', summary: 'Compare base...head: merge base, ahead/behind, commits, the diff from the merge base, mergeable (the merge engine)', query: diff.CompareQuery, response: S.CompareResponse },

  { method: 'POST', path: '/cherry-pick', access: 'write', handler: merges.pick, tag: 'merges', summary: 'Replay the commits base..head onto onto and move a branch there; 409 with the conflicts', body: S.CherryPickBody, response: S.CherryPickResult },

  { method: 'POST', path: '/snapshots', access: 'write', handler: snapshots.create, tag: 'snapshots', summary: 'Take a snapshot of a branch', body: S.CreateSnapshotBody, response: S.Snapshot, status: 201 },
  { method: 'GET', path: '/snapshots', access: 'read', handler: snapshots.list, tag: 'snapshots', summary: 'List snapshots, oldest first', response: S.SnapshotList },
  { method: 'GET', path: '/snapshots/:name', access: 'read', handler: snapshots.get, tag: 'snapshots', summary: 'Get a snapshot', response: S.Snapshot },
  { method: 'DELETE', path: '/snapshots/:name', access: 'write', handler: snapshots.remove, tag: 'snapshots', summary: 'Delete a snapshot', response: S.Deleted },
  { method: 'POST', path: '/snapshots/:name/restore', access: 'write', handler: snapshots.restore, tag: 'snapshots', summary: 'Move a branch back to a snapshot (compare-and-swap)', body: S.RestoreSnapshotBody, response: S.Restored },

  { method: 'GET', path: '/watch', access: 'read', handler: watch, public: true, tag: 'agents', summary: 'Server-sent events: connected, then a commit each time the branch moves; rotate ends a window; Last-Event-ID resumes', query: S.WatchQuery, media: 'text/event-stream' },
  { method: 'POST', path: '/prefetch', access: 'read', handler: prefetch, public: true, tag: 'agents', summary: 'The blobs matching globs, streamed as NDJSON lines, then a done line', body: S.PrefetchBody, response: S.PrefetchLine, media: 'application/x-ndjson' },
];

type Auth = 'key' | 'none' | 'master';

const TOP_ROUTES: Array<Spec & { auth: Auth }> = [
  { method: 'GET', path: '/v1/openapi.json', handler: openapiHandler(() => docs()), auth: 'none', tag: 'meta', summary: 'This document' },
  { method: 'POST', path: '/v1/repos', handler: repos.create, auth: 'key', tag: 'repos', summary: 'Create a repository (a token needs write on its name)', body: S.CreateRepoBody, response: S.Repo, status: 201 },
  { method: 'GET', path: '/v1/repos', handler: repos.list, auth: 'key', tag: 'repos', summary: 'List the repositories the credential may read', query: S.ListReposQuery, response: S.RepoList },
  { method: 'GET', path: '/v1/orgs/:org/repos', handler: repos.listPublic, auth: 'none', tag: 'public', summary: 'List an org\'s public repositories, oldest first', query: S.PublicReposQuery, response: S.RepoList },

  { method: 'POST', path: '/v1/tokens', handler: tokens.create, auth: 'master', tag: 'credentials', summary: 'Create a scoped token that expires; its secret is shown once', body: A.CreateTokenBody, response: A.TokenCreated, status: 201 },
  { method: 'GET', path: '/v1/tokens', handler: tokens.list, auth: 'master', tag: 'credentials', summary: 'List the org\'s tokens (never their secrets)', query: A.PageQuery, response: A.TokenList },
  { method: 'DELETE', path: '/v1/tokens/:id', handler: tokens.revoke, auth: 'master', tag: 'credentials', summary: 'Revoke a token: refused from the next request on, at every door', response: A.Token },
  { method: 'GET', path: '/v1/keys', handler: tokens.listKeys, auth: 'master', tag: 'credentials', summary: 'List the org\'s master keys', query: A.PageQuery, response: A.KeyList },
  { method: 'GET', path: '/v1/keys/:id', handler: tokens.getKey, auth: 'master', tag: 'credentials', summary: 'Get a master key (never its secret)', response: A.Key },
  { method: 'DELETE', path: '/v1/keys/:id', handler: tokens.revokeKeyRoute, auth: 'master', tag: 'credentials', summary: 'Revoke a master key: refused from the next request on, at every door', response: A.Key },
  { method: 'GET', path: '/v1/usage', handler: usage.usage, auth: 'master', tag: 'account', summary: 'What the org used in a month, with each quota', query: A.UsageQuery, response: A.Usage },
  { method: 'GET', path: '/v1/audit-log', handler: audit.log, auth: 'master', tag: 'account', summary: 'The org\'s audit log, newest first', query: A.AuditQuery, response: A.AuditLog },
];

const PREFIXES = [
  { prefix: '/v1/repos/:slug', publicOnly: false },
  { prefix: '/v1/repos/:namespace/:slug', publicOnly: false },
  { prefix: '/v1/orgs/:org/repos/:slug', publicOnly: true },
  { prefix: '/v1/orgs/:org/repos/:namespace/:slug', publicOnly: true },
];

export type TableRow = Spec & { auth: Auth; fullPath: string };

function expanded(): TableRow[] {
  const out: TableRow[] = TOP_ROUTES.map((s) => ({ ...s, fullPath: s.path }));
  for (const { prefix, publicOnly } of PREFIXES) {
    for (const s of REPO_ROUTES) {
      if (publicOnly && !s.public) continue;
      out.push({ ...s, auth: publicOnly ? 'none' : 'key', tag: publicOnly ? 'public' : s.tag, fullPath: prefix + s.path });
    }
  }
  return out;
}

function docs(): DocSpec[] {
  return expanded().map((s) => ({ ...s, path: s.fullPath }));
}

/** Every row of the table, each repo route under each of its prefixes: what the tests walk over. */
export const v1Table: readonly TableRow[] = expanded();

const table: Route[] = v1Table.map((s) => ({ method: s.method, path: s.fullPath, dialect: 'v1' as const, handler: v1(s.handler, { auth: s.auth, access: s.access }) }));
const known = new Router(table);

/**
 * Last: any other /v1 path (not a git smart-HTTP path of an org named "v1") is answered here,
 * 404 or 405, so that it too passes the rate limit and carries its headers.
 */
const unknown: Route = {
  method: '*',
  path: /^\/v1(?:\/(?!.*\/(?:info\/refs|git-upload-pack|git-receive-pack)$).*)?$/,
  dialect: 'v1',
  handler: v1((ctx) => {
    const m = known.match(ctx.req.method, ctx.req.path);
    if (m.route || m.allowed.length === 0) throw new GitwellError('NOT_FOUND', 'route not found');
    const reply = errorReply(new GitwellError('VALIDATION_ERROR', `method ${ctx.req.method} not allowed`, { allowed: m.allowed }), ctx.requestId);
    reply.status = 405;
    reply.headers!.allow = m.allowed.join(', ');
    return reply;
  }),
};

export const v1Routes: Route[] = [...table, unknown];
