/**
 * A plain TypeScript reference of the WASM xdiff core (wasm/assembly/xdiff-*.ts): git's
 * xprepare.c, xdiffi.c (Myers with its heuristics, xdl_change_compact, xdl_build_script) and
 * xhistogram.c, written for clarity (arrays, recursion), not speed. test/wasm-xdiff.test.ts
 * checks that it and the WASM core agree, and both against git. The merge half is in
 * xmerge-reference.ts.
 */

export type Alg = 'myers' | 'histogram';

export interface XFile {
  /** line i is bytes[starts[i], starts[i + 1]) */
  bytes: Uint8Array;
  starts: number[];
  /** class id per line: equal lines share one, numbered in order of first appearance */
  cls: number[];
  /** changed flags; index i + 1 is line i, so [0] and [n + 1] stay 0 */
  rchg: Uint8Array;
  rindex: number[];
  rha: number[];
  dstart: number;
  dend: number;
}

export interface XEnv {
  f1: XFile;
  f2: XFile;
}

export const nrec = (f: XFile) => f.starts.length - 1;
export const isChanged = (f: XFile, i: number) => f.rchg[i + 1] !== 0;
const setChanged = (f: XFile, i: number, v: boolean) => (f.rchg[i + 1] = v ? 1 : 0);

export function lineBytes(f: XFile, i: number): Uint8Array {
  return f.bytes.subarray(f.starts[i], f.starts[i + 1]);
}

function split(bytes: Uint8Array): number[] {
  const starts: number[] = [];
  let s = 0;
  while (s < bytes.length) {
    starts.push(s);
    const nl = bytes.indexOf(10, s);
    s = nl < 0 ? bytes.length : nl + 1;
  }
  starts.push(bytes.length);
  return starts;
}

const bogosqrt = (n: number) => {
  let i = 1;
  for (; n > 0; n >>= 2) i <<= 1;
  return i;
};

function cleanMmatch(dis: number[], i: number, s: number, e: number): boolean {
  if (i - s > 100) s = i - 100;
  if (e - i > 100) e = i + 100;
  let rdis0 = 0, rpdis0 = 1;
  for (let r = 1; i - r >= s; r++) {
    if (dis[i - r] === 0) rdis0++;
    else if (dis[i - r] === 2) rpdis0++;
    else break;
  }
  if (rdis0 === 0) return false;
  let rdis1 = 0, rpdis1 = 1;
  for (let r = 1; i + r <= e; r++) {
    if (dis[i + r] === 0) rdis1++;
    else if (dis[i + r] === 2) rpdis1++;
    else break;
  }
  if (rdis1 === 0) return false;
  return (rpdis1 + rpdis0) * 4 < rpdis1 + rpdis0 + rdis1 + rdis0;
}

/** xdl_prepare_env */
export function prepare(a: Uint8Array, b: Uint8Array, alg: Alg): XEnv {
  const ids = new Map<string, number>();
  const occ: Array<[number, number]> = [];
  const mk = (bytes: Uint8Array, pass: 0 | 1): XFile => {
    const starts = split(bytes);
    const n = starts.length - 1;
    const cls = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const key = Buffer.from(bytes.subarray(starts[i], starts[i + 1])).toString('latin1');
      let id = ids.get(key);
      if (id === undefined) {
        ids.set(key, (id = occ.length));
        occ.push([0, 0]);
      }
      occ[id][pass]++;
      cls[i] = id;
    }
    return { bytes, starts, cls, rchg: new Uint8Array(n + 2), rindex: [], rha: [], dstart: 0, dend: n - 1 };
  };
  const f1 = mk(a, 0);
  const f2 = mk(b, 1);
  if (alg === 'myers') {
    const n1 = nrec(f1), n2 = nrec(f2);
    let i = 0;
    while (i < Math.min(n1, n2) && f1.cls[i] === f2.cls[i]) i++;
    let t = 0;
    while (t < Math.min(n1, n2) - i && f1.cls[n1 - 1 - t] === f2.cls[n2 - 1 - t]) t++;
    f1.dstart = f2.dstart = i;
    f1.dend = n1 - t - 1;
    f2.dend = n2 - t - 1;
    for (const [f, other] of [[f1, 1], [f2, 0]] as const) {
      const mlim = Math.min(1024, bogosqrt(nrec(f)));
      const dis: number[] = [];
      for (let k = f.dstart; k <= f.dend; k++) {
        const nm = occ[f.cls[k]][other];
        dis[k] = nm === 0 ? 0 : nm >= mlim ? 2 : 1;
      }
      for (let k = f.dstart; k <= f.dend; k++) {
        if (dis[k] === 1 || (dis[k] === 2 && !cleanMmatch(dis, k, f.dstart, f.dend))) {
          f.rindex.push(k);
          f.rha.push(f.cls[k]);
        } else setChanged(f, k, true);
      }
    }
  }
  return { f1, f2 };
}

// --- Myers (xdl_recs_cmp / xdl_split) -------------------------------------------------------

function myersSplit(h1: number[], off1: number, lim1: number, h2: number[], off2: number, lim2: number, needMin: boolean, mxcost: number): [number, number, boolean, boolean] {
  const kf = new Map<number, number>();
  const kb = new Map<number, number>();
  const dmin = off1 - lim2, dmax = lim1 - off2, fmid = off1 - off2, bmid = lim1 - lim2;
  const odd = ((fmid - bmid) & 1) !== 0;
  let fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
  kf.set(fmid, off1);
  kb.set(bmid, lim1);
  for (let ec = 1; ; ec++) {
    let gotSnake = false;
    if (fmin > dmin) kf.set(--fmin - 1, -1); else ++fmin;
    if (fmax < dmax) kf.set(++fmax + 1, -1); else --fmax;
    for (let d = fmax; d >= fmin; d -= 2) {
      let i1 = kf.get(d - 1)! >= kf.get(d + 1)! ? kf.get(d - 1)! + 1 : kf.get(d + 1)!;
      const prev = i1;
      let i2 = i1 - d;
      while (i1 < lim1 && i2 < lim2 && h1[i1] === h2[i2]) { i1++; i2++; }
      if (i1 - prev > 20) gotSnake = true;
      kf.set(d, i1);
      if (odd && bmin <= d && d <= bmax && kb.get(d)! <= i1) return [i1, i2, true, true];
    }
    if (bmin > dmin) kb.set(--bmin - 1, 0x7fffffff); else ++bmin;
    if (bmax < dmax) kb.set(++bmax + 1, 0x7fffffff); else --bmax;
    for (let d = bmax; d >= bmin; d -= 2) {
      let i1 = kb.get(d - 1)! < kb.get(d + 1)! ? kb.get(d - 1)! : kb.get(d + 1)! - 1;
      const prev = i1;
      let i2 = i1 - d;
      while (i1 > off1 && i2 > off2 && h1[i1 - 1] === h2[i2 - 1]) { i1--; i2--; }
      if (prev - i1 > 20) gotSnake = true;
      kb.set(d, i1);
      if (!odd && fmin <= d && d <= fmax && i1 <= kf.get(d)!) return [i1, i2, true, true];
    }
    if (needMin) continue;
    if (gotSnake && ec > 256) {
      let best = 0, s1 = 0, s2 = 0;
      for (let d = fmax; d >= fmin; d -= 2) {
        const dd = Math.abs(d - fmid);
        const i1 = kf.get(d)!, i2 = i1 - d;
        const v = i1 - off1 + (i2 - off2) - dd;
        if (v > 4 * ec && v > best && off1 + 20 <= i1 && i1 < lim1 && off2 + 20 <= i2 && i2 < lim2) {
          for (let k = 1; h1[i1 - k] === h2[i2 - k]; k++) if (k === 20) { best = v; s1 = i1; s2 = i2; break; }
        }
      }
      if (best > 0) return [s1, s2, true, false];
      best = 0;
      for (let d = bmax; d >= bmin; d -= 2) {
        const dd = Math.abs(d - bmid);
        const i1 = kb.get(d)!, i2 = i1 - d;
        const v = lim1 - i1 + (lim2 - i2) - dd;
        if (v > 4 * ec && v > best && off1 < i1 && i1 <= lim1 - 20 && off2 < i2 && i2 <= lim2 - 20) {
          for (let k = 0; h1[i1 + k] === h2[i2 + k]; k++) if (k === 19) { best = v; s1 = i1; s2 = i2; break; }
        }
      }
      if (best > 0) return [s1, s2, false, true];
    }
    if (ec >= mxcost) {
      let fbest = -1, fbest1 = -1;
      for (let d = fmax; d >= fmin; d -= 2) {
        let i1 = Math.min(kf.get(d)!, lim1), i2 = i1 - d;
        if (lim2 < i2) { i1 = lim2 + d; i2 = lim2; }
        if (fbest < i1 + i2) { fbest = i1 + i2; fbest1 = i1; }
      }
      let bbest = 0x7fffffff, bbest1 = 0x7fffffff;
      for (let d = bmax; d >= bmin; d -= 2) {
        let i1 = Math.max(off1, kb.get(d)!), i2 = i1 - d;
        if (i2 < off2) { i1 = off2 + d; i2 = off2; }
        if (i1 + i2 < bbest) { bbest = i1 + i2; bbest1 = i1; }
      }
      if (lim1 + lim2 - bbest < fbest - (off1 + off2)) return [fbest1, fbest - fbest1, true, false];
      return [bbest1, bbest - bbest1, false, true];
    }
  }
}

function recsCmp(env: XEnv, off1: number, lim1: number, off2: number, lim2: number, needMin: boolean, mxcost: number): void {
  const { f1, f2 } = env;
  const h1 = f1.rha, h2 = f2.rha;
  while (off1 < lim1 && off2 < lim2 && h1[off1] === h2[off2]) { off1++; off2++; }
  while (off1 < lim1 && off2 < lim2 && h1[lim1 - 1] === h2[lim2 - 1]) { lim1--; lim2--; }
  if (off1 === lim1) for (; off2 < lim2; off2++) setChanged(f2, f2.rindex[off2], true);
  else if (off2 === lim2) for (; off1 < lim1; off1++) setChanged(f1, f1.rindex[off1], true);
  else {
    const [s1, s2, minLo, minHi] = myersSplit(h1, off1, lim1, h2, off2, lim2, needMin, mxcost);
    recsCmp(env, off1, s1, off2, s2, minLo, mxcost);
    recsCmp(env, s1, lim1, s2, lim2, minHi, mxcost);
  }
}

function myers(env: XEnv): void {
  const n1 = env.f1.rha.length, n2 = env.f2.rha.length;
  recsCmp(env, 0, n1, 0, n2, false, Math.max(256, bogosqrt(n1 + n2 + 3)));
}

// --- histogram (xhistogram.c) ---------------------------------------------------------------

const hashLong = (v: number, bits: number) => (v + Math.floor(v / 2 ** bits)) % 2 ** bits;
const hashBits = (size: number) => {
  let val = 1, bits = 0;
  while (val < size && bits < 32) { val *= 2; bits++; }
  return bits || 1;
};

function histogram(env: XEnv, line1: number, count1: number, line2: number, count2: number): void {
  const { f1, f2 } = env;
  const c1 = (l: number) => f1.cls[l - 1], c2 = (l: number) => f2.cls[l - 1];
  for (;;) {
    if (count1 <= 0 && count2 <= 0) return;
    if (!count1) { while (count2--) setChanged(f2, line2++ - 1, true); return; }
    if (!count2) { while (count1--) setChanged(f1, line1++ - 1, true); return; }
    // find_lcs
    const bits = hashBits(count1);
    type Rec = { ptr: number; cnt: number; next: Rec | null };
    const table: Array<Rec | null> = new Array(2 ** bits).fill(null);
    const lineMap = new Map<number, Rec>();
    const nextPtr = new Map<number, number>();
    const end1 = line1 + count1 - 1, end2 = line2 + count2 - 1;
    for (let ptr = end1; ptr >= line1; ptr--) {
      const slot = hashLong(c1(ptr), bits);
      let rec = table[slot];
      let chain = 0;
      let found = false;
      for (; rec; rec = rec.next, chain++) {
        if (c1(rec.ptr) === c1(ptr)) {
          nextPtr.set(ptr, rec.ptr);
          rec.ptr = ptr;
          rec.cnt++;
          lineMap.set(ptr, rec);
          found = true;
          break;
        }
      }
      if (found) continue;
      if (chain === 64) throw new Error('histogram: chain too long');
      const r: Rec = { ptr, cnt: 1, next: table[slot] };
      table[slot] = r;
      lineMap.set(ptr, r);
    }
    let cnt = 65, hasCommon = false;
    let b1 = 0, e1 = 0, b2 = 0, e2 = 0;
    for (let bp = line2; bp <= end2; ) {
      let bNext = bp + 1;
      for (let rec = table[hashLong(c2(bp), bits)]; rec; rec = rec.next) {
        if (rec.cnt > cnt) {
          if (!hasCommon) hasCommon = c1(rec.ptr) === c2(bp);
          continue;
        }
        let as = rec.ptr;
        if (c1(as) !== c2(bp)) continue;
        hasCommon = true;
        for (;;) {
          let np = nextPtr.get(as) ?? 0;
          let bs = bp, ae = as, be = bs, rc = rec.cnt;
          while (line1 < as && line2 < bs && c1(as - 1) === c2(bs - 1)) {
            as--; bs--;
            if (1 < rc) rc = Math.min(rc, lineMap.get(as)!.cnt);
          }
          while (ae < end1 && be < end2 && c1(ae + 1) === c2(be + 1)) {
            ae++; be++;
            if (1 < rc) rc = Math.min(rc, lineMap.get(ae)!.cnt);
          }
          if (bNext <= be) bNext = be + 1;
          if (e1 - b1 < ae - as || rc < cnt) { b1 = as; b2 = bs; e1 = ae; e2 = be; cnt = rc; }
          if (np === 0) break;
          while (np <= ae) { np = nextPtr.get(np) ?? 0; if (np === 0) break; }
          if (np === 0) break;
          as = np;
        }
      }
      bp = bNext;
    }
    if (hasCommon && 64 < cnt) {
      // fall back to Myers on exactly these lines
      const sub = prepare(f1.bytes.subarray(f1.starts[line1 - 1], f1.starts[end1]), f2.bytes.subarray(f2.starts[line2 - 1], f2.starts[end2]), 'myers');
      myers(sub);
      for (let k = 0; k < count1; k++) setChanged(f1, line1 - 1 + k, isChanged(sub.f1, k));
      for (let k = 0; k < count2; k++) setChanged(f2, line2 - 1 + k, isChanged(sub.f2, k));
      return;
    }
    if (b1 === 0 && b2 === 0) {
      while (count1--) setChanged(f1, line1++ - 1, true);
      while (count2--) setChanged(f2, line2++ - 1, true);
      return;
    }
    histogram(env, line1, b1 - line1, line2, b2 - line2);
    count1 = end1 - e1;
    line1 = e1 + 1;
    count2 = end2 - e2;
    line2 = e2 + 1;
  }
}

// --- compaction and the script --------------------------------------------------------------

function compact(f: XFile, o: XFile): void {
  const n = nrec(f), no = nrec(o);
  let gs = 0, ge = 0, os = 0, oe = 0;
  while (isChanged(f, ge)) ge++;
  while (isChanged(o, oe)) oe++;
  const slideUp = () => {
    if (!(gs > 0 && f.cls[gs - 1] === f.cls[ge - 1])) return false;
    setChanged(f, --gs, true);
    setChanged(f, --ge, false);
    while (isChanged(f, gs - 1)) gs--;
    oe = os - 1;
    for (os = oe; isChanged(o, os - 1); os--);
    return true;
  };
  const slideDown = () => {
    if (!(ge < n && f.cls[gs] === f.cls[ge])) return false;
    setChanged(f, gs++, false);
    setChanged(f, ge++, true);
    while (isChanged(f, ge)) ge++;
    os = oe + 1;
    for (oe = os; isChanged(o, oe); oe++);
    return true;
  };
  for (;;) {
    if (ge !== gs) {
      let size: number, earliest: number, match: number;
      do {
        size = ge - gs;
        match = -1;
        while (slideUp());
        earliest = ge;
        if (oe > os) match = ge;
        while (slideDown()) if (oe > os) match = ge;
      } while (size !== ge - gs);
      if (ge !== earliest && match !== -1) while (oe === os) slideUp();
    }
    if (ge === n) break;
    gs = ge + 1;
    for (ge = gs; isChanged(f, ge); ge++);
    os = oe + 1;
    for (oe = os; isChanged(o, oe); oe++);
    if (os > no) break;
  }
}

/** The script of a diffed env: [i1, chg1, i2, chg2] per change, ascending. */
export function script(env: XEnv): number[] {
  const out: number[][] = [];
  for (let i1 = nrec(env.f1), i2 = nrec(env.f2); i1 >= 0 || i2 >= 0; i1--, i2--) {
    if ((i1 >= 0 && isChanged(env.f1, i1 - 1)) || (i2 >= 0 && isChanged(env.f2, i2 - 1))) {
      const l1 = i1, l2 = i2;
      while (i1 >= 0 && isChanged(env.f1, i1 - 1)) i1--;
      while (i2 >= 0 && isChanged(env.f2, i2 - 1)) i2--;
      out.unshift([i1, l1 - i1, i2, l2 - i2]);
    }
  }
  return out.flat();
}

/** xdl_do_diff + xdl_change_compact both ways: a diffed env. */
export function diffEnv(a: Uint8Array, b: Uint8Array, alg: Alg): XEnv {
  const env = prepare(a, b, alg);
  if (alg === 'myers') myers(env);
  else histogram(env, 1, nrec(env.f1), 1, nrec(env.f2));
  compact(env.f1, env.f2);
  compact(env.f2, env.f1);
  return env;
}

export function refXdiffScript(a: Uint8Array, b: Uint8Array, alg: Alg): Int32Array {
  return Int32Array.from(script(diffEnv(a, b, alg)));
}
