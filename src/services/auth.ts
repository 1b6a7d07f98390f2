/**
 * API keys: "gwk_<id>_<secret>". Only sha256(secret) is stored (the secret is 32 random bytes,
 * so a fast hash is enough); the comparison is constant-time. The id part finds the record
 * without scanning.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GitwellError } from '../core/errors.js';
import type { KeyRecord, RepoRecord, Store } from '../../storage/index.js';

const KEY_RE = /^gwk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

export function createKey(store: Store, org: string, name: string): { record: KeyRecord; key: string } {
  store.ensureOrg(org);
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  const record: KeyRecord = { id, org, name, hash: sha256(secret).toString('hex'), createdAt: new Date().toISOString() };
  store.putKey(record);
  return { record, key: `gwk_${id}_${secret}` };
}

/** The key's record, or null for anything that is not a valid key (never throws). */
export function verifyKey(store: Store, token: string): KeyRecord | null {
  const m = KEY_RE.exec(token);
  if (!m) return null;
  const rec = store.getKey(m[1]);
  if (!rec) return null;
  const stored = Buffer.from(rec.hash, 'hex');
  const given = sha256(m[2]);
  return stored.length === given.length && timingSafeEqual(stored, given) ? rec : null;
}

export type Access = 'read' | 'write';

/**
 * Who may do what to a repo. Anonymous callers learn nothing about private repos (401, as if
 * any repo may exist); a key of another org sees a private repo as missing.
 */
export function authorize(repo: RepoRecord | undefined, key: KeyRecord | null, access: Access, anonymous: boolean): RepoRecord {
  if (anonymous) {
    if (repo && repo.visibility === 'public' && access === 'read') return repo;
    throw new GitwellError('UNAUTHORIZED', 'authentication required');
  }
  if (!key) throw new GitwellError('UNAUTHORIZED', 'invalid API key');
  if (!repo) throw new GitwellError('NOT_FOUND', 'repository not found');
  if (key.org === repo.org) return repo;
  if (repo.visibility === 'private') throw new GitwellError('NOT_FOUND', 'repository not found');
  if (access === 'read') return repo;
  throw new GitwellError('FORBIDDEN', 'this key cannot write to this repository');
}
