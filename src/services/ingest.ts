/**
 * Pack ingest: decode a pushed pack into the store. Objects are validated (fsck) before they
 * are written and written in batches; they become readable through a repo only when the ref
 * transaction that follows adds them to its membership.
 */
import fs from 'node:fs';
import { fsckObject } from '../core/object/fsck.js';
import { indexPack, type IndexResult, type PackSource } from '../core/pack/indexer.js';
import type { Store } from '../../storage/index.js';
import { FileSource } from './spool.js';

const BATCH_BYTES = 16 * 1024 * 1024;
const BATCH_COUNT = 4096;

export function ingestPack(store: Store, repoId: number, src: PackSource): IndexResult {
  let pending = new Map<string, { oid: Buffer; type: number; data: Uint8Array }>();
  let pendingBytes = 0;
  const flush = () => {
    if (pending.size === 0) return;
    store.putObjects(pending.values());
    pending = new Map();
    pendingBytes = 0;
  };
  const result = indexPack(src, {
      check: (type, data) => fsckObject(type, data),
      sink(oid, type, data) {
        pending.set(oid.toString('latin1'), { oid, type, data });
        pendingBytes += data.length;
        if (pendingBytes >= BATCH_BYTES || pending.size >= BATCH_COUNT) flush();
      },
      written: {
        get(oid) {
          const p = pending.get(Buffer.from(oid).toString('latin1'));
          return p ?? store.getObject(oid);
        },
      },
      thinBases: {
        get: (oid) => (store.isMember(repoId, oid) ? store.getObject(oid) : undefined),
      },
  });
  flush();
  return result;
}

/** Ingests a .pack file from disk (the benchmark's entry point). */
export async function ingestPackFile(store: Store, repoId: number, packPath: string): Promise<{ objects: number; deltas: number; bytes: number }> {
  const fd = fs.openSync(packPath, 'r');
  try {
    const r = ingestPack(store, repoId, new FileSource(fd));
    return { objects: r.objects, deltas: r.deltas, bytes: r.bytes };
  } finally {
    fs.closeSync(fd);
  }
}
