/**
 * Partial clone filters (git rev-list --filter): `blob:none` omits every blob reached through
 * a tree; `blob:limit=<n>[kmg]` omits blobs of at least n bytes. Objects the client names in
 * a want are always sent.
 */
import { GitwellError } from '../core/errors.js';
import type { ObjectFinder } from '../core/object/finder.js';

export interface Filter {
  spec: string;
  wantBlob(oid: Buffer, finder: ObjectFinder): boolean;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseFilter(spec: string): Filter {
  if (spec === 'blob:none') return { spec, wantBlob: () => false };
  const m = /^blob:limit=(\d+)([kmg]?)$/i.exec(spec);
  if (m) {
    const limit = Number(m[1]) * UNITS[m[2].toLowerCase()];
    return {
      spec,
      wantBlob: (oid, finder) => {
        const size = finder.info ? finder.info(oid)?.size : finder.get(oid)?.data.length;
        return size !== undefined && size < limit;
      },
    };
  }
  throw new GitwellError('VALIDATION_ERROR', `unsupported filter "${spec.slice(0, 60)}"`);
}
