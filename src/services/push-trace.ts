/**
 * Where a push is, told on stderr when GITWELL_TRACE_PUSH=1: one line per phase,
 *   gitwell: push <org/[ns/]slug> <phase>
 * with phase one of received (the body is spooled), ingest-began, ingest-done, connected (the
 * new history is walked), refs-committed (durable; the client has not heard yet). Off by
 * default (a line per push is noise at a busy host). The crash tests turn it on to kill the
 * server at a known point of a push, and GITWELL_TRACE_PUSH_HOLD=<phase>:<ms> holds every push
 * that long at that phase, so that a kill lands there and not a few milliseconds later.
 */
import type { RepoRecord } from '../../storage/index.js';
import { repoPath } from './repos.js';

export type PushPhase = 'received' | 'ingest-began' | 'ingest-done' | 'connected' | 'refs-committed';

const on = process.env.GITWELL_TRACE_PUSH === '1';
const hold = /^([a-z-]+):(\d+)$/.exec(process.env.GITWELL_TRACE_PUSH_HOLD ?? '');

/** Tells the phase; resolves at once, or after the hold when the phase is the one held. */
export async function tracePush(repo: RepoRecord, phase: PushPhase): Promise<void> {
  if (on) process.stderr.write(`gitwell: push ${repoPath(repo)} ${phase}\n`);
  if (hold && hold[1] === phase) await new Promise((r) => setTimeout(r, Number(hold[2])));
}
