/**
 * Object reachability over an ObjectFinder. The seen-set and the work stack live in the WASM
 * core (ObjectWalker); this file does the I/O and the policy: where to stop, what to skip,
 * and the type checks a connectivity check needs (a tree entry with a tree mode must be a tree).
 */
import { ObjectWalker } from '../wasm.js';
import { GitwellError } from './errors.js';
import type { ObjectFinder } from './object/finder.js';
import { oidToHex, TYPE_NAME } from './oid.js';

export interface WalkOptions {
  /** Follow commit parents (default true). */
  followParents?: boolean;
  /** Roots whose whole closure the other side has: walked first, marked, never emitted. */
  haveRoots?: Iterable<Uint8Array>;
  /** True: emit nothing for this oid and do not descend (e.g. an object the repo already had). */
  stop?(oid: Buffer): boolean;
  /** Consulted for blobs reached through a tree; false leaves the blob out (partial clone filters). */
  wantBlob?(oid: Buffer): boolean;
  /**
   * Called for every reached object, in walk order. `data` is valid only during the call, and
   * empty for a blob reached through a tree when the finder has `info` (its content is not read).
   */
  visit?(oid: Buffer, type: number, data: Uint8Array): void;
  /** What to do when an object is missing (default: throw). */
  onMissing?(oid: Buffer): void;
  /**
   * False: a blob reached through a tree is emitted without being looked up (it is not checked
   * to exist or to be a blob), and an object linked as two kinds is not refused. For walks over
   * a store known to be connected; a connectivity check leaves this on. Default true.
   */
  checkBlobs?: boolean;
}

export const missingObject = (oid: Uint8Array) =>
  new GitwellError('UNPROCESSABLE', `missing object ${oidToHex(oid)}`, { oid: oidToHex(oid) });

const linkedAs = (oid: Uint8Array, type: number, kind: number) =>
  new GitwellError('UNPROCESSABLE', `object ${oidToHex(oid)} is a ${TYPE_NAME[type]}, but is linked as a ${TYPE_NAME[kind]}`);

const NO_DATA = new Uint8Array(0);

function blobInfo(info: { type: number; size: number } | undefined): { type: number; data: Uint8Array } | undefined {
  return info && { type: info.type, data: NO_DATA };
}

/** Takes up to `budget` objects off the walker; `done` when it ran dry. */
function drain(w: ObjectWalker, finder: ObjectFinder, opts: WalkOptions, emit: boolean, budget: number): { n: number; done: boolean } {
  let n = 0;
  for (; budget > 0; budget--) {
    const oid = w.next();
    if (oid === null) return { n, done: true };
    const kind = w.nextKind;
    if (emit && opts.stop?.(oid)) {
      // what the other side has is not walked again, but a link into it still names a type:
      // a tree entry of blob mode naming an existing tree is as broken as one naming a new one
      if (kind !== 0) {
        const type = finder.info ? finder.info(oid)?.type : finder.get(oid)?.type;
        if (type !== undefined && type !== kind) throw linkedAs(oid, type, kind);
      }
      continue;
    }
    if (kind === 3 && opts.wantBlob && !opts.wantBlob(oid)) continue;
    if (kind === 3 && !emit) continue; // a have-side blob is marked by being seen; no need to load it
    if (kind === 3 && opts.checkBlobs === false) {
      n++;
      opts.visit?.(oid, 3, NO_DATA);
      continue;
    }
    // a blob reached through a tree needs only its type checked: no content is read
    const o = kind === 3 && finder.info ? blobInfo(finder.info(oid)) : finder.get(oid);
    if (!o) {
      if (!emit) continue; // the other side's closure may cross objects we never had (shallow)
      if (opts.onMissing) {
        opts.onMissing(oid);
        continue;
      }
      throw missingObject(oid);
    }
    if (kind !== 0 && kind !== o.type) throw linkedAs(oid, o.type, kind);
    n++;
    if (o.type !== 3) {
      w.visit(o.type, o.data);
      // a connectivity check (checkBlobs on) refuses one object linked as two kinds
      const c = emit && opts.checkBlobs !== false ? w.conflict : null;
      if (c) throw new GitwellError('UNPROCESSABLE', `object ${oidToHex(c.oid)} is linked as a ${TYPE_NAME[c.first]} and as a ${TYPE_NAME[c.second]}`);
    }
    if (emit) opts.visit?.(oid, o.type, o.data);
  }
  return { n, done: false };
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Walks from `starts`, skipping the closure of `haveRoots`; resolves to the number of objects
 * emitted. It goes in slices of `slice` objects, letting the event loop run between them: a
 * walk over a big repository does not hold up every other request while it goes.
 */
export async function walkObjectsAsync(finder: ObjectFinder, starts: Iterable<Uint8Array>, opts: WalkOptions = {}, slice = 2048): Promise<number> {
  const w = new ObjectWalker({ followParents: opts.followParents ?? true });
  try {
    if (opts.haveRoots) {
      for (const h of opts.haveRoots) w.push(h, 0);
      while (!drain(w, finder, opts, false, slice).done) await nextTurn();
    }
    for (const s of starts) w.push(s, 0);
    let n = 0;
    for (;;) {
      const r = drain(w, finder, opts, true, slice);
      n += r.n;
      if (r.done) return n;
      await nextTurn();
    }
  } finally {
    w.dispose();
  }
}
