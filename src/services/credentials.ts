/**
 * Credentials, as a client holds them:
 *   master key   gwk_<16 hex id>_<43 base64url secret>   everything in its org, until revoked
 *   token        gwt_<16 hex id>_<43 base64url secret>   its scopes in its org, until it
 *                                                        expires (1 h .. 30 days) or is revoked
 * The prefix tells one from the other; the id finds the record without scanning. Only
 * sha256(secret) is stored (the secret is 32 random bytes, so a fast hash is enough) and it is
 * compared in constant time (principal.ts). The secret is shown once, when it is made.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { GitwellError, invalid } from '../core/errors.js';
import { isName } from '../core/names.js';
import { normalizeScopes } from '../core/scopes.js';
import type { Actor, KeyRecord, Store, TokenRecord } from '../../storage/index.js';
import { forgetCredentials, sha256 } from './principal.js';

export const TOKEN_MIN_SECONDS = 3600;
export const TOKEN_MAX_SECONDS = 30 * 24 * 3600;


function newSecret(prefix: 'gwk' | 'gwt'): { id: string; secret: string; hash: string; credential: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, hash: sha256(secret).toString('hex'), credential: `${prefix}_${id}_${secret}` };
}

/** An org name as it enters (the CLI, a key): the one naming rule, or VALIDATION_ERROR. */
export function checkOrg(org: string): void {
  if (!isName(org)) throw invalid('org must be 1-100 lowercase letters, digits and single hyphens', { field: 'org', value: org });
}

function checkLabel(name: string): void {
  if (name.length < 1 || name.length > 100 || /[\x00-\x1f\x7f]/.test(name)) throw invalid('name must be 1-100 characters, no control characters', { field: 'name' });
}

export function createKey(store: Store, org: string, name: string, actor?: Actor, clock?: Clock): { record: KeyRecord; key: string } {
  checkOrg(org);
  checkLabel(name);
  store.ensureOrg(org);
  const s = newSecret('gwk');
  const record: KeyRecord = { id: s.id, org, name, hash: s.hash, createdAt: new Date(clock?.now() ?? Date.now()).toISOString(), revokedAt: null };
  store.putKey(record, actor);
  return { record, key: s.credential };
}

export interface TokenInput {
  name: string;
  scopes: unknown;
  /** seconds, TOKEN_MIN_SECONDS..TOKEN_MAX_SECONDS */
  expiresIn: number;
}

export function createToken(store: Store, org: string, input: TokenInput, by: { keyId: string | null; actor?: Actor }, clock: Clock): { record: TokenRecord; token: string } {
  checkOrg(org);
  checkLabel(input.name);
  if (!Number.isInteger(input.expiresIn) || input.expiresIn < TOKEN_MIN_SECONDS || input.expiresIn > TOKEN_MAX_SECONDS) {
    throw invalid(`expires_in must be whole seconds from ${TOKEN_MIN_SECONDS} (1 hour) to ${TOKEN_MAX_SECONDS} (30 days)`, { field: 'expires_in' });
  }
  const scopes = normalizeScopes(input.scopes);
  const now = clock.now();
  const s = newSecret('gwt');
  const record: TokenRecord = {
    id: s.id,
    org,
    name: input.name,
    scopes,
    hash: s.hash,
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + input.expiresIn * 1000).toISOString(),
    createdBy: by.keyId,
    revokedAt: null,
  };
  store.putToken(record, by.actor);
  return { record, token: s.credential };
}

const notFound = (what: string, id: string) => new GitwellError('NOT_FOUND', `${what} not found`, { id });

/** Revokes a key of `org` (one of another org is not found). Takes effect on the next request of any process. */
export function revokeKey(store: Store, org: string | null, id: string, actor?: Actor): KeyRecord {
  const rec = store.getKey(id);
  if (!rec || (org !== null && rec.org !== org)) throw notFound('key', id);
  const out = store.revokeKey(id, actor)!;
  forgetCredentials(store);
  return out;
}

export function revokeToken(store: Store, org: string, id: string, actor?: Actor): TokenRecord {
  const rec = store.getToken(id);
  if (!rec || rec.org !== org) throw notFound('token', id);
  const out = store.revokeToken(id, actor)!;
  forgetCredentials(store);
  return out;
}

/** A new key for the same org and name; the old one is revoked in the same transaction. */
export function rotateKey(store: Store, id: string, actor?: Actor): { old: KeyRecord; record: KeyRecord; key: string } {
  const rec = store.getKey(id);
  if (!rec) throw notFound('key', id);
  if (rec.revokedAt) throw new GitwellError('CONFLICT', 'the key is revoked already: create a new one', { id });
  const s = newSecret('gwk');
  const record: KeyRecord = { id: s.id, org: rec.org, name: rec.name, hash: s.hash, createdAt: new Date().toISOString(), revokedAt: null };
  const old = store.rotateKey(id, record, actor)!;
  forgetCredentials(store);
  return { old, record, key: s.credential };
}
