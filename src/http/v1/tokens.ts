/**
 * Credentials, managed with a master key only (the pipeline refuses a token: 403):
 *   POST   /v1/tokens       {name, scopes, expires_in} -> 201 {id, name, scopes, expires_at, token, ...}
 *   GET    /v1/tokens       ?limit&cursor -> {tokens, next_cursor} (secrets are never shown again)
 *   DELETE /v1/tokens/:id   revoked at once: the next request with it is 401, at every door
 *   GET    /v1/keys, GET /v1/keys/:id, DELETE /v1/keys/:id   the org's master keys
 * A credential of another org is 404 here, as if it did not exist.
 */
import { invalid, notFound } from '../../core/errors.js';
import type { KeyRecord, TokenRecord } from '../../../storage/index.js';
import { createToken, revokeKey, revokeToken } from '../../services/credentials.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { actorOf, requireMasterKey } from './access.js';
import { CreateTokenBody, PageQuery } from './account-schemas.js';
import { json, parseBody, parseQuery } from './respond.js';

const WHAT = 'manage tokens and keys';

export function tokenJson(t: TokenRecord) {
  return { id: t.id, name: t.name, scopes: t.scopes, created_at: t.createdAt, expires_at: t.expiresAt, revoked_at: t.revokedAt ?? null, created_by: t.createdBy };
}

export function keyJson(k: KeyRecord) {
  return { id: k.id, org: k.org, name: k.name, created_at: k.createdAt, revoked_at: k.revokedAt ?? null };
}

/** A page of records in creation order; the cursor is the last one's place. */
function page<T extends { id: string; createdAt: string }>(ctx: Context, all: T[]): { items: T[]; next: string | null } {
  const q = parseQuery(ctx, PageQuery);
  const place = (r: T) => `${r.createdAt}|${r.id}`;
  let list = all;
  if (q.cursor !== undefined) {
    const after = Buffer.from(q.cursor, 'base64url').toString();
    if (!after.includes('|')) throw invalid('cursor is not one this API gave out', { field: 'cursor' });
    list = list.filter((r) => place(r) > after);
  }
  const items = list.slice(0, q.limit);
  const next = list.length > q.limit ? Buffer.from(place(items[items.length - 1])).toString('base64url') : null;
  return { items, next };
}

export async function create(ctx: Context): Promise<HttpReply> {
  const p = requireMasterKey(ctx, WHAT);
  const body = await parseBody(ctx, CreateTokenBody);
  const { record, token } = createToken(ctx.store, p.org, { name: body.name, scopes: body.scopes, expiresIn: body.expires_in }, { keyId: p.id, actor: actorOf(ctx) }, ctx.clock);
  return json(201, { ...tokenJson(record), token });
}

export function list(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, WHAT);
  const { items, next } = page(ctx, ctx.store.listTokens(p.org));
  return json(200, { tokens: items.map(tokenJson), next_cursor: next });
}

export function revoke(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, WHAT);
  return json(200, tokenJson(revokeToken(ctx.store, p.org, ctx.params.id, actorOf(ctx))));
}

export function listKeys(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, WHAT);
  const { items, next } = page(ctx, ctx.store.listKeys(p.org));
  return json(200, { keys: items.map(keyJson), next_cursor: next });
}

export function getKey(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, WHAT);
  const k = ctx.store.getKey(ctx.params.id);
  if (!k || k.org !== p.org) throw notFound('key', { id: ctx.params.id });
  return json(200, keyJson(k));
}

export function revokeKeyRoute(ctx: Context): HttpReply {
  const p = requireMasterKey(ctx, WHAT);
  return json(200, keyJson(revokeKey(ctx.store, p.org, ctx.params.id, actorOf(ctx))));
}
