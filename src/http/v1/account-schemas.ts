/**
 * The zod schemas of the account routes (/v1/tokens, /v1/keys, /v1/usage, /v1/audit-log):
 * what they validate and what the OpenAPI document says they return.
 */
import { z } from 'zod';
import { AUDIT_ACTIONS } from '../../../storage/index.js';
import { TOKEN_MAX_SECONDS, TOKEN_MIN_SECONDS } from '../../services/credentials.js';

const limit = (dflt: number) => z.coerce.number().int().min(1).max(100).default(dflt).describe(`page size (1-100, default ${dflt})`);
const cursor = z.string().min(1).max(512).optional().describe('opaque: next_cursor of the previous page');
const levels = z.array(z.enum(['read', 'write', 'admin'])).min(1);

export const CreateTokenBody = z.object({
  name: z.string().min(1).max(100),
  scopes: z
    .union([z.record(z.string(), levels), z.array(z.string()).min(1)])
    .describe('{"repos:*": ["read"], "repos:ns/x": ["read","write"], "repos:ns/*": ["admin"]} (a level includes those below it), or named scopes ["repo", "pr"] (repo = {"repos:*": ["read","write"]}, pr = {"pulls:*": ["read","write"]})'),
  expires_in: z.number().int().min(TOKEN_MIN_SECONDS).max(TOKEN_MAX_SECONDS).describe(`seconds until it expires: ${TOKEN_MIN_SECONDS} (1 hour) to ${TOKEN_MAX_SECONDS} (30 days)`),
});

export const PageQuery = z.object({ limit: limit(100), cursor });

const Scopes = z.record(z.string(), z.array(z.enum(['read', 'write', 'admin'])));

export const Token = z.object({
  id: z.string(),
  name: z.string(),
  scopes: Scopes,
  created_at: z.string(),
  expires_at: z.string(),
  revoked_at: z.string().nullable(),
  created_by: z.string().nullable().describe('the id of the key that made it'),
});
export const TokenCreated = Token.extend({ token: z.string().describe('the secret: shown this once, never again') });
export const TokenList = z.object({ tokens: z.array(Token), next_cursor: z.string().nullable() });

export const Key = z.object({ id: z.string(), org: z.string(), name: z.string(), created_at: z.string(), revoked_at: z.string().nullable() });
export const KeyList = z.object({ keys: z.array(Key), next_cursor: z.string().nullable() });

const period = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be YYYY-MM');
export const UsageQuery = z.object({ period: period.optional().describe('a calendar month, UTC (default: this one)') });
const Metered = z.object({ used: z.number(), quota: z.number().nullable().describe('null: no quota') });
export const Usage = z.object({
  org: z.string(),
  period: z.string(),
  api_calls: Metered.describe('REST calls made with the org\'s credentials in the period'),
  git_requests: Metered.describe('git smart HTTP requests to the org\'s repos in the period (a clone is 2-3)'),
  git_bytes_in: Metered.describe('bytes received by git smart HTTP (pushes, fetch negotiation) in the period'),
  git_bytes_out: Metered.describe('bytes sent by git smart HTTP (clones, fetches) in the period'),
  storage_bytes: Metered.describe('bytes stored for the org (API commits\' objects, pushed packs), now'),
  repos: Metered.describe('repositories, now'),
});

const time = z
  .string()
  .max(40)
  .refine((v) => /^\d{1,13}$/.test(v) || !Number.isNaN(Date.parse(v)), 'must be ISO 8601 or Unix seconds')
  .transform((v) => (/^\d{1,13}$/.test(v) ? Number(v) * 1000 : Date.parse(v)));
export const AuditQuery = z.object({
  limit: limit(50),
  cursor,
  action: z.enum(AUDIT_ACTIONS as [string, ...string[]]).optional(),
  since: time.optional().describe('ISO 8601 or Unix seconds, inclusive'),
  until: time.optional().describe('ISO 8601 or Unix seconds, exclusive'),
});
export const AuditEntry = z.object({
  id: z.string(),
  at: z.string(),
  action: z.enum(AUDIT_ACTIONS as [string, ...string[]]),
  door: z.enum(['git', 'v1', 'api', 'cli', 'internal']).describe('how the change came: git smart HTTP, the REST API, the CLI, or the server itself'),
  credential: z.object({ id: z.string(), kind: z.enum(['key', 'token']) }).nullable(),
  repo: z.object({ id: z.string(), path: z.string() }).nullable(),
  details: z.record(z.string(), z.unknown()).describe('ref.updated: {ref, old, new}; push.received: {refs, bytes, objects}; repo.updated: {field: {from, to}}; token.*: {token_id, name}; key.*: {key_id, name}'),
});
export const AuditLog = z.object({ entries: z.array(AuditEntry), next_cursor: z.string().nullable() });
