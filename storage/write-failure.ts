/**
 * What a failed LMDB write means for the caller. A full disk must be an answer (507, an `ng`
 * line), not a crash, and must leave the store as it was: LMDB commits a transaction whole or
 * not at all, so a failed commit changed nothing.
 *
 * How lmdb-js reports it (3.x):
 *  - A synchronous transaction throws LMDB's error: `code` is the errno or MDB_* number.
 *  - Every async write of a failed transaction rejects with "Commit failed (see commitError for
 *    details)"; `commitError` is one promise, rejected with LMDB's error in the same callback.
 *    Nobody else handles that promise: left alone it is an unhandled rejection, which ends a
 *    Node process. So is every write promise of the transaction that nobody awaits.
 *  - The map is grown as needed, whatever `mapSize` says (lmdb-js patches mdb_page_alloc), so
 *    MDB_MAP_FULL is rare; what a full disk gives is ENOSPC, or EIO when a write came up short
 *    ("short write, filesystem full?" in mdb.c). EIO is also a real I/O error: it counts as a
 *    full disk only when the disk has next to nothing left.
 */
import fs from 'node:fs';
import { diskFullCode, insufficientStorage, type GitwellError } from '../src/core/errors.js';

const ENOSPC = 28;
const EDQUOT = 122;
const EIO = 5;
const MDB_MAP_FULL = -30792;
/** After a short write the disk is full to the block; less than this left means it was full. */
const NEARLY_FULL_BYTES = 64 * 1024 * 1024;

const ignore = () => {};

/** lmdb-js's cause of a failed async commit, once its callback has run (undefined if none). */
async function causeOf(e: unknown): Promise<unknown> {
  const cause = typeof e === 'object' && e !== null ? (e as { commitError?: Promise<unknown> }).commitError : undefined;
  if (!cause || typeof cause.then !== 'function') return e;
  // rejected before the write's own promise was; a turn of the loop is ample to hear it
  return Promise.race([cause.then(() => undefined, (c: unknown) => c), new Promise<undefined>((r) => setImmediate(r, undefined))]);
}

/** Bytes free for an unprivileged writer on the filesystem of `dir` (Infinity if it cannot be told). */
export function freeBytes(dir: string): number {
  try {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  } catch {
    return Infinity;
  }
}

/**
 * The name of the full-disk condition `cause` reports, or null when it is some other failure.
 * `cause` undefined: a commit failed without saying why; the disk decides.
 */
function fullCause(cause: unknown, dir: string): string | null {
  const named = diskFullCode(cause);
  if (named) return named;
  const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
  if (code === ENOSPC) return 'ENOSPC';
  if (code === EDQUOT) return 'EDQUOT';
  if (code === MDB_MAP_FULL) return 'MDB_MAP_FULL';
  if ((code === EIO || cause === undefined) && freeBytes(dir) < NEARLY_FULL_BYTES) return code === EIO ? 'EIO' : 'no space left';
  return null;
}

function full(cause: string): GitwellError {
  return insufficientStorage(`the server's storage is full (${cause}): nothing was written`, { cause });
}

/** A synchronous write's error as the caller should see it: INSUFFICIENT_STORAGE, or as it was. */
export function syncWriteError(e: unknown, dir: string): unknown {
  const cause = fullCause(e, dir);
  return cause ? full(cause) : e;
}

/** An async write's rejection as the caller should see it (its commitError is handled here). */
export async function asyncWriteError(e: unknown, dir: string): Promise<unknown> {
  const cause = fullCause(await causeOf(e), dir);
  return cause ? full(cause) : e;
}

/** A write promise nobody awaits: its failure is heard through another, and must not be unhandled. */
export function unawaited(p: PromiseLike<unknown> | undefined): void {
  p?.then(ignore, (e: unknown) => void causeOf(e));
}

/**
 * `p`, failing with asyncWriteError; handled from the start, so a caller that never awaits it is
 * no crash. A thenable is asked at once: lmdb-js's `committed` and `flushed` mean the transaction
 * under way when their `then` is called.
 */
export function written<T>(p: PromiseLike<T>, dir: string): Promise<T> {
  const asked = new Promise<T>((resolve, reject) => p.then(resolve, reject));
  const out = asked.catch(async (e: unknown) => {
    throw await asyncWriteError(e, dir);
  });
  out.catch(ignore);
  return out;
}
