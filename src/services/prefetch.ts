/**
 * Prefetch (Coregit's routes/prefetch.ts): the blobs of a revision whose paths match any of a
 * few globs, one at a time, for a client that fills its cache before an agent starts reading.
 *
 * Globs are Coregit's small subset, anchored at both ends: `**` any run of characters (slashes
 * too), `*` any run without a slash, `?` one character that is not a slash; everything else is
 * itself. No classes, braces or extglobs, so a glob cannot make the matcher backtrack
 * pathologically.
 *
 * The tree is walked depth-first in git's order, lazily: nothing is read before the consumer
 * asks for the next blob, so a slow consumer holds the walk (and its memory) where it is. Every
 * path of a matching file is listed, also when two paths hold the same blob (Coregit's map of
 * blobs keeps one path per blob). Symlinks are blobs and are listed; submodules are not.
 */
import { isTreeMode, MODE_GITLINK, parseTree } from '../core/object/tree.js';
import { oidToHex } from '../core/oid.js';
import { Slicer } from '../core/slice.js';
import type { Store } from '../../storage/index.js';

export const MAX_GLOBS = 32;
export const MAX_GLOB_LENGTH = 200;

export function globToRegExp(glob: string): RegExp {
  let r = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        r += '.*';
        i++;
      } else r += '[^/]*';
    } else if (c === '?') r += '[^/]';
    else r += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${r}$`);
}

export interface PrefetchBlob {
  path: string;
  sha: string;
  size: number;
  /** the blob's content: a view valid only until the generator is resumed */
  data: Buffer;
}

/**
 * The matching blobs under `tree` of at most `maxBlobBytes` (larger ones are skipped, as
 * Coregit skips them), in git's order.
 */
export async function* prefetchBlobs(store: Store, tree: Buffer, globs: string[], maxBlobBytes: number): AsyncGenerator<PrefetchBlob> {
  const patterns = globs.map(globToRegExp);
  const slicer = new Slicer();
  // a stack of directories still to list: each keeps its parsed entries and where it is in them
  const stack: Array<{ prefix: string; entries: ReturnType<typeof parseTree>; next: number }> = [];
  const open = (oid: Buffer, prefix: string): void => {
    const o = store.viewObject(oid);
    if (!o || o.type !== 2) return; // a tree this repo does not have (a shallow push): nothing under it
    // an owned copy: the entries outlive the next read of the store
    stack.push({ prefix, entries: parseTree(Buffer.from(o.data)), next: 0 });
  };
  open(tree, '');
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (top.next >= top.entries.length) {
      stack.pop();
      continue;
    }
    const e = top.entries[top.next++];
    const path = top.prefix + e.name.toString('utf8');
    if (isTreeMode(e.mode)) {
      open(e.oid, `${path}/`);
    } else if (e.mode !== MODE_GITLINK && patterns.some((p) => p.test(path))) {
      const info = store.objectInfo(e.oid);
      if (info && info.type === 3 && info.size <= maxBlobBytes) {
        const o = store.viewObject(e.oid);
        if (o) yield { path, sha: oidToHex(e.oid), size: o.data.length, data: o.data };
      }
    }
    await slicer.tick();
  }
}
