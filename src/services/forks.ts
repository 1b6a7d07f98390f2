/**
 * Forks, and repos started from templates (Coregit's "create from template" is a fork of a
 * template). A fork is a new repo of the caller's org holding, from the moment it is made, the
 * source's refs and every object the source has: objects are content-addressed and shared, so
 * nothing is copied but the refs and the membership. Later writes to either repo are their own.
 *
 * Coregit's "instant" and "deep" forks differ in how its storage reaches the parent's objects;
 * here both are the same self-contained repo. The mode is reported as Coregit reports it: deep
 * when asked, or when the chain of forks would pass MAX_FORK_DEPTH.
 *
 * A fork adds members, so it holds the store's write gate (services/gc.ts) as every writer
 * that adds members does. What it comes to hold the source holds too, so a collector would see
 * those objects held anyway; but that rests on details (the collector's scan reads memberships
 * in repo id order and the fork's id is the newest; the source's holds do not shrink between
 * the scan and the fork), and with the gate held the collector's one rule covers the fork as it
 * covers a push: a scan made while a writer came or went is made again with the gate held.
 */
import { checkBranchName } from '../core/refname.js';
import { GitwellError } from '../core/errors.js';
import type { Actor, RepoRecord, Store } from '../../storage/index.js';
import { writeGate } from './gc.js';
import { checkRepoName } from './repos.js';

export const MAX_FORK_DEPTH = 16;

export interface ForkInput {
  org: string;
  namespace: string | null;
  slug: string;
  description?: string;
  defaultBranch?: string;
  mode?: 'instant' | 'deep';
}

export interface Fork {
  repo: RepoRecord;
  source: RepoRecord;
  mode: 'instant' | 'deep';
  /** objects the fork shares with its source */
  shared: number;
}

/** `actor`: who forks (the new repo's audit entry names it, and the source). */
export async function forkRepo(store: Store, source: RepoRecord, input: ForkInput, actor?: Actor): Promise<Fork> {
  checkRepoName(input.org, input.namespace, input.slug);
  const defaultBranch = input.defaultBranch ?? source.defaultBranch;
  const why = checkBranchName(defaultBranch);
  if (why) throw new GitwellError('VALIDATION_ERROR', `default_branch: ${why}`, { field: 'default_branch' });
  let mode = input.mode ?? 'instant';
  let depth = (source.forkDepth ?? 0) + 1;
  if (depth > MAX_FORK_DEPTH) {
    // Coregit flattens a chain that would grow past its cap; the new repo starts a chain of its own
    mode = 'deep';
    depth = 0;
  }
  store.ensureOrg(input.org);
  const { repo, shared } = await writeGate(store).write(async () => store.forkRepo(source.id, {
    org: input.org,
    namespace: input.namespace,
    slug: input.slug,
    description: input.description ?? source.description,
    visibility: 'private',
    defaultBranch,
    isTemplate: false,
    forkedFrom: { repoId: source.id, org: source.org, namespace: source.namespace, slug: source.slug },
    forkRoot: mode === 'deep' ? undefined : (source.forkRoot ?? source.id),
    forkDepth: depth,
  }, actor));
  return { repo, source, mode, shared };
}
