/**
 * Merging one path's contents (merge-ort.c: handle_content_merge, merge_3way; ll-merge.c:
 * ll_xdl_merge, ll_binary_merge), for two versions of the same kind (file, symlink, submodule):
 *
 *   - modes: a side that kept the base's mode takes the other's; two different changes
 *     (100644 vs 100755) keep ours and conflict;
 *   - contents: a side that kept the base's blob takes the other's; else files are line-merged
 *     with git's xdl_merge (histogram diff, zealous level, conflict markers labelled with the
 *     branch names, "branch:path" when renames put the versions at different paths; markers
 *     2 longer per level of virtual merge base); a binary file (NUL in its first 8,000 bytes)
 *     or one past git's xdiff size keeps ours and conflicts (inside a virtual merge base: the
 *     base's); symlinks changed both ways keep ours and conflict; submodules conflict, as in a
 *     repository whose submodules are not checked out (merge-tree on a bare repository).
 */
import { OBJ_BLOB, xdlMerge } from '../../wasm.js';
import { isBinary } from '../diff/binary.js';
import { oidToHex } from '../oid.js';
import { CONFLICT_TYPES, fmt, pathMsg, sameOid, S_IFGITLINK, S_IFLNK, S_IFREG, type MergeState, type Version } from './state.js';

const EMPTY = Buffer.alloc(0);

function blob(st: MergeState, oid: Buffer | null): Buffer {
  if (oid === null) return EMPTY;
  const o = st.finder.get(oid);
  if (!o || o.type !== OBJ_BLOB) throw new Error(`blob ${oidToHex(oid)} not found`);
  return Buffer.from(o.data);
}

/** merge_3way: 0 clean, 1 conflict, 2 binary conflict; the merged blob's oid. */
function merge3way(
  st: MergeState, path: string, o: Buffer | null, a: Buffer, b: Buffer, pathnames: [string, string, string], extraMarkerSize: number,
): { status: 0 | 1 | 2; oid: Buffer } {
  const { branch1, branch2, ancestor } = st.labels;
  const samePaths = pathnames[0] === pathnames[1] && pathnames[1] === pathnames[2];
  // labels and paths are latin1 strings of their bytes (state.ts), so are these
  const base = samePaths ? ancestor : `${ancestor}:${pathnames[0]}`;
  const name1 = samePaths ? branch1 : `${branch1}:${pathnames[1]}`;
  const name2 = samePaths ? branch2 : `${branch2}:${pathnames[2]}`;
  const orig = blob(st, o);
  const ours = blob(st, a);
  const theirs = blob(st, b);
  const max = st.limits.maxXdiffBytes;
  if (orig.length > max || ours.length > max || theirs.length > max || isBinary(orig) || isBinary(ours) || isBinary(theirs)) {
    if (st.callDepth > 0) return { status: 0, oid: st.sink.put('blob', orig) };
    pathMsg(st, CONFLICT_TYPES.binary, path, [], `warning: Cannot merge binary files: ${path} (${name1} vs. ${name2})`);
    return { status: 2, oid: a };
  }
  const r = xdlMerge(orig, ours, theirs, {
    algorithm: 'histogram',
    level: 2,
    markerSize: 7 + extraMarkerSize,
    ancestor: Buffer.from(base, 'latin1'),
    ours: Buffer.from(name1, 'latin1'),
    theirs: Buffer.from(name2, 'latin1'),
  });
  return { status: r.conflicts > 0 ? 1 : 0, oid: st.sink.put('blob', r.data) };
}

/** handle_content_merge: `a` and `b` are of the same kind. */
export function handleContentMerge(
  st: MergeState, path: string, o: Version, a: Version, b: Version, pathnames: [string, string, string], extraMarkerSize: number,
): { clean: boolean; result: Version } {
  let clean = true;
  const result: Version = { mode: 0, oid: null };
  if (a.mode === b.mode || a.mode === o.mode) result.mode = b.mode;
  else {
    result.mode = a.mode;
    clean = b.mode === o.mode;
  }
  if (sameOid(a.oid, b.oid) || sameOid(a.oid, o.oid)) result.oid = b.oid;
  else if (sameOid(b.oid, o.oid)) result.oid = a.oid;
  else if (fmt(a.mode) === S_IFREG) {
    const twoWay = fmt(o.mode) !== fmt(a.mode);
    const m = merge3way(st, path, twoWay ? null : o.oid, a.oid!, b.oid!, pathnames, extraMarkerSize);
    result.oid = m.oid;
    clean &&= m.status === 0;
    pathMsg(st, CONFLICT_TYPES.autoMerging, path, [], `Auto-merging ${path}`);
  } else if (fmt(a.mode) === S_IFGITLINK) {
    // merge_submodule without the submodule's history: it is not checked out here
    const twoWay = fmt(o.mode) !== fmt(a.mode);
    result.oid = st.callDepth > 0 ? o.oid : a.oid;
    pathMsg(st, CONFLICT_TYPES.submoduleNotInitialized, path, [],
      `Failed to merge submodule ${path} (not checked out)`);
    clean = false;
    if (st.callDepth > 0 && twoWay) {
      result.mode = o.mode;
      result.oid = o.oid;
    }
  } else if (fmt(a.mode) === S_IFLNK) {
    clean = false;
    if (st.callDepth > 0) {
      result.mode = o.mode;
      result.oid = o.oid;
    } else result.oid = a.oid;
  } else throw new Error(`unsupported object type in the tree: ${a.mode.toString(8)} for ${path}`);
  return { clean, result };
}
