/**
 * GET /v1/openapi.json: an OpenAPI 3.1 document built from the route table and the same zod
 * schemas the routes validate with (z.toJSONSchema; JSON Schema 2020-12 is OpenAPI 3.1's
 * dialect). Built once, on first request.
 */
import { z } from 'zod';
import type { HttpReply } from '../uws.js';
import { ErrorBody } from './schemas.js';

export interface DocSpec {
  method: string;
  /** router template: ":name" one segment, "*name" the rest */
  path: string;
  summary: string;
  tag: string;
  /** none: public; key: any credential (a token's scopes decide); master: a master key only */
  auth: 'key' | 'none' | 'master';
  /** what a repo route needs on its repo (read, write, admin): the scope a token must have */
  access?: 'read' | 'write' | 'admin';
  query?: z.ZodObject;
  body?: z.ZodType;
  response?: z.ZodType;
  /** success status (200 by default) */
  status?: number;
  /** the success body is not JSON but this media type (described by `response` when given) */
  media?: Media;
}

export type Media = 'application/octet-stream' | 'text/event-stream' | 'application/x-ndjson';

const MEDIA_DESCRIPTION: Record<Media, string> = {
  'application/octet-stream': "the file's bytes (206 with Content-Range for a Range request); text/plain; charset=utf-8 when the file has no NUL in its first 8192 bytes",
  'text/event-stream': 'server-sent events (event: connected | commit | rotate, each with a JSON data line; ": keepalive" comments)',
  'application/x-ndjson': 'one JSON object per line; `response` is the schema of one line',
};

const ERROR_STATUSES: Record<string, string> = {
  '400': 'VALIDATION_ERROR: a body or query field is invalid (details.field names it); a file too large to read without Range (size)',
  '401': 'UNAUTHORIZED: missing, invalid, expired or revoked credential',
  '403': 'FORBIDDEN: the credential lacks what the route needs (details.missing_scope names it)',
  '404': 'NOT_FOUND',
  '409': 'CONFLICT: a ref or branch moved (current_sha), or already exists; a merge or cherry-pick conflicted (conflicts)',
  '413': 'PAYLOAD_TOO_LARGE (details.limit names the limit)',
  '416': 'a Range that is malformed or cannot be satisfied (Content-Range: bytes */<size>)',
  '422': 'UNPROCESSABLE: an edit could not be placed (context), no common ancestor, ...',
  '429': 'RATE_LIMITED (Retry-After) or QUOTA_EXCEEDED (used, limit)',
  '507': 'INSUFFICIENT_STORAGE: the server\'s disk is full; nothing was written (details.cause)',
};

function schema(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function operation(spec: DocSpec) {
  const params: unknown[] = [];
  for (const m of spec.path.matchAll(/[:*](\w+)/g)) {
    params.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' }, ...(spec.path.includes(`*${m[1]}`) ? { description: 'the rest of the path; may contain "/"' } : {}) });
  }
  if (spec.query) {
    const js = schema(spec.query, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
    for (const [name, s] of Object.entries(js.properties ?? {})) {
      const { description, ...rest } = s;
      params.push({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: rest, ...(description ? { description } : {}) });
    }
  }
  const status = String(spec.status ?? 200);
  const ok = spec.media
    ? {
        description: MEDIA_DESCRIPTION[spec.media],
        content: { [spec.media]: { schema: spec.response ? schema(spec.response, 'output') : { type: 'string', contentMediaType: spec.media } } },
      }
    : { description: 'success', content: { 'application/json': { schema: spec.response ? schema(spec.response, 'output') : {} } } };
  const responses: Record<string, unknown> = { [status]: ok };
  for (const [code, description] of Object.entries(ERROR_STATUSES)) {
    if (code === '416' && !/\/(raw|blob)\//.test(spec.path)) continue;
    responses[code] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  }
  const needs =
    spec.auth === 'master' ? 'Needs a master key (a token is refused: 403).' : spec.access && spec.auth === 'key' ? `A token needs the scope "repos:<this repo>": ["${spec.access}"].` : '';
  return {
    summary: spec.summary,
    ...(needs ? { description: needs } : {}),
    tags: [spec.tag],
    operationId: `${spec.method.toLowerCase()}${spec.path.replace(/[:*]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
    ...(spec.auth === 'none' ? { security: [] } : {}),
    parameters: params,
    ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(spec.body, 'input') } } } } : {}),
    responses,
  };
}

export function buildOpenApi(specs: DocSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const p = spec.path.replace(/[:*](\w+)/g, '{$1}');
    (paths[p] ??= {})[spec.method.toLowerCase()] = operation(spec);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'gitwell REST API (Coregit dialect)',
      version: '1',
      description: 'Coregit\'s /v1 API (coregit-inc/coregit-api): repositories, refs, trees, blobs, commits, diff, compare, snapshots, forks and templates, watch and prefetch. Every response carries X-Request-Id and X-RateLimit-* headers; errors carry code and request_id beside Coregit\'s fields (docs/coregit.md lists every difference).',
    },
    servers: [{ url: '/' }],
    security: [{ apiKey: [] }, { bearer: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        bearer: { type: 'http', scheme: 'bearer' },
      },
      schemas: { Error: schema(ErrorBody, 'output') },
    },
    paths,
  };
}

export function openapiHandler(specs: () => DocSpec[]): () => HttpReply {
  let body: string | null = null;
  return () => {
    body ??= JSON.stringify(buildOpenApi(specs()));
    return { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' }, body };
  };
}
