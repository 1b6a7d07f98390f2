/**
 * Pack ingest: decode a pushed pack into the store. Objects are validated (fsck) before they
 * are written, and written in batches by LMDB's writer thread while decoding goes on; they
 * become readable through a repo only when the ref transaction that follows adds them to its
 * membership. At most MAX_INFLIGHT_BYTES of objects are in flight, so memory stays bounded.
 */
import fs from 'node:fs';
import { fsckObject } from '../core/object/fsck.js';
import { indexPack, type IndexResult, type PackSource } from '../core/pack/indexer.js';
import type { NewObject, Store } from '../../storage/index.js';
import { FileSource } from './spool.js';
import { Slicer } from '../core/slice.js';

/**
 * Bytes of records handed to LMDB's writer thread and not yet committed. The writer commits
 * when it has caught up with what it was given; a bound much smaller than its backlog makes
 * the decoder wait for every commit instead of working beside it.
 */
const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;
/** How often (in bytes handed over) the decoder notes a write to wait on later. */
const MARK_BYTES = 4 * 1024 * 1024;

/** Deeper delta chains than this are stored without their delta (served whole). */
const MAX_REUSED_DEPTH = 50;

export async function ingestPack(store: Store, repoId: number, src: PackSource): Promise<IndexResult> {
  // the writes are queued as they come (each record is encoded at once: the entry's bytes are
  // a view of the pack's read window, valid only during the sink call); every MARK_BYTES the
  // latest write is noted, and past MAX_INFLIGHT_BYTES the decoder waits for the oldest mark
  const marks: Array<{ bytes: number; done: Promise<void> }> = [];
  let inflightBytes = 0;
  let sinceMark = 0;
  const slicer = new Slicer();
  let last: Promise<void> | undefined;
  // every write's promise is observed: one that fails unobserved would take the process down
  let failure: unknown;
  const remember = (e: unknown) => {
    failure ??= e;
  };

  const result = await indexPack(src, {
    check: (type, data) => fsckObject(type, data),
    sink(oid, type, data, entry) {
      const packed = entry.depth <= MAX_REUSED_DEPTH && entry.size < 2 ** 48 ? entry : undefined;
      last = store.putObjectAsync({ oid, type, data, packed });
      last.catch(remember);
      if (failure !== undefined) throw failure;
      sinceMark += (packed ? entry.z.length : 0) + (type !== 3 || !packed ? data.length : 0) + 64;
      if (sinceMark < MARK_BYTES) return;
      marks.push({ bytes: sinceMark, done: last });
      inflightBytes += sinceMark;
      sinceMark = 0;
      if (inflightBytes > MAX_INFLIGHT_BYTES) return drain();
    },
    pace: () => slicer.tick(),
    thinDepth: (oid) => store.packedDepth(oid),
    thinBases: {
      get: (oid) => (store.isMember(repoId, oid) ? store.getObject(oid) : undefined),
    },
  });
  await last;
  if (failure !== undefined) throw failure;
  return result;

  async function drain(): Promise<void> {
    while (inflightBytes > MAX_INFLIGHT_BYTES / 2) {
      const first = marks.shift()!;
      await first.done;
      inflightBytes -= first.bytes;
    }
  }
}

/** Ingests a .pack file from disk (the benchmark's entry point). */
export async function ingestPackFile(store: Store, repoId: number, packPath: string): Promise<{ objects: number; deltas: number; bytes: number }> {
  const fd = fs.openSync(packPath, 'r');
  try {
    const r = await ingestPack(store, repoId, new FileSource(fd));
    return { objects: r.objects, deltas: r.deltas, bytes: r.bytes };
  } finally {
    fs.closeSync(fd);
  }
}
