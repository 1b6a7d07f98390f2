/**
 * The LMDB store: one environment, several named databases.
 *   objects       20-byte oid -> the object record (storage/object-record.ts): type and size,
 *                 the content when kept whole (read without copying via viewObject), and the
 *                 pack entry it came in (reused when serving; for a blob, its only content,
 *                 resolved on read by core/pack/chain.ts). Written once, never replaced, so
 *                 delta chains only point back.
 *   repo_objects  u32 repo id + oid -> empty (membership)
 *   refs          "<repo id>:<ref name>" -> hex oid (":" cannot appear in a ref name), versioned;
 *                 and "stamp:<repo id>" -> "", whose version moves whenever the repo record is
 *                 written or deleted or the repo's first branches are created (see
 *                 firstBranches); every ref transaction is conditioned on it (see updateRefs)
 *   repos         repo id -> RepoRecord;  repo_names "org/ns/slug" -> repo id
 *   orgs, keys, tokens, generations   credentials (storage/accounts.ts)
 *   audit         the audit log (storage/audit-log.ts), written in each change's own transaction
 *   usage         counters (storage/usage-counters.ts)
 *   meta          the repo id sequence, the store format
 *   snapshots     "<repo id>:<name>" -> SnapshotRecord (storage/lmdb-snapshots.ts)
 * Every multi-key change is one write transaction; LMDB makes it durable before it returns.
 * A write the disk has no room for fails as INSUFFICIENT_STORAGE and changes nothing; no write
 * promise is ever left to reject unhandled (storage/write-failure.ts).
 */
import fs from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import { firstBranchesDefault } from '../src/core/default-branch.js';
import { conflict, GitwellError, notFound } from '../src/core/errors.js';
import { isName } from '../src/core/names.js';
import { ChainReader } from '../src/core/pack/chain.js';
import { Accounts } from './accounts.js';
import { auditEntry, listAudit, refUpdateRecords } from './audit-log.js';
import { encodeRecord, RecordSlabs, recordContent, recordDepth, recordEntry, recordInfo, RECORD_FLAG_LIMIT } from './object-record.js';
import { SnapshotTable } from './lmdb-snapshots.js';
import type {
  Actor, AuditQuery, AuditRecord, KeyRecord, Membership, NewObject, NewRepo, ObjectWriter, PackedObject, ObjectInfo, OrgRecord, RefEntry,
  RefsUpdated, RefUpdate, RefUpdateResult, RepoRecord, SnapshotRecord, Store, StoredObject, TokenRecord, WriteContext,
} from './store.js';
import { compactUsage, readUsage, usageAdd } from './usage-counters.js';
import { syncWriteError, unawaited, written } from './write-failure.js';

const EMPTY = Buffer.alloc(0);
const ignore = () => undefined;
/** lmdb-js takes PutOptions here, though its typings only declare a version number */
const NO_OVERWRITE = { noOverwrite: true } as unknown as number;
/**
 * The store format this code reads and writes. 1: loose objects and a `packed` db; 2: object
 * records, refs without versions; 3: object records, refs with versions (see updateRefs).
 */
const FORMAT = 3;
/**
 * The address space the data file is mapped into (not its size: the file grows as it is
 * written). lmdb-js otherwise starts with a small map and, each time it fills, maps the file
 * again in a larger one while keeping the old mappings: every page then counts once per
 * mapping that touched it, and a push of a big repo showed twice its store in resident memory.
 */
const MAP_BYTES = 2 ** 40;

function memberKey(repoId: number, oid: Uint8Array): Buffer {
  const k = Buffer.allocUnsafe(24);
  k.writeUInt32BE(repoId, 0);
  k.set(oid.subarray(0, 20), 4);
  return k;
}

/** The keys of one repo's membership. */
function memberRange(repoId: number): { start: Buffer; end: Buffer } {
  const start = Buffer.alloc(4);
  start.writeUInt32BE(repoId);
  const end = Buffer.alloc(4);
  end.writeUInt32BE(repoId + 1);
  return { start, end };
}

const oidKey = (oid: Uint8Array) => Buffer.from(oid.buffer, oid.byteOffset, 20);

/** lmdb-js hands large values over as a plain Uint8Array over its map: the same bytes as a Buffer. */
const asBuffer = (v: Uint8Array | undefined): Buffer | undefined => (v === undefined || Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));

const refKey = (repoId: number, name: string) => `${repoId}:${name}`;
/** Sorts after every "<digits>:" key, so no repo's ref range ever holds it. */
const stampKey = (repoId: number) => `stamp:${repoId}`;
const HEADS = 'refs/heads/';

/** What a ref update that creates a repo's first branches writes besides the refs. */
interface FirstBranches {
  record: RepoRecord;
  /** the new default branch, or null when the configured one is among those created */
  defaultBranch: string | null;
}
const nameKey = (org: string, ns: string | null, slug: string) => `${org}/${ns ?? ''}/${slug}`;

export class LmdbStore implements Store {
  private readonly env: RootDatabase;
  private readonly objects: Database<Buffer, Buffer>;
  private readonly members: Database<Buffer, Buffer>;
  private readonly refs: Database<string, string>;
  private readonly repos: Database<RepoRecord, number>;
  private readonly repoNames: Database<number, string>;
  private readonly meta: Database<number, string>;
  private readonly usage: Database<Record<string, number>, string>;
  private readonly audit: Database<AuditRecord, string>;
  private readonly accounts: Accounts;
  private readonly snapshots: SnapshotTable;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.env = open({ path: dir, noSubdir: false, maxDbs: 24, compression: false, mapSize: MAP_BYTES });
    this.objects = this.env.openDB({ name: 'objects', encoding: 'binary', keyEncoding: 'binary' });
    this.members = this.env.openDB({ name: 'repo_objects', encoding: 'binary', keyEncoding: 'binary' });
    this.refs = this.env.openDB({ name: 'refs', encoding: 'string', useVersions: true });
    this.repos = this.env.openDB({ name: 'repos', encoding: 'msgpack' });
    this.repoNames = this.env.openDB({ name: 'repo_names', encoding: 'msgpack' });
    this.meta = this.env.openDB({ name: 'meta', encoding: 'msgpack' });
    this.usage = this.env.openDB({ name: 'usage', encoding: 'msgpack' });
    this.audit = this.env.openDB({ name: 'audit', encoding: 'msgpack' });
    this.accounts = new Accounts(
      {
        orgs: this.env.openDB({ name: 'orgs', encoding: 'msgpack' }),
        keys: this.env.openDB({ name: 'keys', encoding: 'msgpack' }),
        tokens: this.env.openDB({ name: 'tokens', encoding: 'msgpack' }),
        generations: this.env.openDB({ name: 'generations', encoding: 'binary' }),
        audit: this.audit,
      },
      (fn) => this.writeSync(fn),
    );
    this.snapshots = new SnapshotTable(this.env.openDB({ name: 'snapshots', encoding: 'msgpack' }), (fn) => this.writeSync(fn));
    this.checkFormat(dir);
    let top = 0;
    for (const { version } of this.refs.getRange({ versions: true })) if (version !== undefined && version > top) top = version;
    this.refVersion = Math.max(Date.now() * 1024, top + 1);
  }

  /** A new store is marked with FORMAT; one written in another format is refused, not misread. */
  private checkFormat(dir: string): void {
    const found = this.env.transactionSync(() => {
      const f = this.meta.get('format');
      if (f !== undefined) return f;
      for (const { value } of this.objects.getRange({ limit: 1 })) if (value[0] >= RECORD_FLAG_LIMIT) return 1;
      this.meta.putSync('format', FORMAT);
      return FORMAT;
    });
    if (found !== FORMAT) {
      this.env.close();
      throw new Error(`${dir} holds a gitwell store of format ${found}; this gitwell reads format ${FORMAT}. Serve it with the gitwell that wrote it, or start from a new data dir and push the repos again.`);
    }
  }

  // ---- objects

  /** An object's record, as a view valid until the next read. */
  private record(oid: Uint8Array): Buffer | undefined {
    return asBuffer(this.objects.getBinaryFast(oidKey(oid)));
  }

  hasObject(oid: Uint8Array): boolean {
    return this.objects.doesExist(oidKey(oid));
  }

  objectInfo(oid: Uint8Array): ObjectInfo | undefined {
    const v = this.record(oid);
    return v ? recordInfo(v) : undefined;
  }

  /** Blobs kept as their pack entry, resolved on read (with a cache of what was resolved). */
  private readonly chains = new ChainReader({
    whole: (oid) => {
      const v = this.record(oid);
      return (v && recordContent(v)) ?? undefined;
    },
    entry: (oid) => this.viewPacked(oid),
  });

  viewObject(oid: Uint8Array): StoredObject | undefined {
    const key = oidKey(oid);
    const v = this.record(key);
    if (!v) return undefined;
    const type = v[0] & 7;
    const content = recordContent(v);
    if (content) return { type, data: content };
    // the caller's oid may itself be a view of an earlier read, which the chain's reads replace
    return { type, data: this.chains.read(Buffer.from(key)) };
  }

  getObject(oid: Uint8Array): StoredObject | undefined {
    const o = this.viewObject(oid);
    return o && { type: o.type, data: Buffer.from(o.data) };
  }

  putObjectsAsync(objects: Iterable<NewObject>): Promise<void> {
    // lmdb-js batches the writes of one event turn into one transaction on its writer thread.
    // A record is written only if its key is absent when the writer gets to it
    // (MDB_NOOVERWRITE): of two pushes carrying one object in different deltas the first to
    // commit keeps its entry, so entries never mix (which could make a delta chain loop). Each
    // such put has its own promise, and each rejects when the transaction fails: all are
    // listened to, or a full disk would end the process.
    // (not an async function: the objects are encoded now and not kept while the writer works)
    const puts: Array<Promise<boolean>> = [];
    for (const o of objects) puts.push(this.objects.put(oidKey(o.oid), encodeRecord(o), NO_OVERWRITE));
    if (puts.length === 0) return Promise.resolve();
    this.hearBatch();
    return written(Promise.all(puts).then(() => undefined), this.dir);
  }

  private batchHeard = false;

  /**
   * lmdb-js opens each event turn's transaction with a write of its own, in a setImmediate the
   * turn's first write queued, and keeps that write's promise to itself: when the transaction
   * fails, it rejects unhandled. Once it exists it is what `committed` means, so an immediate
   * queued after ours listens to it.
   */
  private hearBatch(): void {
    if (this.batchHeard) return;
    this.batchHeard = true;
    setImmediate(() => {
      this.batchHeard = false;
      unawaited(this.env.committed);
    });
  }

  private readonly slabs = new RecordSlabs();

  objectWriter(): ObjectWriter {
    let keys: Buffer[] = [];
    let records: Buffer[] = [];
    return {
      add: (o) => {
        const record = encodeRecord(o, this.slabs.alloc);
        keys.push(oidKey(o.oid));
        records.push(record);
        return record.length;
      },
      flush: () => {
        if (keys.length === 0) return Promise.resolve();
        const [k, r] = [keys, records];
        keys = [];
        records = [];
        // One batch, one promise (the transaction's): a push's hundreds of thousands of puts
        // make no promise each. lmdb-js (3.5): put(key, value, callback, null) is called back
        // instead of making a promise, and null as the version to expect means "only if
        // absent" (MDB_NOOVERWRITE); its typings say neither (store-objects.test.ts checks it).
        // A failure reaches us through the batch's promise; the callbacks have nothing to add.
        const put = this.objects.put as unknown as (key: Buffer, value: Buffer, cb: () => void, ifVersion: null) => void;
        const batch = this.objects.batch(() => {
          for (let i = 0; i < k.length; i++) put.call(this.objects, k[i], r[i], ignore, null);
        });
        this.hearBatch();
        return written(batch, this.dir).then(ignore);
      },
    };
  }

  viewPacked(oid: Uint8Array): PackedObject | undefined {
    const v = this.record(oid);
    return v ? recordEntry(v) : undefined;
  }

  packedDepth(oid: Uint8Array): number {
    const v = this.record(oid);
    return v ? recordDepth(v) : 0;
  }

  // ---- membership

  isMember(repoId: number, oid: Uint8Array): boolean {
    return this.members.doesExist(memberKey(repoId, oid));
  }

  hasRepoObject(repoId: number, oid: Uint8Array): boolean {
    return this.isMember(repoId, oid) && this.hasObject(oid);
  }

  // ---- refs

  getRef(repoId: number, name: string): string | undefined {
    return this.refs.get(refKey(repoId, name));
  }

  listRefs(repoId: number, prefix = ''): RefEntry[] {
    const start = refKey(repoId, prefix);
    const end = `${repoId};`;
    const out: RefEntry[] = [];
    for (const { key, value } of this.refs.getRange({ start, end })) {
      const name = key.slice(String(repoId).length + 1);
      if (!name.startsWith(prefix)) break;
      out.push({ name, oid: value });
    }
    return out;
  }

  /**
   * Versions for ref entries: unique and increasing, so a version read names one state of a
   * ref. They start above every version stored, whatever the clock says.
   */
  private refVersion = 0;

  /**
   * Compare-and-swap of refs on LMDB's writer thread. The values are checked here first; then
   * the writes are queued under conditions that each ref still has the version read (or is
   * still absent), nested so that they, the membership and a receipt land together or not at
   * all, in whatever transaction the writer is batching. The receipt says whether they did
   * (lmdb-js's promises for nested conditions do not, when an earlier write of the same
   * transaction broke an outer one); a race lost between the check and the write is checked
   * again from the start. The caller hears the result once the transaction is flushed to
   * disk; the main thread never waits for the disk. A repo deleted before the writes land
   * (its record gone, its stamp moved) gets none of them: NOT_FOUND "repo deleted".
   */
  async updateRefs(repoId: number, updates: RefUpdate[], members: Iterable<Uint8Array>, atomic: boolean, objects: Iterable<NewObject> = [], ctx: WriteContext = {}): Promise<RefUpdateResult[]> {
    const memberKeys = [...members].map((m) => memberKey(repoId, m));
    const records = [...objects].map((o) => [oidKey(o.oid), encodeRecord(o)] as const);
    for (let attempt = 0; ; attempt++) {
      // the repo as read: its deletion moves its stamp, so every write below is conditioned
      // on the stamp too, and a deletion landing meanwhile makes them all not land
      const stamp = this.refs.getEntry(stampKey(repoId));
      const record = this.repos.get(repoId);
      if (!record) throw new GitwellError('NOT_FOUND', 'repo deleted', { repo_id: repoId });
      const keys = updates.map((u) => refKey(repoId, u.name));
      const seen = keys.map((k) => this.refs.getEntry(k));
      const results: RefUpdateResult[] = updates.map((u, i) => {
        const current = seen[i]?.value ?? null;
        if (u.expect !== undefined && u.expect !== current) return { name: u.name, ok: false, current, reason: 'stale old value' };
        return { name: u.name, ok: true, previous: current };
      });
      if (atomic && results.some((r) => !r.ok)) {
        return results.map((r) => (r.ok ? { name: r.name, ok: false as const, current: r.previous, reason: 'atomic push failed' } : r));
      }
      const passing = updates.flatMap((_, i) => (results[i].ok ? [i] : []));
      if (passing.length === 0) return results;
      const first = this.firstBranches(record, updates, passing, seen);
      const extra = refUpdateRecords(record, updates, passing, results, first && first.defaultBranch !== null ? first.defaultBranch : null, ctx);

      // removed once read; a crash in between leaves one tiny key behind, which no other
      // process may clean up (it cannot tell a dead writer's receipt from a live one's)
      const receipt = `receipt:${process.pid}:${++this.refVersion}`;
      // every write goes in the innermost callback: lmdb-js carries out a write placed after an
      // inner condition's block even when an outer condition failed
      const write = () => {
        this.meta.put(receipt, 1);
        // plain puts: lmdb-js carries out a no-overwrite put even when the condition around it
        // fails. An object stored meanwhile by someone else is replaced by the same content,
        // kept whole (no entry, so no delta chain can loop through it)
        for (const [key, value] of records) if (!this.objects.doesExist(key)) this.objects.put(key, value);
        for (const i of passing) {
          const next = updates[i].next;
          if (next === null) this.refs.remove(keys[i]);
          else this.refs.put(keys[i], next, ++this.refVersion);
        }
        for (const k of memberKeys) this.members.put(k, EMPTY);
        if (first) {
          this.refs.put(stampKey(repoId), '', ++this.refVersion);
          if (first.defaultBranch !== null) {
            this.repos.put(repoId, { ...first.record, defaultBranch: first.defaultBranch, updatedAt: new Date().toISOString() });
          }
        }
        // the audit entries and usage adds: new keys, so they need no read and no condition
        for (const [k, v] of extra.audit) this.audit.put(k, v);
        for (const [k, v] of extra.usage) this.usage.put(k, v);
      };
      // each passing ref as read, and the stamp: a deletion of the repo, a change of its record
      // or a racing first push moved it, and this is read again (of two racing first pushes one
      // lands, the other is then not first and leaves the default alone)
      const guards: Array<{ key: string; entry: { version?: number } | undefined }> = passing.map((i) => ({ key: keys[i], entry: seen[i] }));
      guards.push({ key: stampKey(repoId), entry: stamp });
      // the receipt, not these promises, says whether the writes landed; they are listened to
      // only so that a failed transaction leaves none of them unhandled
      const nest = (n: number): void => {
        if (n === guards.length) return write();
        const { key, entry } = guards[n];
        unawaited(entry ? this.refs.ifVersion(key, entry.version!, () => nest(n + 1)) : this.refs.ifNoExists(key, () => nest(n + 1)));
      };
      nest(0);
      this.hearBatch();
      // asked now, both mean the transaction just queued into (lmdb-js's `flushed` never
      // settles for a transaction that failed: only this one's is awaited, and only once it
      // is known to have committed)
      const committed = written(this.env.committed, this.dir);
      const flushed = written(this.env.flushed, this.dir);
      await committed;
      const landed = this.meta.get(receipt) !== undefined;
      if (landed) {
        // visible from now on: what was read from the repo before no longer holds
        this.bump(repoId);
        // told here, not after the flush: the next transaction on these refs may only commit
        // after this one did, and its continuation runs after this one's, so order is kept
        this.emitRefs({ repoId, updates: passing.map((i) => ({ name: updates[i].name, previous: seen[i]?.value ?? null, next: updates[i].next })) });
        unawaited(this.meta.remove(receipt));
        this.hearBatch();
        await flushed;
        return results;
      }
      if (attempt === 100) throw new Error('gitwell store: ref updates lost 100 races in a row');
    }
  }

  /**
   * When `passing` creates branches in a repo that has none, the repo's default branch may
   * change (core/default-branch.ts); it is written with the refs, under the condition that the
   * repo's stamp is as read here. Every such write moves the stamp, and so does every write of
   * the record (updateRepo), so the record written cannot undo a change made meanwhile, and of
   * racing first pushes only the first to land decides the default.
   */
  private firstBranches(record: RepoRecord, updates: RefUpdate[], passing: number[], seen: Array<{ version?: number } | undefined>): FirstBranches | null {
    const created = passing.filter((i) => !seen[i] && updates[i].next !== null && updates[i].name.startsWith(HEADS)).map((i) => updates[i].name.slice(HEADS.length));
    if (created.length === 0) return null;
    // "0" follows "/": the range is every ref under refs/heads/
    for (const _ of this.refs.getKeys({ start: refKey(record.id, HEADS), end: refKey(record.id, 'refs/heads0'), limit: 1 })) return null;
    return { record, defaultBranch: firstBranchesDefault(record.defaultBranch, created) };
  }

  /** Moves the repo's stamp: inside a write transaction that writes (or removes) its record. */
  private restamp(id: number): void {
    this.refs.putSync(stampKey(id), '', ++this.refVersion);
  }

  private readonly refListeners = new Set<(e: RefsUpdated) => void>();

  onRefsUpdated(listener: (e: RefsUpdated) => void): () => void {
    this.refListeners.add(listener);
    return () => this.refListeners.delete(listener);
  }

  changedElsewhere(e: RefsUpdated): void {
    this.bump(e.repoId);
    if (e.updates.length > 0) this.emitRefs(e);
  }

  private emitRefs(e: RefsUpdated): void {
    for (const l of this.refListeners) {
      try {
        l(e);
      } catch (err) {
        // a listener's failure is its own; the ref update has landed whatever it does
        console.error('gitwell: a ref listener failed:', err);
      }
    }
  }

  // ---- repos

  private readonly generations = new Map<number, number>();

  repoGeneration(id: number): number {
    return this.generations.get(id) ?? 0;
  }

  private bump(id: number): void {
    this.generations.set(id, (this.generations.get(id) ?? 0) + 1);
  }

  /** A synchronous write transaction; a full disk fails it as INSUFFICIENT_STORAGE. */
  private writeSync<T>(fn: () => T): T {
    try {
      return this.env.transactionSync(fn);
    } catch (e) {
      throw syncWriteError(e, this.dir);
    }
  }

  createRepo(r: NewRepo, actor?: Actor): RepoRecord {
    return this.writeSync(() => {
      const rec = this.insertRepo(r);
      this.putAudit(auditEntry(rec.org, 'repo.created', actor, rec, { visibility: rec.visibility, default_branch: rec.defaultBranch }));
      return rec;
    });
  }

  /** Inside a write transaction: the new record, its name and its stamp. */
  private insertRepo(r: NewRepo): RepoRecord {
    const nk = nameKey(r.org, r.namespace, r.slug);
    if (this.repoNames.get(nk) !== undefined) throw conflict('repository already exists', { repo: nk });
    const id = (this.meta.get('repo_seq') ?? 0) + 1;
    this.meta.putSync('repo_seq', id);
    const now = new Date().toISOString();
    const rec: RepoRecord = {
      id,
      org: r.org,
      namespace: r.namespace,
      slug: r.slug,
      description: r.description ?? '',
      visibility: r.visibility,
      defaultBranch: r.defaultBranch,
      denyNonFastForwards: r.denyNonFastForwards ?? false,
      createdAt: now,
      updatedAt: now,
      ...(r.isTemplate ? { isTemplate: true } : {}),
      ...(r.forkedFrom ? { forkedFrom: r.forkedFrom, forkRoot: r.forkRoot, forkDepth: r.forkDepth } : {}),
    };
    this.repos.putSync(id, rec);
    this.repoNames.putSync(nk, id);
    this.restamp(id);
    return rec;
  }

  forkRepo(sourceId: number, r: NewRepo, actor?: Actor): { repo: RepoRecord; shared: number } {
    let shared = 0;
    const rec = this.writeSync(() => {
      const source = this.repos.get(sourceId);
      if (!source) throw notFound('repository');
      const created = this.insertRepo(r);
      // read first, then written: a cursor over what the same transaction writes is not to be trusted
      const refs = [...this.refs.getRange({ start: `${sourceId}:`, end: `${sourceId};` })];
      for (const { key, value } of refs) this.refs.putSync(refKey(created.id, key.slice(String(sourceId).length + 1)), value, ++this.refVersion);
      const members = [...this.members.getKeys(memberRange(sourceId))].map((k) => Buffer.from(k));
      for (const k of members) {
        k.writeUInt32BE(created.id, 0);
        this.members.putSync(k, EMPTY);
      }
      shared = members.length;
      this.putAudit(
        auditEntry(created.org, 'repo.created', actor, created, {
          visibility: created.visibility,
          default_branch: created.defaultBranch,
          forked_from: { id: source.id, org: source.org, path: source.namespace ? `${source.namespace}/${source.slug}` : source.slug },
          refs: refs.length,
          objects: shared,
        }),
      );
      return created;
    });
    this.bump(rec.id);
    return { repo: rec, shared };
  }

  getRepo(id: number): RepoRecord | undefined {
    return this.repos.get(id);
  }

  findRepo(org: string, namespace: string | null, slug: string): RepoRecord | undefined {
    const id = this.repoNames.get(nameKey(org, namespace, slug));
    return id === undefined ? undefined : this.repos.get(id);
  }

  listRepos(org: string): RepoRecord[] {
    const out: RepoRecord[] = [];
    // the scan is a key prefix: a name with "/" in it would reach into other orgs' keys
    if (!isName(org)) return out;
    for (const { value } of this.repoNames.getRange({ start: `${org}/`, end: `${org}0` })) {
      const rec = this.repos.get(value);
      if (rec) out.push(rec);
    }
    return out;
  }

  updateRepo(id: number, patch: Partial<Pick<RepoRecord, 'description' | 'visibility' | 'defaultBranch' | 'denyNonFastForwards' | 'isTemplate'>>, actor?: Actor): RepoRecord {
    const updated = this.writeSync(() => {
      const rec = this.repos.get(id);
      if (!rec) throw notFound('repository');
      const next = { ...rec, ...patch, updatedAt: new Date().toISOString() };
      this.repos.putSync(id, next);
      this.restamp(id);
      const changes: Record<string, unknown> = {};
      for (const k of Object.keys(patch) as Array<keyof typeof patch>) if (rec[k] !== next[k]) changes[k] = { from: rec[k], to: next[k] };
      this.putAudit(auditEntry(rec.org, 'repo.updated', actor, rec, changes));
      return next;
    });
    this.bump(id);
    return updated;
  }

  deleteRepo(id: number, actor?: Actor): void {
    this.writeSync(() => {
      const rec = this.repos.get(id);
      if (!rec) return;
      this.putAudit(auditEntry(rec.org, 'repo.deleted', actor, rec, { refs: this.listRefs(id).length }));
      for (const { key } of this.refs.getRange({ start: `${id}:`, end: `${id};` })) this.refs.removeSync(key);
      for (const key of this.members.getKeys(memberRange(id))) this.members.removeSync(key);
      this.snapshots.removeAllSync(id);
      this.repoNames.removeSync(nameKey(rec.org, rec.namespace, rec.slug));
      this.repos.removeSync(id);
      // the stamp stays (ids are never reused): a first push racing the deletion cannot then
      // write the record back
      this.restamp(id);
    });
    this.bump(id);
  }

  // ---- snapshots

  createSnapshot(repoId: number, snapshot: Omit<SnapshotRecord, 'createdAt'>): SnapshotRecord {
    return this.snapshots.create(repoId, snapshot);
  }

  getSnapshot(repoId: number, name: string): SnapshotRecord | undefined {
    return this.snapshots.get(repoId, name);
  }

  listSnapshots(repoId: number): SnapshotRecord[] {
    return this.snapshots.list(repoId);
  }

  deleteSnapshot(repoId: number, name: string): boolean {
    return this.snapshots.delete(repoId, name);
  }

  allRepos(): RepoRecord[] {
    const out: RepoRecord[] = [];
    for (const { value } of this.repos.getRange()) out.push(value);
    return out;
  }

  // ---- garbage collection

  retainMembers(repoId: number, keep: (oid: Buffer) => boolean): number {
    const drop: Buffer[] = [];
    for (const key of this.members.getKeys(memberRange(repoId))) if (!keep(key.subarray(4, 24))) drop.push(Buffer.from(key));
    this.removeInBatches(this.members, drop);
    if (drop.length > 0) this.bump(repoId);
    return drop.length;
  }

  membershipPage(after: Membership | null, limit: number): Membership[] {
    const out: Membership[] = [];
    const start = after ? memberKey(after.repoId, after.oid) : undefined;
    for (const key of this.members.getKeys({ start, limit: limit + 1 })) {
      if (start && key.equals(start)) continue;
      if (out.length === limit) break;
      out.push({ repoId: key.readUInt32BE(0), oid: Buffer.from(key.subarray(4, 24)) });
    }
    return out;
  }

  objectPage(after: Buffer | null, limit: number): Buffer[] {
    const out: Buffer[] = [];
    for (const key of this.objects.getKeys({ start: after ?? undefined, limit: limit + 1 })) {
      if (after && key.equals(after)) continue;
      if (out.length === limit) break;
      out.push(Buffer.from(key));
    }
    return out;
  }

  removeObjects(oids: Buffer[]): { removed: number; bytes: number } {
    let bytes = 0;
    let removed = 0;
    for (let i = 0; i < oids.length; i += 10_000) {
      this.writeSync(() => {
        for (const k of oids.slice(i, i + 10_000)) {
          const v = this.objects.getBinaryFast(k);
          if (v === undefined) continue;
          bytes += v.length;
          removed++;
          this.objects.removeSync(k);
        }
      });
    }
    return { removed, bytes };
  }

  removeMemberships(list: Membership[]): void {
    const keys = list.map((m) => memberKey(m.repoId, m.oid));
    this.removeInBatches(this.members, keys);
    for (const id of new Set(list.map((m) => m.repoId))) this.bump(id);
  }

  /** Removes keys in transactions of a bounded size (one huge transaction holds every page). */
  private removeInBatches(db: Database<Buffer, Buffer>, keys: Buffer[]): void {
    for (let i = 0; i < keys.length; i += 10_000) {
      this.writeSync(() => {
        for (const k of keys.slice(i, i + 10_000)) db.removeSync(k);
      });
    }
  }

  // ---- usage counters

  getUsage(key: string): Record<string, number> {
    return readUsage(this.usage, key);
  }

  addUsage(key: string, delta: Record<string, number>): Promise<void> {
    const [k, v] = usageAdd(key, delta);
    const p = written(this.usage.put(k, v), this.dir).then(ignore);
    this.hearBatch();
    return p;
  }

  compactUsage(): void {
    this.writeSync(() => compactUsage(this.usage));
  }

  // ---- audit log

  /** Inside a sync write transaction. */
  private putAudit([key, value]: [string, AuditRecord]): void {
    this.audit.putSync(key, value);
  }

  listAudit(query: AuditQuery): AuditRecord[] {
    return listAudit(this.audit, query);
  }

  // ---- orgs and credentials (storage/accounts.ts)

  ensureOrg(name: string): OrgRecord {
    return this.accounts.ensureOrg(name);
  }
  getOrg(name: string): OrgRecord | undefined {
    return this.accounts.getOrg(name);
  }
  putKey(key: KeyRecord, actor?: Actor): void {
    this.accounts.putKey(key, actor);
  }
  getKey(id: string): KeyRecord | undefined {
    return this.accounts.getKey(id);
  }
  listKeys(org: string): KeyRecord[] {
    return this.accounts.listKeys(org);
  }
  putToken(token: TokenRecord, actor?: Actor): void {
    this.accounts.putToken(token, actor);
  }
  getToken(id: string): TokenRecord | undefined {
    return this.accounts.getToken(id);
  }
  listTokens(org: string): TokenRecord[] {
    return this.accounts.listTokens(org);
  }
  revokeKey(id: string, actor?: Actor): KeyRecord | undefined {
    return this.accounts.revokeKey(id, actor);
  }
  revokeToken(id: string, actor?: Actor): TokenRecord | undefined {
    return this.accounts.revokeToken(id, actor);
  }
  rotateKey(id: string, next: KeyRecord, actor?: Actor): KeyRecord | undefined {
    return this.accounts.rotateKey(id, next, actor);
  }
  credentialGeneration(): number {
    return this.accounts.generation();
  }

  close(): void {
    this.env.close();
  }
}
