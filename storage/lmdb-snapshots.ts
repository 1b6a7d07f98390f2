/**
 * Snapshots in LMDB: "<repo id>:<name>" -> SnapshotRecord (msgpack). ":" cannot start a name
 * the API accepts, and "<id>;" sorts right after every "<id>:…" key, so one range is one repo.
 */
import type { Database } from 'lmdb';
import { conflict } from '../src/core/errors.js';
import type { SnapshotRecord } from './store.js';

const key = (repoId: number, name: string) => `${repoId}:${name}`;
const range = (repoId: number) => ({ start: `${repoId}:`, end: `${repoId};` });

export class SnapshotTable {
  constructor(
    private readonly db: Database<SnapshotRecord, string>,
    /** a synchronous write transaction (a full disk fails it as INSUFFICIENT_STORAGE) */
    private readonly writeSync: <T>(fn: () => T) => T,
  ) {}

  create(repoId: number, s: Omit<SnapshotRecord, 'createdAt'>): SnapshotRecord {
    return this.writeSync(() => {
      if (this.db.get(key(repoId, s.name)) !== undefined) throw conflict(`Snapshot '${s.name}' already exists`, { snapshot: s.name });
      const rec: SnapshotRecord = { ...s, createdAt: new Date().toISOString() };
      this.db.putSync(key(repoId, s.name), rec);
      return rec;
    });
  }

  get(repoId: number, name: string): SnapshotRecord | undefined {
    return this.db.get(key(repoId, name));
  }

  list(repoId: number): SnapshotRecord[] {
    const out: SnapshotRecord[] = [];
    for (const { value } of this.db.getRange(range(repoId))) out.push(value);
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.name < b.name ? -1 : 1));
  }

  delete(repoId: number, name: string): boolean {
    return this.writeSync(() => {
      if (this.db.get(key(repoId, name)) === undefined) return false;
      this.db.removeSync(key(repoId, name));
      return true;
    });
  }

  /** Inside the caller's write transaction: every snapshot of the repo goes. */
  removeAllSync(repoId: number): void {
    const keys = [...this.db.getKeys(range(repoId))];
    for (const k of keys) this.db.removeSync(k);
  }
}
