/**
 * Where a push is, told on stderr when GITWELL_TRACE_PUSH=1: one line per phase,
 *   gitwell: push <org/[ns/]slug> <phase>
 * with phase one of received (the body is spooled), ingest-began, ingest-done, connected (the
 * new history is walked), refs-committed. Off by default (a line per push is noise
 * at a busy host); the crash tests turn it on to kill the server at a known point of a push.
 */
import type { RepoRecord } from '../../storage/index.js';
import { repoPath } from './repos.js';

export type PushPhase = 'received' | 'ingest-began' | 'ingest-done' | 'connected' | 'refs-committed';

const on = process.env.GITWELL_TRACE_PUSH === '1';

export function tracePush(repo: RepoRecord, phase: PushPhase): void {
  if (on) process.stderr.write(`gitwell: push ${repoPath(repo)} ${phase}\n`);
}
