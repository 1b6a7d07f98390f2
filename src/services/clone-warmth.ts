/**
 * Which repos are being cloned whole lately, and how: after a push to one of them, its new
 * clone pack is made at once, in the background, instead of by the first clone that comes (a
 * CI fleet clones right after every push; git's own host would answer those from a bitmap).
 * A repo nobody cloned lately costs nothing after a push.
 */
import type { PackCache } from './pack-cache.js';

/** What makes the bytes of a whole clone differ, besides the refs. */
export interface CloneShape {
  filter: string;
  ofsDelta: boolean;
  includeTag: boolean;
}

/** A repo stays warm this long after its last whole clone. */
const WARM_FOR_MS = 15 * 60_000;
/** Pushes often come in bursts (a branch, then its tag): the pack is made after the last. */
const SETTLE_MS = 300;

interface Warmth {
  shape: CloneShape;
  at: number;
  timer: NodeJS.Timeout | null;
}

const byCache = new WeakMap<PackCache, Map<number, Warmth>>();

function repos(cache: PackCache): Map<number, Warmth> {
  let m = byCache.get(cache);
  if (!m) byCache.set(cache, (m = new Map()));
  return m;
}

/** A whole clone of the repo (every branch and tag) was asked for, in this shape. */
export function noteWholeClone(cache: PackCache, repoId: number, shape: CloneShape, now = Date.now()): void {
  const m = repos(cache);
  const w = m.get(repoId);
  if (w) {
    w.shape = shape;
    w.at = now;
  } else m.set(repoId, { shape, at: now, timer: null });
}

/**
 * The repo's refs changed: if it was cloned whole lately, `warm(shape)` runs once the burst of
 * changes settles. Forgotten repos are dropped here.
 */
export function afterRefsChanged(cache: PackCache, repoId: number, warm: (shape: CloneShape) => void, now = Date.now()): void {
  const m = repos(cache);
  const w = m.get(repoId);
  if (!w) return;
  if (now - w.at > WARM_FOR_MS) {
    m.delete(repoId);
    return;
  }
  if (w.timer) clearTimeout(w.timer);
  w.timer = setTimeout(() => {
    w.timer = null;
    warm(w.shape);
  }, SETTLE_MS);
  w.timer.unref();
}
