// The parts of access control that need no server: scopes (core/scopes.ts), the principal and
// its verification cache (services/principal.ts) over a real LMDB store, token expiry and
// bucket refill under an injected clock (no sleeps), revocation seen through the store's
// credential generation (also when another process revokes: the CLI), and the branch and tag
// name rules against `git check-ref-format --branch`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../storage/index.js';
import { ManualClock } from '../src/core/clock.js';
import { GitwellError } from '../src/core/errors.js';
import { checkBranchName, checkWritableRef, refUpdateRefusal } from '../src/core/refname.js';
import { normalizeScopes } from '../src/core/scopes.js';
import { createKey, createToken, revokeToken } from '../src/services/credentials.js';
import { authenticate, authorizeRepo, knownPrincipals, presentedSecret, Principal } from '../src/services/principal.js';
import { RateLimiter } from '../src/services/token-bucket.js';
import { runCli } from './helpers/gitwell.js';

const run = promisify(execFile);
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fresh(): { store: Store; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-access-'));
  dirs.push(dir);
  const store = openStore(dir);
  stores.push(store);
  return { store, dir };
}

/** The error code a call throws, or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof GitwellError) return e.code;
    throw e;
  }
}

const repo = (namespace: string | null, slug: string, visibility: 'public' | 'private' = 'private', org = 'acme') => ({ org, namespace, slug, visibility });

describe('scopes', () => {
  it('normalizes levels upward-closed, takes named scopes, refuses what it cannot read', () => {
    expect(normalizeScopes({ 'repos:*': ['read'], 'repos:ns/x': ['write'], 'repos:tools/*': ['admin'] })).toEqual({
      'repos:*': ['read'],
      'repos:ns/x': ['read', 'write'],
      'repos:tools/*': ['read', 'write', 'admin'],
    });
    expect(normalizeScopes(['repo', 'pr'])).toEqual({ 'repos:*': ['read', 'write'], 'pulls:*': ['read', 'write'] });
    for (const bad of [{}, [], ['admin'], { 'repos:*': [] }, { 'repos:*': ['root'] }, { 'repo:*': ['read'] }, { 'repos:a/b/c': ['read'] }, { 'repos:ACME': ['read'] }, { 'repos:*/x': ['read'] }, 'repo', null]) {
      expect(outcome(() => normalizeScopes(bad)), JSON.stringify(bad)).toBe('VALIDATION_ERROR');
    }
  });

  it('a principal can what its scopes say, on its own org; public repos are readable by all', () => {
    const t = new Principal('acme', 't1', 'token', normalizeScopes({ 'repos:ns/x': ['write'], 'repos:tools/*': ['read'], 'repos:solo': ['admin'] }), null);
    expect(t.can(repo('ns', 'x'), 'read')).toBe(true);
    expect(t.can(repo('ns', 'x'), 'write')).toBe(true);
    expect(t.can(repo('ns', 'x'), 'admin')).toBe(false);
    expect(t.can(repo('ns', 'y'), 'read')).toBe(false);
    expect(t.can(repo(null, 'x'), 'read')).toBe(false);
    expect(t.can(repo('tools', 'anything'), 'read')).toBe(true);
    expect(t.can(repo('tools', 'anything'), 'write')).toBe(false);
    expect(t.can(repo(null, 'solo'), 'admin')).toBe(true);
    expect(t.can(repo('ns', 'y', 'public'), 'read')).toBe(true);
    expect(t.can(repo('ns', 'y', 'public'), 'write')).toBe(false);
    expect(t.can(repo('ns', 'x', 'private', 'rival'), 'read')).toBe(false);
    expect(t.lacks('ns', 'y', 'write')).toEqual({ scope: 'repos:ns/y', access: 'write' });
    expect(t.lacks(null, 'solo', 'admin')).toBeNull();
    // pull requests are a resource of their own: the /api dialect's `pr`
    const pr = new Principal('acme', 't2', 'token', normalizeScopes(['pr']), null);
    expect(pr.can(repo('ns', 'x'), 'write', 'pulls')).toBe(true);
    expect(pr.can(repo('ns', 'x'), 'read')).toBe(false);
    const key = new Principal('acme', 'k1', 'key', null, null);
    expect(key.can(repo('any', 'thing'), 'admin')).toBe(true);
    expect(key.can(repo('any', 'thing', 'private', 'rival'), 'read')).toBe(false);
  });

  it('authorizeRepo: 401 anonymous, 404 for another org\'s private repo, 403 naming the scope before looking at the repo', () => {
    const rec = (visibility: 'public' | 'private', org = 'acme') => ({ id: 1, org, namespace: 'ns', slug: 'x', visibility, description: '', defaultBranch: 'main', denyNonFastForwards: false, createdAt: '', updatedAt: '' });
    const reader = new Principal('acme', 't', 'token', normalizeScopes({ 'repos:ns/x': ['read'] }), null);
    const other = new Principal('acme', 'o', 'token', normalizeScopes({ 'repos:ns/other': ['read'] }), null);
    const rival = new Principal('rival', 'r', 'key', null, null);
    expect(outcome(() => authorizeRepo(null, 'acme', 'ns', 'x', rec('private'), 'read'))).toBe('UNAUTHORIZED');
    expect(outcome(() => authorizeRepo(null, 'acme', 'ns', 'x', rec('public'), 'read'))).toBe('ok');
    expect(outcome(() => authorizeRepo(null, 'acme', 'ns', 'x', rec('public'), 'write'))).toBe('UNAUTHORIZED');
    expect(outcome(() => authorizeRepo(rival, 'acme', 'ns', 'x', rec('private', 'acme'), 'read'))).toBe('NOT_FOUND');
    expect(outcome(() => authorizeRepo(rival, 'acme', 'ns', 'x', rec('public', 'acme'), 'write'))).toBe('FORBIDDEN');
    expect(outcome(() => authorizeRepo(reader, 'acme', 'ns', 'x', rec('private'), 'read'))).toBe('ok');
    expect(outcome(() => authorizeRepo(reader, 'acme', 'ns', 'x', rec('private'), 'write'))).toBe('FORBIDDEN');
    // the same 403 whether the repo exists or not: a token learns nothing of names it may not read
    expect(outcome(() => authorizeRepo(other, 'acme', 'ns', 'x', rec('private'), 'read'))).toBe('FORBIDDEN');
    expect(outcome(() => authorizeRepo(other, 'acme', 'ns', 'x', undefined, 'read'))).toBe('FORBIDDEN');
    expect(outcome(() => authorizeRepo(other, 'acme', 'ns', 'other', undefined, 'read'))).toBe('NOT_FOUND');
    try {
      authorizeRepo(reader, 'acme', 'ns', 'x', rec('private'), 'write');
    } catch (e) {
      expect((e as GitwellError).details).toEqual({ missing_scope: 'repos:ns/x', access: 'write' });
    }
  });
});

describe('the credential a request presents', () => {
  it('is read the same from every door', () => {
    const basic = (user: string, pass: string) => 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
    expect(presentedSecret('gwk_a', undefined)).toBe('gwk_a');
    expect(presentedSecret(' gwk_a ', 'Bearer other')).toBe('gwk_a');
    expect(presentedSecret(undefined, 'Bearer gwt_b ')).toBe('gwt_b');
    expect(presentedSecret(undefined, 'bearer gwt_b')).toBe('gwt_b');
    expect(presentedSecret(undefined, basic('any', 'gwt_c'))).toBe('gwt_c');
    expect(presentedSecret(undefined, basic('x', 'a:b'))).toBe('a:b');
    expect(presentedSecret(undefined, undefined)).toBeUndefined();
    expect(presentedSecret('', undefined)).toBeUndefined();
    // presented, but never valid: a 401, not anonymous
    expect(presentedSecret(undefined, 'Digest username="x"')).toBe('');
    expect(presentedSecret(undefined, 'Bearer')).toBe('');
  });
});

describe('verification, expiry and revocation', () => {
  it('a token works until its expiry by the injected clock, then is 401 (cached or not)', () => {
    const { store } = fresh();
    const clock = new ManualClock();
    const { token } = createToken(store, 'acme', { name: 'ci', scopes: { 'repos:*': ['read'] }, expiresIn: 3600 }, { keyId: null }, clock);
    expect(authenticate(store, token, clock.now()).kind).toBe('token');
    const known = knownPrincipals(store);
    expect(known(token, clock.now())?.org).toBe('acme');
    clock.advance(3599_999);
    expect(outcome(() => authenticate(store, token, clock.now()))).toBe('ok');
    clock.advance(1);
    expect(known(token, clock.now())).toBeNull();
    expect(outcome(() => authenticate(store, token, clock.now()))).toBe('UNAUTHORIZED');
    // a store opened afresh (nothing cached) says the same
    const other = fresh().store;
    const t2 = createToken(other, 'acme', { name: 'x', scopes: ['repo'], expiresIn: 3600 }, { keyId: null }, clock).token;
    clock.advance(3600_000);
    expect(outcome(() => authenticate(other, t2, clock.now()))).toBe('UNAUTHORIZED');
  });

  it('expires_in outside 1 hour .. 30 days is refused', () => {
    const { store } = fresh();
    const clock = new ManualClock();
    for (const s of [0, 3599, 30 * 86400 + 1, 3600.5]) {
      expect(outcome(() => createToken(store, 'acme', { name: 'x', scopes: ['repo'], expiresIn: s }, { keyId: null }, clock)), String(s)).toBe('VALIDATION_ERROR');
    }
  });

  it('a revocation written past this process (as the CLI would) is seen by the next verification', () => {
    const { store } = fresh();
    const clock = new ManualClock();
    const { record, token } = createToken(store, 'acme', { name: 'ci', scopes: ['repo'], expiresIn: 3600 }, { keyId: null }, clock);
    const known = knownPrincipals(store);
    authenticate(store, token, clock.now());
    expect(known(token, clock.now())).not.toBeNull();
    const before = store.credentialGeneration();
    // the store's own method: no cache of this process is told
    store.revokeToken(record.id);
    expect(store.credentialGeneration()).toBe(before + 1);
    expect(known(token, clock.now())).toBeNull();
    expect(outcome(() => authenticate(store, token, clock.now()))).toBe('UNAUTHORIZED');
    expect(() => revokeToken(store, 'rival', record.id)).toThrow(/not found/);
  });

  it('a key revoked by the CLI, another process, is refused by this one at once', async () => {
    const { store, dir } = fresh();
    const clock = new ManualClock();
    const { record, key } = createKey(store, 'acme', 'ops');
    const keep = createKey(store, 'acme', 'other').key;
    const known = knownPrincipals(store);
    expect(authenticate(store, key, clock.now()).master).toBe(true);
    authenticate(store, keep, clock.now());
    const r = await runCli(['key', 'revoke', record.id, '--data', dir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).revoked_at).toBeTruthy();
    expect(known(key, clock.now())).toBeNull();
    expect(outcome(() => authenticate(store, key, clock.now()))).toBe('UNAUTHORIZED');
    // the other key was never revoked: verified again, and good
    expect(outcome(() => authenticate(store, keep, clock.now()))).toBe('ok');
  });
});

describe('rate limit buckets under an injected clock', () => {
  it('refill at perMinute/60 s, both buckets must have a token', () => {
    const l = new RateLimiter(3, 5);
    let now = 1_000_000;
    expect([1, 2, 3, 4].map(() => l.take('a', now).ok)).toEqual([true, true, true, false]);
    expect(l.take('b', now).ok).toBe(true);
    now += 19_999;
    expect(l.take('a', now).ok).toBe(false);
    now += 1;
    const t = l.take('a', now);
    expect(t.ok).toBe(true);
    expect(t.remaining).toBe(0);
    // the hour's 5 are spent after two more minutes' refills
    now += 20_000;
    expect(l.take('a', now).ok).toBe(true);
    now += 60_000;
    const spent = l.take('a', now);
    expect(spent.ok).toBe(false);
    expect(spent.retryAfter).toBeGreaterThan(60);
  });
});

describe('ref name rules, one place for every door', () => {
  it('branch names: as git check-ref-format --branch says', async () => {
    const names = ['main', 'feature/x', 'HEAD', '-x', 'x..y', 'a.lock', 'a b', 'x@{1}', '.hidden', 'dir/', 'héllo', 'v1.0', 'a/-b', 'a\\b', 'x~1', 'end.'];
    const got: Record<string, boolean> = {};
    const git: Record<string, boolean> = {};
    for (const n of names) {
      got[n] = checkBranchName(n) === null;
      git[n] = await run('git', ['check-ref-format', '--branch', n]).then(() => true, () => false);
    }
    expect(got).toEqual(git);
  });

  it('what a write may create: HEAD and -x refused under heads and tags; deleting the default branch refused', () => {
    expect(checkWritableRef('refs/heads/HEAD')).toMatch(/HEAD/);
    expect(checkWritableRef('refs/heads/-x')).toMatch(/-/);
    expect(checkWritableRef('refs/tags/-x')).toMatch(/-/);
    expect(checkWritableRef('refs/tags/HEAD')).toMatch(/HEAD/);
    expect(checkWritableRef('refs/heads/feature/-x')).toBeNull();
    expect(checkWritableRef('refs/notes/commits')).toBeNull();
    expect(checkWritableRef('HEAD')).toMatch(/refs\//);
    expect(refUpdateRefusal('main', 'refs/heads/main', true)?.kind).toBe('default-branch');
    expect(refUpdateRefusal('main', 'refs/heads/main', false)).toBeNull();
    expect(refUpdateRefusal('main', 'refs/heads/other', true)).toBeNull();
    // a ref made before these rules can still be deleted
    expect(refUpdateRefusal('main', 'refs/heads/-x', true)).toBeNull();
    expect(refUpdateRefusal('main', 'refs/heads/-x', false)?.kind).toBe('name');
  });
});
