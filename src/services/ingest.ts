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
const MAX_INFLIGHT_BYTES = 16 * 1024 * 1024;

/** Deeper delta chains than this are stored without their delta (served whole). */
const MAX_REUSED_DEPTH = 50;

/**
 * The writes handed to the store and not yet committed: their sizes in queue order (the
 * writer commits in that order, so each callback retires the oldest), and the first failure.
 */
class InflightWrites {
  private sizes = new Float64Array(4096);
  private head = 0;
  private count = 0;
  bytes = 0;
  failure: unknown;
  private waiter: { limit: number; resolve: () => void } | null = null;

  add(bytes: number): void {
    if (this.count === this.sizes.length) {
      const grown = new Float64Array(this.sizes.length * 2);
      for (let k = 0; k < this.count; k++) grown[k] = this.sizes[(this.head + k) % this.sizes.length];
      this.sizes = grown;
      this.head = 0;
    }
    this.sizes[(this.head + this.count) % this.sizes.length] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** The one callback of every write. */
  readonly done = (err: unknown): void => {
    if (err) this.failure ??= err;
    this.bytes -= this.sizes[this.head];
    this.head = (this.head + 1) % this.sizes.length;
    this.count--;
    const w = this.waiter;
    if (w && (this.bytes <= w.limit || this.failure !== undefined)) {
      this.waiter = null;
      w.resolve();
    }
  };

  /** Resolves once at most `limit` bytes are in flight (or a write failed). */
  below(limit: number): Promise<void> | undefined {
    if (this.bytes <= limit || this.failure !== undefined) return undefined;
    return new Promise((resolve) => (this.waiter = { limit, resolve }));
  }
}

export async function ingestPack(store: Store, repoId: number, src: PackSource): Promise<IndexResult> {
  // each record is encoded and queued at once (the entry's bytes are a view of the pack's
  // read window, valid only during the sink call); past MAX_INFLIGHT_BYTES of them the
  // decoder waits for the writer to commit half
  const writes = new InflightWrites();
  const slicer = new Slicer();
  const result = await indexPack(src, {
    check: (type, data) => fsckObject(type, data),
    sink(oid, type, data, entry) {
      if (writes.failure !== undefined) throw writes.failure;
      const packed = entry.depth <= MAX_REUSED_DEPTH && entry.size < 2 ** 48 ? entry : undefined;
      writes.add((packed ? entry.z.length : 0) + (type !== 3 || !packed ? data.length : 0) + 64);
      store.queueObject({ oid, type, data, packed }, writes.done);
      if (writes.bytes > MAX_INFLIGHT_BYTES) return writes.below(MAX_INFLIGHT_BYTES / 2);
    },
    pace: () => slicer.tick(),
    thinDepth: (oid) => store.packedDepth(oid),
    thinBases: {
      get: (oid) => (store.isMember(repoId, oid) ? store.getObject(oid) : undefined),
    },
  });
  await writes.below(0);
  if (writes.failure !== undefined) throw writes.failure;
  return result;
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
