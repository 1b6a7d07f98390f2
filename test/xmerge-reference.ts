/**
 * A plain TypeScript reference of the WASM three-way line merge (wasm/assembly/xmerge.ts and
 * xmerge-emit.ts: git's xdiff/xmerge.c), on top of xdiff-reference.ts. Same options as
 * src/wasm.ts xdlMerge; test/wasm-xdiff.test.ts checks that both agree and match git.
 */
import type { XmergeOptions } from '../src/wasm.js';
import { diffEnv, isChanged, lineBytes, nrec, script, type XEnv, type XFile } from './xdiff-reference.js';

interface M {
  mode: number;
  i0: number;
  chg0: number;
  i1: number;
  chg1: number;
  i2: number;
  chg2: number;
}

const eq = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

function append(list: M[], mode: number, i0: number, chg0: number, i1: number, chg1: number, i2: number, chg2: number): void {
  const m = list[list.length - 1];
  if (m && (i1 <= m.i1 + m.chg1 || i2 <= m.i2 + m.chg2)) {
    if (mode !== m.mode) m.mode = 0;
    m.chg0 = i0 + chg0 - m.i0;
    m.chg1 = i1 + chg1 - m.i1;
    m.chg2 = i2 + chg2 - m.i2;
  } else list.push({ mode, i0, chg0, i1, chg1, i2, chg2 });
}

function linesEqual(a: XFile, i: number, b: XFile, j: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (!eq(lineBytes(a, i + k), lineBytes(b, j + k))) return false;
  return true;
}

function slice(f: XFile, i: number, n: number): Uint8Array {
  return f.bytes.subarray(f.starts[i], f.starts[i + n]);
}

function eolCrlf(f: XFile, i: number): number {
  const n = nrec(f);
  const crlf = (k: number) => {
    const l = lineBytes(f, k);
    return l.length > 1 && l[l.length - 2] === 13 ? 1 : 0;
  };
  if (i < n - 1) return crlf(i);
  if (!n) return -1;
  const l = lineBytes(f, i);
  if (l.length && l[l.length - 1] === 10) return crlf(i);
  if (!i) return -1;
  return crlf(i - 1);
}

export function refXdlMerge(base: Uint8Array, ours: Uint8Array, theirs: Uint8Array, o: XmergeOptions): { data: Buffer; conflicts: number } {
  const alg = o.algorithm;
  const xe1 = diffEnv(base, ours, alg);
  const xe2 = diffEnv(base, theirs, alg);
  const s1 = script(xe1), s2 = script(xe2);
  if (s1.length === 0) return { data: Buffer.from(theirs), conflicts: 0 };
  if (s2.length === 0) return { data: Buffer.from(ours), conflicts: 0 };
  const style = o.style === 'diff3' ? 1 : o.style === 'zdiff3' ? 2 : 0;
  let level: number = o.level;
  if (style !== 0 && level > 1) level = 1;
  const a = xe1.f2, b = xe2.f2;
  const list: M[] = [];
  let k1 = 0, k2 = 0;
  const n1 = s1.length / 4, n2 = s2.length / 4;
  while (k1 < n1 && k2 < n2) {
    const [a0, ac0, a1, ac1] = s1.slice(k1 * 4, k1 * 4 + 4);
    const [b0, bc0, b2, bc2] = s2.slice(k2 * 4, k2 * 4 + 4);
    if (a0 + ac0 < b0) { append(list, 1, a0, ac0, a1, ac1, b2 - b0 + a0, ac0); k1++; continue; }
    if (b0 + bc0 < a0) { append(list, 2, b0, bc0, a1 - a0 + b0, bc0, b2, bc2); k2++; continue; }
    if (level === 0 || a0 !== b0 || ac0 !== bc0 || ac1 !== bc2 || !linesEqual(a, a1, b, b2, ac1)) {
      const off = a0 - b0, ffo = off + ac0 - bc0;
      let i0 = a0, i1 = a1, i2 = b2;
      if (off > 0) { i0 -= off; i1 -= off; } else i2 += off;
      let chg0 = a0 + ac0 - i0, chg1 = a1 + ac1 - i1, chg2 = b2 + bc2 - i2;
      if (ffo < 0) { chg0 -= ffo; chg1 -= ffo; } else chg2 += ffo;
      append(list, 0, i0, chg0, i1, chg1, i2, chg2);
    }
    if (a0 + ac0 >= b0 + bc0) k2++;
    if (b0 + bc0 >= a0 + ac0) k1++;
  }
  for (; k1 < n1; k1++) {
    const [a0, ac0, a1, ac1] = s1.slice(k1 * 4, k1 * 4 + 4);
    append(list, 1, a0, ac0, a1, ac1, a0 + nrec(xe2.f2) - nrec(xe2.f1), ac0);
  }
  for (; k2 < n2; k2++) {
    const [b0, bc0, b2, bc2] = s2.slice(k2 * 4, k2 * 4 + 4);
    append(list, 2, b0, bc0, b0 + nrec(xe1.f2) - nrec(xe1.f1), bc0, b2, bc2);
  }
  let merges = list;
  if (style === 2) {
    for (const m of merges) {
      if (m.mode) continue;
      while (m.chg1 && m.chg2 && eq(lineBytes(a, m.i1), lineBytes(b, m.i2))) { m.chg1--; m.chg2--; m.i1++; m.i2++; }
      while (m.chg1 && m.chg2 && eq(lineBytes(a, m.i1 + m.chg1 - 1), lineBytes(b, m.i2 + m.chg2 - 1))) { m.chg1--; m.chg2--; }
    }
  } else if (level >= 2) {
    merges = refine(merges, a, b, alg);
    simplify(merges, a, level > 2);
  }
  const conflicts = merges.filter((m) => m.mode === 0).length;
  return { data: emit(merges, xe1, xe2, o, style), conflicts: o.favor ? 0 : conflicts };
}

function refine(list: M[], a: XFile, b: XFile, alg: XmergeOptions['algorithm']): M[] {
  const out: M[] = [];
  for (const m of list) {
    out.push(m);
    if (m.mode || m.chg1 === 0 || m.chg2 === 0) continue;
    const s = script(diffEnv(slice(a, m.i1, m.chg1), slice(b, m.i2, m.chg2), alg));
    if (s.length === 0) {
      m.mode = 4;
      continue;
    }
    const { i1, i2 } = m;
    for (let k = 0; k < s.length / 4; k++) {
      const t = k === 0 ? m : { mode: 0, i0: 0, chg0: 0, i1: 0, chg1: 0, i2: 0, chg2: 0 };
      t.i1 = s[k * 4] + i1;
      t.chg1 = s[k * 4 + 1];
      t.i2 = s[k * 4 + 2] + i2;
      t.chg2 = s[k * 4 + 3];
      if (k > 0) out.push(t);
    }
  }
  return out;
}

const alnum = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

function simplify(list: M[], a: XFile, ifNoAlnum: boolean): void {
  for (let k = 0; k + 1 < list.length; ) {
    const m = list[k], nx = list[k + 1];
    const begin = m.i1 + m.chg1, end = nx.i1;
    if (m.mode !== 0 || nx.mode !== 0 || (end - begin > 3 && (!ifNoAlnum || slice(a, begin, end - begin).some(alnum)))) k++;
    else {
      m.chg1 = nx.i1 + nx.chg1 - m.i1;
      m.chg2 = nx.i2 + nx.chg2 - m.i2;
      list.splice(k + 1, 1);
    }
  }
}

function emit(list: M[], xe1: XEnv, xe2: XEnv, o: XmergeOptions, style: number): Buffer {
  const a = xe1.f2, b = xe2.f2;
  const parts: Uint8Array[] = [];
  const size = o.markerSize && o.markerSize > 0 ? o.markerSize : 7;
  const label = (l: XmergeOptions['ancestor']) => (l == null ? null : typeof l === 'string' ? Buffer.from(l, 'utf8') : Buffer.from(l));
  const copy = (f: XFile, i: number, n: number, cr: boolean, addNl: boolean) => {
    if (n < 1) return;
    parts.push(slice(f, i, n));
    const last = lineBytes(f, i + n - 1);
    if (addNl && (last.length === 0 || last[last.length - 1] !== 10)) parts.push(Buffer.from(cr ? '\r\n' : '\n'));
  };
  const marker = (c: string, name: Buffer | null, cr: boolean) =>
    parts.push(Buffer.concat([Buffer.from(c.repeat(size)), name ? Buffer.concat([Buffer.from(' '), name]) : Buffer.alloc(0), Buffer.from(cr ? '\r\n' : '\n')]));
  const favor = o.favor === 'ours' ? 1 : o.favor === 'theirs' ? 2 : o.favor === 'union' ? 3 : 0;
  let i = 0;
  for (const m of list) {
    if (favor && !m.mode) m.mode = favor;
    const cr = () => {
      let n = eolCrlf(a, m.i1 ? m.i1 - 1 : 0);
      if (n) n = eolCrlf(b, m.i2 ? m.i2 - 1 : 0);
      if (n) n = eolCrlf(xe1.f1, 0);
      return n > 0;
    };
    if (m.mode === 0) {
      const needsCr = cr();
      copy(a, i, m.i1 - i, false, false);
      marker('<', label(o.ours), needsCr);
      copy(a, m.i1, m.chg1, needsCr, true);
      if (style) {
        marker('|', label(o.ancestor), needsCr);
        copy(xe1.f1, m.i0, m.chg0, needsCr, true);
      }
      marker('=', null, needsCr);
      copy(b, m.i2, m.chg2, needsCr, true);
      marker('>', label(o.theirs), needsCr);
    } else if (m.mode & 3) {
      copy(a, i, m.i1 - i, false, false);
      if (m.mode & 1) copy(a, m.i1, m.chg1, cr(), (m.mode & 2) !== 0);
      if (m.mode & 2) copy(b, m.i2, m.chg2, false, false);
    } else continue;
    i = m.i1 + m.chg1;
  }
  copy(a, i, nrec(a) - i, false, false);
  return Buffer.concat(parts);
}

export { isChanged };
