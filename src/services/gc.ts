/**
 * Garbage collection of the object store, for a store nothing else writes to meanwhile (the
 * CLI runs it only with no server on the data dir). Objects a rejected or crashed push left
 * behind are held by no repo and can never be read; with `pruneUnreachable`, so are objects a
 * repo still holds that none of its refs or snapshots reaches any more (history rewritten by
 * force pushes, deleted branches), as `git gc --prune=now` would drop them. Every object still
 * held stays, with whatever its stored delta is made on.
 */
import { walkObjectsAsync } from '../core/walk.js';
import { oidFromHex } from '../core/oid.js';
import type { Store } from '../../storage/index.js';
import { repoFinder } from './objects.js';

export interface GcReport {
  repos: number;
  /** memberships dropped because no ref of the repo reaches the object */
  unreachable: number;
  kept: number;
  removed: number;
  removedBytes: number;
}

export async function collectGarbage(store: Store, opts: { pruneUnreachable?: boolean } = {}): Promise<GcReport> {
  const repos = store.allRepos();
  let unreachable = 0;
  if (opts.pruneUnreachable) {
    for (const repo of repos) {
      const reached = new Set<string>();
      // a snapshot is a ref by another name: its commit stays restorable
      const tips = [...store.listRefs(repo.id).map((r) => r.oid), ...store.listSnapshots(repo.id).map((s) => s.commitSha)].map(oidFromHex);
      await walkObjectsAsync(repoFinder(store, repo), tips, { visit: (oid) => reached.add(oid.toString('latin1')) });
      unreachable += store.retainMembers(repo.id, (oid) => reached.has(oid.toString('latin1')));
    }
  }
  const r = store.collectGarbage();
  return { repos: repos.length, unreachable, ...r };
}
