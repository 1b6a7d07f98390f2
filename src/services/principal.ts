/**
 * Who is calling: one Principal {org, credential id, kind, scopes, expires}, made here from
 * whatever credential a request presents at any door: `x-api-key: <c>`, `Authorization:
 * Bearer <c>`, or HTTP Basic with <c> as the password (git's door; any user name). The /api
 * dialect presents Bearer tokens and gets the same principals. Routes then ask it
 * `can(repo, access)`, or `authorizeRepo` for the whole decision with its error.
 *
 * Verification (a store read and sha256) is cached per credential, under the store's
 * credential generation: a revocation by any process moves it, and the next request, which
 * reads it, verifies again. Nothing is kept on a timer, so nothing waits for one to run out.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { GitwellError } from '../core/errors.js';
import { isName } from '../core/names.js';
import { compileScopes, grantedLevel, LEVEL, scopeName, type Access, type Grant, type Resource, type ScopeMap } from '../core/scopes.js';
import type { Actor, Door, RepoRecord, Store } from '../../storage/index.js';

export type { Access } from '../core/scopes.js';
export type CredentialKind = 'key' | 'token';

export const CREDENTIAL_RE = /^gw([kt])_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const sha256 = (s: string) => createHash('sha256').update(s).digest();

const MEMO_MAX = 4096;

/** The memo key of a principal's level on a repo. */
export const scopeKey = (resource: Resource, namespace: string | null, slug: string) => `${resource}:${namespace ?? ''}/${slug}`;

export class Principal {
  /** the rate-limit bucket of this credential */
  readonly bucket: string;
  private readonly grants: Grant[] | null;
  /** level by "<resource>:<ns>/<slug>": asked on every request of the hot path */
  private readonly memo = new Map<string, number>();

  constructor(
    readonly org: string,
    readonly id: string,
    readonly kind: CredentialKind,
    /** null for a master key: everything in its org */
    readonly scopes: ScopeMap | null,
    /** Unix ms; null: never (keys) */
    readonly expires: number | null,
  ) {
    this.bucket = `${kind === 'key' ? 'k' : 't'}:${id}`;
    this.grants = scopes === null ? null : compileScopes(scopes);
  }

  get master(): boolean {
    return this.kind === 'key';
  }

  /**
   * 0 none, 1 read, 2 write, 3 admin: what it may do to the repo ns/slug of its own org.
   * `memoKey`: scopeKey(resource, ns, slug), when the caller keeps it (the hot path does: a
   * string made once hashes once).
   */
  level(namespace: string | null, slug: string, resource: Resource = 'repos', memoKey = scopeKey(resource, namespace, slug)): number {
    if (this.grants === null) return LEVEL.admin;
    const k = memoKey;
    let l = this.memo.get(k);
    if (l === undefined) {
      l = grantedLevel(this.grants, resource, namespace, slug);
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(k, l);
    }
    return l;
  }

  /** May it do `access` to `repo`? A public repo is readable by every principal. */
  can(repo: Pick<RepoRecord, 'org' | 'namespace' | 'slug' | 'visibility'>, access: Access, resource: Resource = 'repos'): boolean {
    if (access === 'read' && repo.visibility === 'public') return true;
    return repo.org === this.org && this.level(repo.namespace, repo.slug, resource) >= LEVEL[access];
  }

  /** The scope it lacks for `access` to ns/slug of its own org, or null. */
  lacks(namespace: string | null, slug: string, access: Access, resource: Resource = 'repos'): { scope: string; access: Access } | null {
    return this.level(namespace, slug, resource) >= LEVEL[access] ? null : { scope: scopeName(resource, namespace, slug), access };
  }

  actor(door: Door): Actor {
    return { credentialId: this.id, kind: this.kind, door };
  }
}

/**
 * The credential a request presents, from any door: `x-api-key`, else `Authorization: Bearer`,
 * else Basic's password; trimmed. undefined: none presented (anonymous). '' : presented in a
 * form that can never be valid (another scheme, say), which is a 401 like any bad credential.
 */
export function presentedSecret(apiKey: string | undefined, authorization: string | undefined): string | undefined {
  if (apiKey) {
    const t = apiKey.trim();
    if (t) return t;
  }
  if (!authorization) return undefined;
  const sp = authorization.indexOf(' ');
  const scheme = (sp < 0 ? authorization : authorization.slice(0, sp)).toLowerCase();
  const rest = sp < 0 ? '' : authorization.slice(sp + 1).trim();
  if (scheme === 'bearer') return rest;
  if (scheme === 'basic') {
    const decoded = Buffer.from(rest, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return (colon >= 0 ? decoded.slice(colon + 1) : decoded).trim();
  }
  return '';
}

const invalidCredential = () => new GitwellError('UNAUTHORIZED', 'invalid credential: send a key or token as x-api-key, Authorization: Bearer, or the Basic password');

function hashMatches(storedHex: string, secret: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const given = sha256(secret);
  return stored.length === given.length && timingSafeEqual(stored, given);
}

/** Reads and checks the credential's record; throws 401 (invalid, revoked, expired). */
function verify(store: Store, secret: string, now: number): Principal {
  const m = CREDENTIAL_RE.exec(secret);
  if (!m) throw invalidCredential();
  const kind: CredentialKind = m[1] === 'k' ? 'key' : 'token';
  const key = kind === 'key' ? store.getKey(m[2]) : undefined;
  const token = kind === 'token' ? store.getToken(m[2]) : undefined;
  const rec = key ?? token;
  // an org name that breaks the naming rule comes from before it was checked: such a key could
  // reach into other orgs' key ranges, so it is not honoured
  if (!rec || !hashMatches(rec.hash, m[3]) || !isName(rec.org)) throw invalidCredential();
  if (rec.revokedAt) throw new GitwellError('UNAUTHORIZED', `this ${kind} was revoked`, { revoked_at: rec.revokedAt });
  if (!token) return new Principal(rec.org, rec.id, 'key', null, null);
  const expires = Date.parse(token.expiresAt);
  if (!(now < expires)) throw expired(expires);
  return new Principal(token.org, token.id, 'token', token.scopes, expires);
}

const expired = (at: number) => new GitwellError('UNAUTHORIZED', 'this token has expired', { expired_at: new Date(at).toISOString() });

interface Verified {
  principal: Principal;
  generation: number;
}

const CACHE_MAX = 10_000;
const caches = new WeakMap<Store, Map<string, Verified>>();

function cacheOf(store: Store): Map<string, Verified> {
  let c = caches.get(store);
  if (!c) caches.set(store, (c = new Map()));
  return c;
}

/** Drops what this process verified (it revoked something: no need to wait for the read). */
export function forgetCredentials(store: Store): void {
  caches.get(store)?.clear();
}

/** The principal of a presented credential; 401 when it is not valid, revoked or expired. */
export function authenticate(store: Store, secret: string, now: number): Principal {
  const cache = cacheOf(store);
  const generation = store.credentialGeneration();
  const hit = cache.get(secret);
  if (hit && hit.generation === generation) {
    const p = hit.principal;
    if (p.expires !== null && !(now < p.expires)) throw expired(p.expires);
    return p;
  }
  // read before verifying: a revocation that lands in between moves it past what is cached
  const principal = verify(store, secret, now);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(secret, { principal, generation });
  return principal;
}

/**
 * The hot path's question: the principal of a credential verified under the current
 * generation and not expired, without hashing anything; null when that is not known (the
 * general path then answers, and verifies).
 */
export function knownPrincipals(store: Store): (secret: string, now: number) => Principal | null {
  const cache = cacheOf(store);
  return (secret, now) => {
    const hit = cache.get(secret);
    if (hit === undefined || hit.generation !== store.credentialGeneration()) return null;
    const p = hit.principal;
    return p.expires !== null && !(now < p.expires) ? null : p;
  };
}

export const forbidden = (lack: { scope: string; access: Access }) =>
  new GitwellError('FORBIDDEN', `this token lacks ${lack.access} access to ${lack.scope}: it needs the scope "${lack.scope}": ["${lack.access}"]`, {
    missing_scope: lack.scope,
    access: lack.access,
  });

/** Only a master key (not a token) may manage credentials and read the org's usage and audit log. */
export function requireMaster(p: Principal | null, what: string): Principal {
  if (!p) throw new GitwellError('UNAUTHORIZED', 'missing credential: send a key as x-api-key or Authorization: Bearer');
  if (!p.master) throw new GitwellError('FORBIDDEN', `only a master key can ${what}; a token cannot`, { missing_scope: 'master key' });
  return p;
}

/**
 * The one decision of who may do `access` to the repo named org/ns/slug (`repo`: the record
 * found under that name, if any), for every door. Anonymous callers learn nothing of private
 * repos (401, as if any repo may exist). A credential of another org sees a private repo as
 * missing and may only read a public one. In its own org a token's scopes are asked before the
 * repo is looked at, so a 403 says nothing of whether the repo exists.
 */
export function authorizeRepo(p: Principal | null, org: string, namespace: string | null, slug: string, repo: RepoRecord | undefined, access: Access): RepoRecord {
  if (repo && access === 'read' && repo.visibility === 'public') return repo;
  if (!p) throw new GitwellError('UNAUTHORIZED', 'authentication required');
  if (org !== p.org) {
    if (!repo || repo.visibility === 'private') throw new GitwellError('NOT_FOUND', 'repository not found');
    throw new GitwellError('FORBIDDEN', `a credential of org ${p.org} cannot ${access === 'read' ? 'read' : 'change'} a repository of another org`);
  }
  const lack = p.lacks(namespace, slug, access);
  if (lack) throw forbidden(lack);
  if (!repo) throw new GitwellError('NOT_FOUND', 'repository not found');
  return repo;
}
