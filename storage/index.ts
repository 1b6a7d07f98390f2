import { LmdbStore } from './lmdb.js';
import type { Store } from './store.js';

export type * from './store.js';
export { freeBytes } from './write-failure.js';

/** Opens (creating if needed) the store kept in `dir`. */
export function openStore(dir: string): Store {
  return new LmdbStore(dir);
}
export { AUDIT_ACTIONS } from './store.js';
