/**
 * Pack ingest: decode a pushed pack into the store. Objects are validated (fsck) before they
 * are written, and written in batches by LMDB's writer thread while decoding goes on; they
 * become readable through a repo only when the ref transaction that follows adds them to its
 * membership. At most MAX_INFLIGHT_BYTES of objects are in flight, so memory stays bounded.
 *
 * fsck runs at the server's levels: an error refuses the pack, warnings come back to be told
 * to the client. A .gitmodules or .gitattributes blob that came before the tree naming it, or
 * that the repo already had, is checked once the whole pack is stored, read through the pack
 * and the repo's membership (never another repo's objects: its content would show in the error).
 */
import fs from 'node:fs';
import { OidIndex } from '../core/oid-index.js';
import { describeFinding, Fsck, type ObjectFinding } from '../core/object/fsck.js';
import { DEFAULT_FSCK_LEVELS, type FsckLevels } from '../core/object/fsck-ids.js';
import { indexPack, packError, type IndexResult, type PackSource } from '../core/pack/indexer.js';
import type { NewObject, Store } from '../../storage/index.js';
import { FileSource } from './spool.js';

/** Objects handed to the writer at a time (one transaction each), by count and content bytes. */
const BATCH_COUNT = 2048;
const BATCH_BYTES = 4 * 1024 * 1024;
/**
 * Bytes of objects handed to LMDB's writer thread and not yet committed. The writer commits
 * when it has caught up with what it was given; a bound much smaller than its backlog makes
 * the decoder wait for every commit instead of working beside it.
 */
const MAX_INFLIGHT_BYTES = 64 * 1024 * 1024;

/** Deeper delta chains than this are stored without their delta (served whole). */
const MAX_REUSED_DEPTH = 50;

export interface IngestResult extends IndexResult {
  /** the pack's objects: position in `oids` by id */
  index: OidIndex;
  /** fsck warnings: the first ones, and how many there were */
  warnings: ObjectFinding[];
  warningCount: number;
}

export async function ingestPack(store: Store, repoId: number, src: PackSource, levels: FsckLevels = DEFAULT_FSCK_LEVELS): Promise<IngestResult> {
  const fsck = new Fsck(levels);
  let batch: NewObject[] = [];
  let batchBytes = 0;
  const inflight: Array<{ bytes: number; done: Promise<void> }> = [];
  let inflightBytes = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    inflight.push({ bytes: batchBytes, done: store.putObjectsAsync(batch) });
    inflightBytes += batchBytes;
    batch = [];
    batchBytes = 0;
    while (inflightBytes > MAX_INFLIGHT_BYTES) {
      const first = inflight.shift()!;
      await first.done;
      inflightBytes -= first.bytes;
    }
  };

  const result = await indexPack(src, {
    check: (type, data, oid) => {
      const f = fsck.check(type, data, oid);
      return f && describeFinding(f);
    },
    sink(oid, type, data, entry) {
      const packed = entry.depth <= MAX_REUSED_DEPTH && entry.size < 2 ** 48 ? entry : undefined;
      // a blob's content is scratch memory: the record keeps its entry, or else a copy
      if (type === 3 && !packed) data = Buffer.from(data);
      batch.push({ oid, type, data, packed });
      batchBytes += data.length;
      if (batch.length >= BATCH_COUNT || batchBytes >= BATCH_BYTES) return flush();
    },
    thinDepth: (oid) => store.packedDepth(oid),
    thinBases: {
      get: (oid) => (store.isMember(repoId, oid) ? store.getObject(oid) : undefined),
    },
  });
  await flush();
  for (const f of inflight) await f.done;
  const index = new OidIndex(Buffer.concat(result.oids), result.oids.length);
  if (fsck.pending) {
    const bad = fsck.finish({
      get: (oid) => (index.indexOf(oid) >= 0 || store.isMember(repoId, oid) ? store.viewObject(oid) : undefined),
    });
    if (bad) throw packError(`object ${bad.oid} is invalid: ${describeFinding(bad)}`);
  }
  return { ...result, index, warnings: fsck.warnings, warningCount: fsck.warningCount };
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
