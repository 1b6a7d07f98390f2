/**
 * Orgs and credentials in LMDB:
 *   orgs          org name -> OrgRecord
 *   keys          key id -> KeyRecord         (master keys)
 *   tokens        token id -> TokenRecord     (scoped, expiring)
 *   generations   "credentials" -> u32 BE     moved by every revocation
 * Every change is one sync write transaction with its audit entry. A revocation also moves
 * the credential generation in that transaction: each request reads it (any process may have
 * revoked: the CLI shares the data dir with a running server) and a credential verified under
 * another generation is verified again, so a revoked one is refused on the very next request.
 */
import type { Database } from 'lmdb';
import { auditEntry } from './audit-log.js';
import type { Actor, AuditRecord, KeyRecord, OrgRecord, TokenRecord } from './store.js';

const GENERATION = 'credentials';

export interface AccountDbs {
  orgs: Database<OrgRecord, string>;
  keys: Database<KeyRecord, string>;
  tokens: Database<TokenRecord, string>;
  generations: Database<Buffer, string>;
  audit: Database<AuditRecord, string>;
}

export class Accounts {
  constructor(
    private readonly db: AccountDbs,
    /** a sync write transaction (full-disk errors mapped) */
    private readonly writeSync: <T>(fn: () => T) => T,
  ) {}

  private audit(...args: Parameters<typeof auditEntry>): void {
    const [k, v] = auditEntry(...args);
    this.db.audit.putSync(k, v);
  }

  generation(): number {
    const v = this.db.generations.getBinaryFast(GENERATION);
    return v === undefined ? 0 : ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]) >>> 0;
  }

  /** Inside a write transaction: the read sees the transaction, so no other process's move is lost. */
  private bumpGeneration(): void {
    const next = (this.generation() + 1) >>> 0;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(next);
    this.db.generations.putSync(GENERATION, b);
  }

  ensureOrg(name: string): OrgRecord {
    return this.writeSync(() => {
      const existing = this.db.orgs.get(name);
      if (existing) return existing;
      const rec = { name, createdAt: new Date().toISOString() };
      this.db.orgs.putSync(name, rec);
      return rec;
    });
  }

  getOrg(name: string): OrgRecord | undefined {
    return this.db.orgs.get(name);
  }

  putKey(key: KeyRecord, actor?: Actor): void {
    this.writeSync(() => {
      this.db.keys.putSync(key.id, key);
      this.audit(key.org, 'key.created', actor, null, { key_id: key.id, name: key.name });
    });
  }

  getKey(id: string): KeyRecord | undefined {
    return this.db.keys.get(id);
  }

  listKeys(org: string): KeyRecord[] {
    const out: KeyRecord[] = [];
    for (const { value } of this.db.keys.getRange()) if (value.org === org) out.push(value);
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  putToken(token: TokenRecord, actor?: Actor): void {
    this.writeSync(() => {
      this.db.tokens.putSync(token.id, token);
      this.audit(token.org, 'token.created', actor, null, { token_id: token.id, name: token.name, scopes: token.scopes, expires_at: token.expiresAt });
    });
  }

  getToken(id: string): TokenRecord | undefined {
    return this.db.tokens.get(id);
  }

  listTokens(org: string): TokenRecord[] {
    const out: TokenRecord[] = [];
    for (const { value } of this.db.tokens.getRange()) if (value.org === org) out.push(value);
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  revokeKey(id: string, actor?: Actor): KeyRecord | undefined {
    return this.writeSync(() => {
      const rec = this.db.keys.get(id);
      if (!rec || rec.revokedAt) return rec;
      const revoked = { ...rec, revokedAt: new Date().toISOString() };
      this.db.keys.putSync(id, revoked);
      this.bumpGeneration();
      this.audit(rec.org, 'key.revoked', actor, null, { key_id: id, name: rec.name });
      return revoked;
    });
  }

  revokeToken(id: string, actor?: Actor): TokenRecord | undefined {
    return this.writeSync(() => {
      const rec = this.db.tokens.get(id);
      if (!rec || rec.revokedAt) return rec;
      const revoked = { ...rec, revokedAt: new Date().toISOString() };
      this.db.tokens.putSync(id, revoked);
      this.bumpGeneration();
      this.audit(rec.org, 'token.revoked', actor, null, { token_id: id, name: rec.name });
      return revoked;
    });
  }

  rotateKey(id: string, next: KeyRecord, actor?: Actor): KeyRecord | undefined {
    return this.writeSync(() => {
      const rec = this.db.keys.get(id);
      if (!rec) return undefined;
      const revoked = { ...rec, revokedAt: rec.revokedAt ?? new Date().toISOString() };
      this.db.keys.putSync(id, revoked);
      this.db.keys.putSync(next.id, next);
      this.bumpGeneration();
      this.audit(rec.org, 'key.rotated', actor, null, { key_id: id, new_key_id: next.id, name: rec.name });
      return revoked;
    });
  }
}
