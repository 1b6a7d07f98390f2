/**
 * Is new history connected? Objects a push (or an import) just stored are not the repo's
 * yet: they join it, by membership, only if the new refs reach them and everything they
 * reach is theirs or already the repo's. A walk from the new tips down to what the repo
 * already holds proves it and yields the objects that join: an object no new tip reaches had
 * its links checked by nobody, and may name another repo's objects, so it stays out
 * (membership stays closed under reachability; upload-pack and the REST API rely on it).
 */
import { commitInfo, type CommitInfo } from '../core/commit-graph.js';
import type { ObjectFinder } from '../core/object/finder.js';
import { oidToHex } from '../core/oid.js';
import type { OidIndex } from '../core/oid-index.js';
import { walkObjectsAsync } from '../core/walk.js';
import type { ObjectInfo, Store } from '../../storage/index.js';

/** What was just stored, by the pack (or packs) it came in. */
export class NewObjects {
  private readonly parts: Array<{ index: OidIndex; types: Uint8Array; sizes: Float64Array }> = [];

  add(index: OidIndex, types: Uint8Array, sizes: Float64Array): void {
    this.parts.push({ index, types, sizes });
  }

  has(oid: Uint8Array): boolean {
    return this.parts.some((p) => p.index.indexOf(oid) >= 0);
  }

  info(oid: Uint8Array): ObjectInfo | undefined {
    for (const p of this.parts) {
      const i = p.index.indexOf(oid);
      if (i >= 0) return { type: p.types[i], size: p.sizes[i] };
    }
    return undefined;
  }
}

/** The repo's objects and the new ones: what the new history may link to. */
export function finderWith(store: Store, repoId: number, fresh: NewObjects): ObjectFinder {
  const known = (oid: Uint8Array) => fresh.has(oid) || store.isMember(repoId, oid);
  return {
    get: (oid) => (known(oid) ? store.viewObject(oid) : undefined),
    info: (oid) => fresh.info(oid) ?? (store.isMember(repoId, oid) ? store.objectInfo(oid) : undefined),
  };
}

export interface Connected {
  /** the objects that join the repo */
  reached: Buffer[];
  /** the commits among them, parsed while at hand (the first fetch after a push finds them) */
  commits: CommitInfo[];
}

/** Walks from `tips`; throws GitwellError (UNPROCESSABLE) at a missing or mistyped link. */
export async function connectNewHistory(store: Store, repoId: number, fresh: NewObjects, tips: Uint8Array[]): Promise<Connected> {
  const reached: Buffer[] = [];
  const commits: CommitInfo[] = [];
  await walkObjectsAsync(finderWith(store, repoId, fresh), tips, {
    // what the repo holds already is closed under reachability: nothing below it to check,
    // and nothing of it to add (a pack that carries it again changes nothing)
    stop: (oid) => store.isMember(repoId, oid),
    visit: (oid, type, data) => {
      reached.push(oid);
      if (type === 1) commits.push(commitInfo(oidToHex(oid), data));
    },
  });
  return { reached, commits };
}
