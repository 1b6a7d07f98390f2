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
import { indexPack, packError, type IndexProgress, type IndexResult, type PackSource } from '../core/pack/indexer.js';
import type { Store } from '../../storage/index.js';
import { FileSource } from './spool.js';
import { Slicer } from '../core/slice.js';
import { relieveHeap } from './heap-pressure.js';

/**
 * Bytes of records handed to LMDB's writer thread and not yet committed. The writer commits
 * when it has caught up with what it was given; a bound much smaller than its backlog makes
 * the decoder wait for every commit instead of working beside it.
 */
const MAX_INFLIGHT_BYTES = 16 * 1024 * 1024;

/** Deeper delta chains than this are stored without their delta (served whole). */
const MAX_REUSED_DEPTH = 50;

/** Records held for one batch: a slice's worth, or this many bytes. */
const BATCH_BYTES = 2 * 1024 * 1024;

export interface IngestResult extends IndexResult {
  /** the pack's objects: position in `oidTable` by id */
  index: OidIndex;
  /** fsck warnings: the first ones, and how many there were */
  warnings: ObjectFinding[];
  warningCount: number;
}

export interface IngestOptions {
  /** fsck levels (the server's configuration) */
  fsck?: FsckLevels;
  progress?: (p: IndexProgress) => void;
  /** objects stored just before by the same operation, not the repo's yet (an import's earlier packs) */
  alsoNew?: (oid: Uint8Array) => boolean;
}

export async function ingestPack(store: Store, repoId: number, src: PackSource, opts: IngestOptions = {}): Promise<IngestResult> {
  const fsck = new Fsck(opts.fsck ?? DEFAULT_FSCK_LEVELS);
  const progress = opts.progress;
  const alsoNew = opts.alsoNew ?? (() => false);
  // Each record is encoded at once (the entry's bytes are a view of the pack's read window,
  // valid only during the sink call) and handed to the writer thread in batches, at the end
  // of each time slice; past MAX_INFLIGHT_BYTES not yet committed, the decoder waits.
  const writer = store.objectWriter();
  const inflight: Array<{ bytes: number; done: Promise<void> }> = [];
  let inflightBytes = 0;
  let held = 0;
  let failure: unknown;
  const flush = (): Promise<void> | undefined => {
    if (held === 0) return undefined;
    const done = writer.flush();
    done.catch((e: unknown) => (failure ??= e));
    inflight.push({ bytes: held, done });
    inflightBytes += held;
    held = 0;
    if (inflightBytes > MAX_INFLIGHT_BYTES) return drain(MAX_INFLIGHT_BYTES / 2);
  };
  const drain = async (limit: number): Promise<void> => {
    while (inflightBytes > limit && inflight.length > 0) {
      const first = inflight.shift()!;
      await first.done;
      inflightBytes -= first.bytes;
    }
  };
  const slicer = new Slicer();
  const result = await indexPack(src, {
    check: (type, data, oid) => {
      const f = fsck.check(type, data, oid);
      return f && describeFinding(f);
    },
    sink(oid, type, data, entry) {
      if (failure !== undefined) throw failure;
      const packed = entry.depth <= MAX_REUSED_DEPTH && entry.size < 2 ** 48 ? entry : undefined;
      held += writer.add({ oid, type, data, packed });
      if (held >= BATCH_BYTES) return flush();
    },
    pace: () => {
      if (!slicer.due()) return undefined;
      relieveHeap();
      const waiting = flush();
      return waiting ? waiting.then(() => slicer.pause()) : slicer.pause();
    },
    progress,
    thinDepth: (oid) => store.packedDepth(oid),
    thinBases: {
      get: (oid) => (store.isMember(repoId, oid) ? store.getObject(oid) : undefined),
    },
  });
  await flush();
  await drain(0);
  const index = new OidIndex(result.oidTable, result.objects);
  if (fsck.pending) {
    const bad = fsck.finish({
      get: (oid) => (index.indexOf(oid) >= 0 || alsoNew(oid) || store.isMember(repoId, oid) ? store.viewObject(oid) : undefined),
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
