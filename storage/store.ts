/**
 * The storage contract. Only files under storage/ know how it is kept (LMDB today).
 * Objects are global and content-addressed; a repo sees an object only through its
 * membership, so an object reachable only from a private repo is never served elsewhere.
 */
import type { PackedEntry } from '../src/core/pack/indexer.js';

export type Visibility = 'public' | 'private';

export interface RepoRecord {
  id: number;
  org: string;
  namespace: string | null;
  slug: string;
  description: string;
  visibility: Visibility;
  defaultBranch: string;
  /** refuse non-fast-forward ref updates over git (receive.denyNonFastForwards) */
  denyNonFastForwards: boolean;
  createdAt: string;
  updatedAt: string;
  /** a template others start repos from (absent in records written before templates: false) */
  isTemplate?: boolean;
  /** the repo this one was forked from, as it was named then */
  forkedFrom?: ForkOrigin;
  /** the repo at the top of the fork chain, and this one's distance from it (0: not a fork) */
  forkRoot?: number;
  forkDepth?: number;
}

export interface ForkOrigin {
  repoId: number;
  org: string;
  namespace: string | null;
  slug: string;
}

/** A named restore point of a repo: a branch's head when it was taken. */
export interface SnapshotRecord {
  name: string;
  branch: string;
  commitSha: string;
  metadata: Record<string, unknown> | null;
  createdAt: string;
}

/** Ref moves that one transaction made, in the order given to updateRefs. */
export interface RefsUpdated {
  repoId: number;
  updates: Array<{ name: string; previous: string | null; next: string | null }>;
}

export interface NewRepo {
  org: string;
  namespace: string | null;
  slug: string;
  description?: string;
  visibility: Visibility;
  defaultBranch: string;
  denyNonFastForwards?: boolean;
  isTemplate?: boolean;
  forkedFrom?: ForkOrigin;
  forkRoot?: number;
  forkDepth?: number;
}

/** A master key: everything in its org, until revoked. */
export interface KeyRecord {
  id: string;
  org: string;
  name: string;
  /** sha256 of the secret part, hex */
  hash: string;
  createdAt: string;
  /** set once revoked; the record stays, for the audit log and the key list */
  revokedAt?: string | null;
}

/** A token: what its scopes allow in its org, until it expires or is revoked. */
export interface TokenRecord {
  id: string;
  org: string;
  name: string;
  /** normalized scopes (core/scopes.ts): "repos:<pattern>" -> levels */
  scopes: Record<string, Array<'read' | 'write' | 'admin'>>;
  /** sha256 of the secret part, hex */
  hash: string;
  createdAt: string;
  expiresAt: string;
  /** the key that made it */
  createdBy: string | null;
  revokedAt?: string | null;
}

/** Through which door a change came. */
export type Door = 'git' | 'v1' | 'api' | 'cli' | 'internal';

/** Who made a change: a credential (none for changes the server makes itself) and a door. */
export interface Actor {
  credentialId: string | null;
  kind: 'key' | 'token' | null;
  door: Door;
}

export type AuditAction =
  | 'repo.created'
  | 'repo.updated'
  | 'repo.deleted'
  | 'ref.updated'
  | 'push.received'
  | 'token.created'
  | 'token.revoked'
  | 'key.created'
  | 'key.revoked'
  | 'key.rotated';

export const AUDIT_ACTIONS: readonly AuditAction[] = [
  'repo.created', 'repo.updated', 'repo.deleted', 'ref.updated', 'push.received',
  'token.created', 'token.revoked', 'key.created', 'key.revoked', 'key.rotated',
];

export interface AuditRecord {
  /** orders the org's log (time first); the cursor of a page */
  id: string;
  at: string;
  org: string;
  action: AuditAction;
  actor: Actor;
  repo: { id: number; path: string } | null;
  details: Record<string, unknown>;
}

export interface AuditQuery {
  org: string;
  limit: number;
  /** newest first: entries older than this id (a previous page's last) */
  before?: string;
  action?: AuditAction;
  /** Unix ms, inclusive */
  since?: number;
  /** Unix ms, exclusive */
  until?: number;
}

/** What a write records beside its change, in the same transaction (so neither is ever without the other). */
export interface WriteContext {
  actor?: Actor;
  /** a push: a push.received entry beside its ref.updated ones */
  push?: { bytes: number; objects: number };
  /** counters added with the change: usage key -> counter -> amount */
  usage?: Record<string, Record<string, number>>;
}

export interface OrgRecord {
  name: string;
  createdAt: string;
}

export interface StoredObject {
  /** pack type number: 1 commit, 2 tree, 3 blob, 4 tag */
  type: number;
  data: Buffer;
}

/** What an object's header says: its type and content size, read without its content. */
export interface ObjectInfo {
  type: number;
  size: number;
}

/** An object as a pack carried it, kept so that serving reuses its compression and delta. */
export type PackedObject = PackedEntry;

export interface NewObject {
  oid: Uint8Array;
  type: number;
  data: Uint8Array;
  /** the entry to reuse when serving, if the object came in a pack */
  packed?: PackedObject;
}

/**
 * Objects on their way to the store: `add` encodes one at once (its views need only last the
 * call) and holds it; `flush` hands what is held to the writer thread as one batch, each
 * written only if absent, and resolves once they are committed.
 */
export interface ObjectWriter {
  /** The bytes the object's record takes. */
  add(object: NewObject): number;
  flush(): Promise<void>;
}

/** One object a repo holds. */
export interface Membership {
  repoId: number;
  oid: Buffer;
}

export interface RefEntry {
  name: string;
  oid: string;
}

/** One ref change. `expect`: the value the ref must have now (null: must not exist; undefined: any). */
export interface RefUpdate {
  name: string;
  expect?: string | null;
  /** null deletes the ref */
  next: string | null;
}

export type RefUpdateResult = { name: string; ok: true; previous: string | null } | { name: string; ok: false; current: string | null; reason: string };

/**
 * Every write fails with GitwellError INSUFFICIENT_STORAGE when the disk has no room for it,
 * and then changes nothing (a transaction commits whole or not at all).
 */
export interface Store {
  // objects
  hasObject(oid: Uint8Array): boolean;
  /** Type and size without reading the content (a blob's content may need resolving). */
  objectInfo(oid: Uint8Array): ObjectInfo | undefined;
  /** An owned copy of the object. */
  getObject(oid: Uint8Array): StoredObject | undefined;
  /**
   * A view valid only until the next read from the store: parse it or copy it at once. Never
   * write into it (it may be shared with a cache).
   */
  viewObject(oid: Uint8Array): StoredObject | undefined;
  /**
   * Queues objects for the background writer; resolves once they are committed (visible to
   * reads). Content-addressed: an object already stored is left as it is. Durable no later
   * than the next updateRefs resolves.
   */
  putObjectsAsync(objects: Iterable<NewObject>): Promise<void>;
  /** Writes many objects in batches, without a promise per object (a push writes hundreds of thousands). */
  objectWriter(): ObjectWriter;
  /** The reusable pack entry of an object (a view valid until the next read), if it has one. */
  viewPacked(oid: Uint8Array): PackedObject | undefined;
  /** Only the delta depth and base of the packed entry, without its bytes. */
  packedDepth(oid: Uint8Array): number;

  // membership
  isMember(repoId: number, oid: Uint8Array): boolean;
  /** Objects of this repo: membership and existence. */
  hasRepoObject(repoId: number, oid: Uint8Array): boolean;

  // refs
  getRef(repoId: number, name: string): string | undefined;
  listRefs(repoId: number, prefix?: string): RefEntry[];
  /**
   * Applies ref updates and adds `members` to the repo's membership in ONE write transaction,
   * resolving once it is durable. atomic: all updates succeed or none is applied (and no
   * membership is added). Not atomic: each update is checked on its own; membership is added
   * if any succeeded. `objects` are stored in the same transaction, only if it applies anything.
   * When the updates create the first branches of a repo that had none, and its default branch
   * is not among them, the default becomes one of them (core/default-branch.ts), in the same
   * transaction: racing writers cannot leave HEAD naming a branch that does not exist.
   * A repo deleted before the transaction lands gets nothing of it: NOT_FOUND "repo deleted"
   * (deleteRepo and updateRefs serialize: no ref or membership outlives its repo).
   */
  updateRefs(repoId: number, updates: RefUpdate[], members: Iterable<Uint8Array>, atomic: boolean, objects?: Iterable<NewObject>, write?: WriteContext): Promise<RefUpdateResult[]>;
  /**
   * Calls `listener` with the refs every updateRefs of this process moved, once they are
   * visible to reads, in the order the transactions committed (so, for any one ref, in the
   * order it moved). Returns the function that stops the calls.
   */
  onRefsUpdated(listener: (e: RefsUpdated) => void): () => void;
  /**
   * Another process sharing the data dir (the CLI's import, repo set) changed the repo: this
   * process moves its generation and tells its ref listeners of the moves, as if made here.
   */
  changedElsewhere(e: RefsUpdated): void;

  // repos
  /**
   * A counter of this process that moves whenever the repo's refs or record change here (ref
   * updates, repo updates, deletion): what was read from the repo while it stayed the same
   * still holds. Changes made by another process sharing the data dir move it when that
   * process tells the server (services/ref-notices.ts, changedElsewhere).
   */
  repoGeneration(id: number): number;
  /** Creates the repo; the audit entry (repo.created) lands with it. */
  createRepo(repo: NewRepo, actor?: Actor): RepoRecord;
  getRepo(id: number): RepoRecord | undefined;
  findRepo(org: string, namespace: string | null, slug: string): RepoRecord | undefined;
  listRepos(org: string): RepoRecord[];
  /** Every repo of every org. */
  allRepos(): RepoRecord[];
  updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'description' | 'visibility' | 'defaultBranch' | 'denyNonFastForwards' | 'isTemplate'>>, actor?: Actor): RepoRecord;
  /** Deletes the repo with its refs, membership and snapshots. */
  deleteRepo(id: number, actor?: Actor): void;
  /**
   * A new repo holding what `sourceId` holds now: its refs, and membership of every object it
   * has (objects are shared, never copied), in one transaction with its audit entry
   * (repo.created, naming the source). Returns the new record and how many objects it shares.
   * CONFLICT when the name is taken, NOT_FOUND when the source is gone. It adds members: the
   * caller holds the store's write gate (services/gc.ts).
   */
  forkRepo(sourceId: number, repo: NewRepo, actor?: Actor): { repo: RepoRecord; shared: number };

  // snapshots: named restore points of a repo
  /** CONFLICT when the repo has a snapshot of that name. */
  createSnapshot(repoId: number, snapshot: Omit<SnapshotRecord, 'createdAt'>): SnapshotRecord;
  getSnapshot(repoId: number, name: string): SnapshotRecord | undefined;
  /** Oldest first. */
  listSnapshots(repoId: number): SnapshotRecord[];
  /** False when there was none of that name. */
  deleteSnapshot(repoId: number, name: string): boolean;

  // usage counters (quotas): named numbers under a key ("<org>", "<org>:<YYYY-MM>")
  getUsage(key: string): Record<string, number>;
  /**
   * Adds `delta` to the counters of `key`: queued for the writer thread (the caller does not
   * wait for the disk); resolves once durable. Concurrent adds, from any process, all count.
   */
  addUsage(key: string, delta: Record<string, number>): Promise<void>;
  /** Merges the adds made so far into one record per key (a short synchronous transaction). */
  compactUsage(): void;

  // orgs and credentials; every change is audited in its own transaction
  ensureOrg(name: string): OrgRecord;
  getOrg(name: string): OrgRecord | undefined;
  putKey(key: KeyRecord, actor?: Actor): void;
  getKey(id: string): KeyRecord | undefined;
  listKeys(org: string): KeyRecord[];
  putToken(token: TokenRecord, actor?: Actor): void;
  getToken(id: string): TokenRecord | undefined;
  listTokens(org: string): TokenRecord[];
  /** Marks the key revoked (once) and moves the credential generation; undefined when there is no such key. */
  revokeKey(id: string, actor?: Actor): KeyRecord | undefined;
  revokeToken(id: string, actor?: Actor): TokenRecord | undefined;
  /** Stores `next` and revokes key `id` in one transaction; the old record (revoked), or undefined when there is none. */
  rotateKey(id: string, next: KeyRecord, actor?: Actor): KeyRecord | undefined;
  /**
   * A number that moves with every revocation, by any process sharing the data dir: a
   * credential verified while it stayed the same is still good. Read on every request (an
   * LMDB read: a lookup in the memory map, no system call).
   */
  credentialGeneration(): number;

  // the audit log
  listAudit(query: AuditQuery): AuditRecord[];

  // garbage collection (services/collector.ts decides what goes; these read pages and remove)
  /** Drops the repo's membership of every object `keep` says no to; returns how many went. */
  retainMembers(repoId: number, keep: (oid: Buffer) => boolean): number;
  /** Up to `limit` memberships in key order (repo id, then oid), after `after` (a page's last). */
  membershipPage(after: Membership | null, limit: number): Membership[];
  /** Up to `limit` object ids in order, after `after` (a page's last). */
  objectPage(after: Buffer | null, limit: number): Buffer[];
  /** Removes these objects, in transactions of a bounded size; how many there were, and their stored bytes. */
  removeObjects(oids: Buffer[]): { removed: number; bytes: number };
  removeMemberships(list: Membership[]): void;

  close(): void;
}
