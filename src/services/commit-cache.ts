/**
 * Parsed commits kept across requests, per repo. A commit never changes, and a repo never loses
 * an object it has (membership is never revoked; a deleted repo's id is not used again), so an
 * entry stays true for as long as it is kept. Bounded by count; the oldest go first.
 */
import type { CommitInfo, SharedCommits } from '../core/commit-graph.js';

const MAX_COMMITS = 200_000;
const commits = new Map<string, CommitInfo>();

export function commitCache(repoId: number): SharedCommits {
  const prefix = `${repoId}:`;
  return {
    get: (oid) => commits.get(prefix + oid),
    set(oid, info) {
      if (commits.size >= MAX_COMMITS) {
        // drop the oldest tenth at once: cheaper than one at a time
        let n = MAX_COMMITS / 10;
        for (const k of commits.keys()) {
          commits.delete(k);
          if (--n === 0) break;
        }
      }
      commits.set(prefix + oid, info);
    },
  };
}
