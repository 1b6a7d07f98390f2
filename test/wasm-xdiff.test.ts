// git's xdiff in the WASM core (xdiffScript, xdlMerge): the WASM core and its JS reference
// (xdiff-reference.ts, xmerge-reference.ts) agree on random inputs; both equal git itself:
// edit scripts equal `git diff --no-index -U0 --no-indent-heuristic` (Myers and histogram,
// big inputs included, so xdiff's cost heuristics run), merges equal `git merge-file -p`
// byte for byte (merge, diff3 and zdiff3 styles, CRLF, missing final newlines).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { xdiffScript, xdlMerge, type XmergeOptions } from '../src/wasm.js';
import { git, removeTempDirs, tempDir } from './helpers/git.js';
import { refXdiffScript } from './xdiff-reference.js';
import { refXdlMerge } from './xmerge-reference.js';

afterAll(() => removeTempDirs());

/** xorshift32: the same cases on every run */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const WORDS = ['a', 'b', 'c', 'd', '', '}', '{', 'x y', 'int', '  return', '-', '#'];

/** A base and two edited versions: lines of a small vocabulary, so equal lines abound. */
function triple(r: () => number, maxLines: number) {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const base = Array.from({ length: Math.floor(r() * maxLines) }, () => pick(WORDS));
  const edit = () => {
    const out = [...base];
    const k = 1 + Math.floor(r() * Math.max(4, maxLines / 8));
    for (let j = 0; j < k; j++) {
      const at = Math.floor(r() * (out.length + 1));
      const op = r();
      if (op < 0.33) out.splice(at, 1 + Math.floor(r() * 2));
      else if (op < 0.66) out.splice(at, 0, pick(WORDS) + 'N');
      else out[at] = pick(WORDS) + 'M';
    }
    return out.filter((x) => x !== undefined);
  };
  const eol = r() < 0.2 ? '\r\n' : '\n';
  const text = (lines: string[]) => {
    if (lines.length === 0) return Buffer.alloc(0);
    const s = lines.join(eol);
    return Buffer.from(r() < 0.15 ? s : s + eol);
  };
  return { base: text(base), ours: text(edit()), theirs: text(edit()) };
}

/** Two versions of a longer file with a large vocabulary: what git diff sees in real code. */
function pair(r: () => number, lines: number, vocabulary: number, edits: number) {
  const word = () => `w${Math.floor(r() * r() * vocabulary)}`;
  const a = Array.from({ length: lines }, word);
  const b = [...a];
  for (let j = 0; j < edits; j++) {
    const at = Math.floor(r() * (b.length + 1));
    const len = 1 + Math.floor(r() * 5);
    const op = r();
    if (op < 0.33) b.splice(at, len);
    else if (op < 0.66) b.splice(at, 0, ...Array.from({ length: len }, () => `${word()}N`));
    else b[at] = `M${Math.floor(r() * 10)}`;
  }
  const text = (l: string[]) => Buffer.from(l.filter((x) => x !== undefined).join('\n') + '\n');
  return { a: text(a), b: text(b) };
}

const OPTION_SETS: XmergeOptions[] = [
  { algorithm: 'myers', level: 3, ancestor: 'base', ours: 'ours', theirs: 'theirs' },
  { algorithm: 'histogram', level: 2, ancestor: 'base', ours: 'ours', theirs: 'theirs' },
  { algorithm: 'myers', level: 0, style: 'diff3', ancestor: 'b', ours: null, theirs: 't' },
  { algorithm: 'histogram', level: 1, style: 'zdiff3', markerSize: 9, ancestor: 'b', ours: 'o', theirs: 't' },
  { algorithm: 'myers', level: 2, favor: 'union' },
  { algorithm: 'histogram', level: 3, favor: 'ours', ours: 'o', theirs: 't' },
  { algorithm: 'myers', level: 2, favor: 'theirs' },
];

describe('the WASM xdiff core and its JS reference agree', () => {
  it('on the edit scripts of random pairs (Myers and histogram)', () => {
    const r = rng(7);
    let n = 0;
    for (let t = 0; t < 120; t++) {
      const { a, b } = t % 3 === 0 ? pair(r, 400, 60, 40) : (({ base, ours }) => ({ a: base, b: ours }))(triple(r, 30));
      for (const alg of ['myers', 'histogram'] as const) {
        expect([...xdiffScript(a, b, alg)], `${t} ${alg}`).toEqual([...refXdiffScript(a, b, alg)]);
        n++;
      }
    }
    expect(n).toBe(240);
  });

  it('on the merges of random triples, every level, style and favor', () => {
    const r = rng(11);
    let conflicted = 0;
    for (let t = 0; t < 200; t++) {
      const { base, ours, theirs } = triple(r, t % 10 === 0 ? 200 : 25);
      for (const o of OPTION_SETS) {
        const w = xdlMerge(base, ours, theirs, o);
        const j = refXdlMerge(base, ours, theirs, o);
        expect(w.data.toString('latin1'), `${t} ${JSON.stringify(o)}`).toBe(j.data.toString('latin1'));
        expect(w.conflicts).toBe(j.conflicts);
        if (w.conflicts > 0) conflicted++;
      }
    }
    expect(conflicted).toBeGreaterThan(100);
  });
});

describe('git is the oracle', () => {
  const parseU0 = (out: string) => {
    const h: number[] = [];
    for (const m of out.matchAll(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/gm)) {
      const ac = m[2] === undefined ? 1 : Number(m[2]);
      const bc = m[4] === undefined ? 1 : Number(m[4]);
      h.push(ac > 0 ? Number(m[1]) - 1 : Number(m[1]), ac, bc > 0 ? Number(m[3]) - 1 : Number(m[3]), bc);
    }
    return h;
  };

  it('edit scripts equal git diff -U0 (Myers, histogram), up to 20,000-line files', async () => {
    const dir = tempDir();
    const r = rng(3);
    const cases = [
      ...Array.from({ length: 12 }, () => pair(r, 2000, 40, 300)),
      ...Array.from({ length: 12 }, () => pair(r, 300, 8, 60)),
      pair(r, 20000, 2000, 4000), // cost past 256: both of Myers' heuristics
      pair(r, 5000, 5000, 2000), // more than 64 distinct lines per histogram chain
    ];
    let hunks = 0;
    for (const [i, { a, b }] of cases.entries()) {
      fs.writeFileSync(path.join(dir, 'a'), a);
      fs.writeFileSync(path.join(dir, 'b'), b);
      for (const alg of ['myers', 'histogram'] as const) {
        const g = await git(['diff', '--no-index', '--no-indent-heuristic', '-U0', `--diff-algorithm=${alg}`, 'a', 'b'], { cwd: dir });
        expect(g.code, g.stderr).toBe(1);
        const want = parseU0(g.stdout);
        expect([...xdiffScript(a, b, alg)], `case ${i} ${alg}`).toEqual(want);
        hunks += want.length / 4;
      }
    }
    expect(hunks).toBeGreaterThan(1000);
  });

  it('merges equal git merge-file -p byte for byte (merge, diff3, zdiff3; CRLF; no final newline)', async () => {
    const dir = tempDir();
    const r = rng(5);
    let conflicted = 0;
    let runs = 0;
    for (let t = 0; t < 120; t++) {
      const { base, ours, theirs } = triple(r, t % 8 === 0 ? 150 : 15);
      fs.writeFileSync(path.join(dir, 'base'), base);
      fs.writeFileSync(path.join(dir, 'ours'), ours);
      fs.writeFileSync(path.join(dir, 'theirs'), theirs);
      for (const style of ['merge', 'diff3', 'zdiff3'] as const) {
        const flag = style === 'merge' ? [] : [`--${style}`];
        const g = await git(['merge-file', '-p', ...flag, '-L', 'ours', '-L', 'base', '-L', 'theirs', 'ours', 'base', 'theirs'], { cwd: dir });
        const mine = xdlMerge(base, ours, theirs, { algorithm: 'myers', level: 3, style, ancestor: 'base', ours: 'ours', theirs: 'theirs' });
        expect(mine.data.toString('latin1'), `${t} ${style}`).toBe(Buffer.from(g.stdout, 'utf8').toString('latin1'));
        expect(mine.conflicts).toBe(g.code);
        if (g.code > 0) conflicted++;
        runs++;
      }
    }
    expect(runs).toBe(360);
    expect(conflicted).toBeGreaterThan(100);
  });

  it('named cases: identical changes, add/add over an empty base, CRLF markers, a missing final newline', async () => {
    const dir = tempDir();
    const cases: Array<[string, string, string, string]> = [
      ['same change on both sides', 'a\nb\nc\n', 'a\nB\nc\n', 'a\nB\nc\n'],
      ['same insertion, different neighbours', 'a\nb\nc\nd\ne\n', 'a\nX\nb\nc\nD\ne\n', 'a\nX\nb\nC\nd\ne\n'],
      ['add/add against an empty base', '', 'one\ntwo\nthree\n', 'one\n2\nthree\n'],
      ['CRLF lines, conflict markers in CRLF', 'a\r\nb\r\nc\r\n', 'a\r\nX\r\nc\r\n', 'a\r\nY\r\nc\r\n'],
      ['no final newline on one side', 'a\nb\nc', 'a\nb\nc\nd', 'A\nb\nc'],
      ['no final newline, conflicting last lines', 'a\nb', 'a\nx', 'a\ny'],
      ['conflicts 3 lines apart join; 4 do not', '1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\nX\n3\n4\n5\nX\n7\n8\n9\n', '1\nY\n3\n4\n5\nY\n7\n8\n9\n'],
      ['only punctuation between conflicts (merge-file joins them)', 'a\n}\n}\n}\n}\nb\n', 'A\n}\n}\n}\n}\nB\n', 'a1\n}\n}\n}\n}\nb1\n'],
    ];
    for (const [name, b, o, t] of cases) {
      fs.writeFileSync(path.join(dir, 'base'), b);
      fs.writeFileSync(path.join(dir, 'ours'), o);
      fs.writeFileSync(path.join(dir, 'theirs'), t);
      const g = await git(['merge-file', '-p', '-L', 'ours', '-L', 'base', '-L', 'theirs', 'ours', 'base', 'theirs'], { cwd: dir });
      const mine = xdlMerge(Buffer.from(b), Buffer.from(o), Buffer.from(t), { algorithm: 'myers', level: 3, ancestor: 'base', ours: 'ours', theirs: 'theirs' });
      expect(mine.data.toString(), name).toBe(g.stdout);
      expect(mine.conflicts, name).toBe(g.code);
    }
  });
});
