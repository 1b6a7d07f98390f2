/**
 * src/core/diff against references and against git itself:
 *  - the WASM Myers against a small JS Myers written here (same edit distance on unlimited runs,
 *    a valid script always, limited or not);
 *  - git's discard pre-pass: line counts equal `git diff --no-index --minimal --numstat` on
 *    random files full of repeated lines;
 *  - the tree diff and the unified patch writer byte for byte against `git diff` on a repo made
 *    by git (unambiguous edits: every line distinct, so git's hunk sliding has no choice);
 *  - the merge check's line merge against `git merge-file`.
 */
import { describe, expect, it, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { myersDiff, xdlMerge } from '../src/wasm.js';
import { splitLines, internPair, LineInterner } from '../src/core/diff/lines.js';
import { diffLines } from '../src/core/diff/myers.js';
import { bogosqrt } from '../src/core/diff/discard.js';
import { isBinary } from '../src/core/diff/binary.js';
import { PatchSink, quotePath, writeFileSection, encode85 } from '../src/core/diff/patch.js';
import { diffTrees } from '../src/core/diff/tree-diff.js';
import { diffTreePair } from '../src/core/diff/file-diff.js';
import { mergeTrees } from '../src/core/merge/ort.js';
import type { ObjectFinder } from '../src/core/object/finder.js';
import { git, gitEnv, gitOk, removeTempDirs, tempDir } from './helpers/git.js';
import { rng } from '../bench/lib/rng.js';

afterAll(() => removeTempDirs());

// --- helpers ------------------------------------------------------------------------------

const pick = (r: () => number, n: number) => Math.floor(r() * n);

/**
 * The reference: Myers' greedy forward search (1986, section 2), only the edit distance D
 * (inserted + deleted lines of a shortest script).
 */
function refDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  for (let d = 0; d <= max; d++) {
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1] < v[off + k + 1]) ? v[off + k + 1] : v[off + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return d;
    }
  }
  return max;
}

/** Applies hunks to `a`; the result must be `b` (the script is valid). */
function applyHunks(a: ArrayLike<number>, b: ArrayLike<number>, hunks: Int32Array): number[] {
  const out: number[] = [];
  let ai = 0;
  for (let i = 0; i < hunks.length; i += 4) {
    const [as, ac, bs, bc] = [hunks[i], hunks[i + 1], hunks[i + 2], hunks[i + 3]];
    expect(as).toBeGreaterThanOrEqual(ai);
    while (ai < as) out.push(a[ai++]);
    expect(out.length).toBe(bs);
    for (let k = 0; k < bc; k++) out.push(b[bs + k]);
    ai = as + ac;
  }
  while (ai < a.length) out.push(a[ai++]);
  return out;
}

function randomSeq(r: () => number, n: number, alphabet: number): Int32Array {
  return Int32Array.from({ length: n }, () => pick(r, alphabet));
}

/** b = a with some random edits: changes, inserts, deletes of runs. */
function mutate(r: () => number, a: Int32Array, edits: number, alphabet: number): Int32Array {
  const out = Array.from(a);
  for (let e = 0; e < edits; e++) {
    const at = pick(r, out.length + 1);
    const len = 1 + pick(r, 4);
    const kind = pick(r, 3);
    if (kind === 0) out.splice(at, len);
    else if (kind === 1) out.splice(at, 0, ...Array.from({ length: len }, () => pick(r, alphabet)));
    else out.splice(at, len, ...Array.from({ length: len }, () => pick(r, alphabet)));
  }
  return Int32Array.from(out);
}

const buf = (lines: string[], eol = true) => Buffer.from(lines.join('\n') + (eol && lines.length ? '\n' : ''));

// --- lines --------------------------------------------------------------------------------

describe('lines', () => {
  it('splits keeping the LF and knows about a missing last newline', () => {
    const l = splitLines(Buffer.from('a\nbb\n\nc'));
    expect(l.count).toBe(4);
    expect(Array.from(l.starts)).toEqual([0, 2, 5, 6, 7]);
    expect(l.noNewlineAtEnd).toBe(true);
    expect(splitLines(Buffer.from('')).count).toBe(0);
    expect(splitLines(Buffer.from('x\n')).noNewlineAtEnd).toBe(false);
  });

  it('interns equal lines to equal ids across both sides; "x" and "x\\n" differ', () => {
    const p = internPair(Buffer.from('x\ny\nx'), Buffer.from('y\nx\n'));
    expect(Array.from(p.aIds)).toEqual([0, 1, 2]);
    expect(Array.from(p.bIds)).toEqual([1, 0]);
    const it = new LineInterner();
    expect(Array.from(it.add(Buffer.from('\u00e9\n\u00e9\n')).ids)).toEqual([0, 0]);
    // the LF inside a 4-byte word, lines shorter and longer than a word, at any offset
    const x = it.add(Buffer.from('abc\nabcdefgh\nab\nabcdefgh\nabc\nabc'));
    const y = it.add(Buffer.from('xabcdefgh\nabc\nab\nabc'));
    expect(Array.from(x.ids)).toEqual([1, 2, 3, 2, 1, 4]);
    expect(Array.from(y.ids)).toEqual([5, 1, 3, 4]);
    expect(Array.from(x.lines.starts)).toEqual(Array.from(splitLines(x.lines.data).starts));
  });

  it('the interner agrees with a Map of line strings (random lines of every length, 3 buffers, growth)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = rng(seed);
      const alphabet = 'ab\r\t \u00e9';
      const mk = () => {
        const n = pick(r, 3000);
        const ls = Array.from({ length: n }, () => Array.from({ length: pick(r, 10) }, () => alphabet[pick(r, alphabet.length)]).join(''));
        return Buffer.from(ls.join('\n') + (r() < 0.5 ? '\n' : ''));
      };
      const bufs = [mk(), mk(), mk()];
      const it = new LineInterner(seed % 2 ? 1 : 5000);
      const ref = new Map<string, number>();
      for (const b of bufs) {
        const { lines: l, ids } = it.add(b);
        expect(Array.from(l.starts)).toEqual(Array.from(splitLines(b).starts));
        for (let i = 0; i < l.count; i++) {
          const key = b.toString('latin1', l.starts[i], l.starts[i + 1]);
          if (!ref.has(key)) ref.set(key, ids[i]);
          expect(ids[i], `seed ${seed}`).toBe(ref.get(key));
        }
      }
      expect(it.size).toBe(ref.size);
    }
  });

  it('binary: a NUL in the first 8000 bytes', () => {
    expect(isBinary(Buffer.from('text\n'))).toBe(false);
    expect(isBinary(Buffer.from('a\0b'))).toBe(true);
    const late = Buffer.alloc(9000, 0x61);
    late[8500] = 0;
    expect(isBinary(late)).toBe(false);
  });
});

// --- Myers: WASM against the JS reference -------------------------------------------------

describe('Myers: WASM core vs JS reference', () => {
  it('same edit distance on unlimited runs, valid scripts (random, seeded)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const alphabet = [2, 5, 30, 1000][seed % 4];
      const a = randomSeq(r, pick(r, 120), alphabet);
      const b = seed % 3 === 0 ? randomSeq(r, pick(r, 120), alphabet) : mutate(r, a, 1 + pick(r, 10), alphabet);
      const { hunks, limited } = myersDiff(a, b, Infinity);
      expect(limited, `seed ${seed}`).toBe(false);
      expect(applyHunks(a, b, hunks), `seed ${seed}`).toEqual(Array.from(b));
      let changed = 0;
      for (let i = 0; i < hunks.length; i += 4) changed += hunks[i + 1] + hunks[i + 3];
      expect(changed, `seed ${seed}`).toBe(refDistance(a, b));
    }
  });

  it('edge cases: empty sides, equal sides, all different', () => {
    const cases: Array<[number[], number[]]> = [[[], []], [[], [1, 2]], [[1, 2], []], [[1, 2, 3], [1, 2, 3]], [[1, 2, 3], [4, 5, 6]], [[1], [1, 1, 1]]];
    for (const [x, y] of cases) {
      const a = Int32Array.from(x);
      const b = Int32Array.from(y);
      const { hunks } = myersDiff(a, b, Infinity);
      expect(applyHunks(a, b, hunks)).toEqual(y);
      let changed = 0;
      for (let i = 0; i < hunks.length; i += 4) changed += hunks[i + 1] + hunks[i + 3];
      expect(changed).toBe(refDistance(a, b));
    }
  });

  it('the cost limit keeps a large, very different pair fast; the script stays valid', () => {
    const r = rng(7);
    const a = randomSeq(r, 20_000, 50);
    const b = randomSeq(r, 20_000, 50);
    const t = performance.now();
    const { hunks, limited } = myersDiff(a, b);
    expect(performance.now() - t).toBeLessThan(5_000);
    expect(limited).toBe(true);
    expect(applyHunks(a, b, hunks)).toEqual(Array.from(b));
  });

  it('diffLines(shortest, unlimited) counts the reference distance', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const r = rng(1000 + seed);
      const vocab = ['', '}', '{', 'return x;', 'a', 'b', ...Array.from({ length: 20 }, (_, i) => `line ${i}`)];
      const la = Array.from({ length: pick(r, 60) }, () => vocab[pick(r, vocab.length)]);
      const lb = Array.from({ length: pick(r, 60) }, () => vocab[pick(r, vocab.length)]);
      const a = buf(la, seed % 5 !== 0);
      const b = buf(lb);
      const d = diffLines(a, b, { costLimit: Infinity, shortest: true });
      const p = internPair(a, b);
      expect(d.additions + d.deletions, `seed ${seed}`).toBe(refDistance(p.aIds, p.bIds));
      expect(d.additions - d.deletions).toBe(p.bIds.length - p.aIds.length);
    }
  });
});

// --- git's line counts (discard pre-pass) -------------------------------------------------

async function gitNumstat(dir: string, a: Buffer, b: Buffer, extra: string[] = ['--minimal']): Promise<[number, number]> {
  fs.writeFileSync(path.join(dir, 'x'), a);
  fs.writeFileSync(path.join(dir, 'y'), b);
  const r = await git(['diff', '--no-index', '--numstat', ...extra, 'x', 'y'], { cwd: dir });
  if (r.stdout.trim() === '') return [0, 0];
  const [add, del] = r.stdout.split('\t');
  return [Number(add), Number(del)];
}

describe('line counts equal git diff --numstat', () => {
  it('bogosqrt is xdiff\'s', () => {
    expect([0, 1, 3, 4, 8, 15, 16, 100, 1 << 20].map(bogosqrt)).toEqual([1, 2, 2, 4, 4, 4, 8, 16, 2048]);
  });

  it('a blank line between unmatched lines facing a file of blank lines (git discards it)', async () => {
    const dir = tempDir();
    const a = buf(['   * p75 percentile', '   */', '  p75: number;', '', '  /**', '   * p99 percentile', '   */', '  p99: number;']);
    const b = buf(['', '', '', '']);
    expect(await gitNumstat(dir, a, b)).toEqual([4, 8]);
    const d = diffLines(a, b, { costLimit: Infinity });
    expect([d.additions, d.deletions]).toEqual([4, 8]);
    const s = diffLines(a, b, { costLimit: Infinity, shortest: true });
    expect([s.additions, s.deletions]).toEqual([3, 7]);
  });

  it('random files with many repeated lines: equal to git --minimal', async () => {
    const dir = tempDir();
    for (let seed = 1; seed <= 120; seed++) {
      const r = rng(5000 + seed);
      const vocab = ['', '', '}', '{', '  }', 'return;', '/**', ' */', ...Array.from({ length: 8 + pick(r, 40) }, (_, i) => `line ${i}`)];
      const la = Array.from({ length: pick(r, 150) }, () => vocab[pick(r, vocab.length)]);
      let lb = la.slice();
      if (seed % 4 === 0) lb = Array.from({ length: pick(r, 150) }, () => vocab[pick(r, vocab.length)]);
      else for (let e = 0; e < 1 + pick(r, 12); e++) lb.splice(pick(r, lb.length + 1), pick(r, 4), ...Array.from({ length: pick(r, 4) }, () => vocab[pick(r, vocab.length)]));
      const a = buf(la, seed % 7 !== 0);
      const b = buf(lb, seed % 11 !== 0);
      const d = diffLines(a, b, { costLimit: Infinity });
      expect([d.additions, d.deletions], `seed ${seed}`).toEqual(await gitNumstat(dir, a, b));
    }
  });
});

// --- tree diff and patch writer against git diff ------------------------------------------

/** Every object of a git repo, as an ObjectFinder (`git cat-file --batch-all-objects --batch`). */
function gitObjects(dir: string): ObjectFinder {
  const out = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: dir, env: gitEnv(), maxBuffer: 1 << 28 });
  const map = new Map<string, { type: number; data: Buffer }>();
  const codes: Record<string, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
  for (let p = 0; p < out.length; ) {
    const nl = out.indexOf(10, p);
    const [oid, type, size] = out.toString('latin1', p, nl).split(' ');
    const start = nl + 1;
    map.set(oid, { type: codes[type], data: out.subarray(start, start + Number(size)) });
    p = start + Number(size) + 1;
  }
  return { get: (oid) => map.get(Buffer.from(oid).toString('hex')) };
}

function unified(finder: ObjectFinder, a: string, b: string, opts: { context?: number; binary?: boolean } = {}): string {
  const r = diffTreePair(finder, Buffer.from(a, 'hex'), Buffer.from(b, 'hex'), { unified: true, ...opts });
  return r.unified!.toString('latin1');
}

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i + 1}`);

async function commitAll(dir: string, msg: string): Promise<string> {
  await gitOk(['add', '-A'], { cwd: dir });
  await gitOk(['commit', '-q', '--allow-empty', '-m', msg], { cwd: dir });
  return gitOk(['rev-parse', 'HEAD^{tree}'], { cwd: dir });
}

describe('tree diff and unified patch vs git diff', async () => {
  const dir = tempDir();
  await gitOk(['init', '-q', '-b', 'main', dir]);
  const w = (p: string, data: string | Buffer, mode?: number) => {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), data);
    if (mode) fs.chmodSync(path.join(dir, p), mode);
  };
  const big = lines(60, 'big');
  w('big.txt', big.join('\n') + '\n');
  w('noeol.txt', lines(5, 'noeol').join('\n'));
  w('noeol2.txt', lines(5, 'n2').join('\n'));
  w('gone.txt', lines(4, 'gone').join('\n') + '\n');
  w('gone-empty.txt', '');
  w('script.sh', '#!/bin/sh\necho hi\n', 0o644);
  w('script2.sh', '#!/bin/sh\necho two\n', 0o644);
  w('bin.dat', Buffer.from([0, 1, 2, 3, 255, 0, 10]));
  w('to-link', 'was a file\n');
  w('d/e/deep.txt', 'deep 1\ndeep 2\n');
  w('sp ace.txt', 'space 1\n');
  w('\u00fcn\u00efcode.txt', 'unicode 1\n');
  w('quo"te.txt', 'quote 1\n');
  w('dir-to-file/inner.txt', 'inner\n');
  fs.symlinkSync('big.txt', path.join(dir, 'link'));
  const t1 = await commitAll(dir, 'one');

  const big2 = big.slice();
  big2[2] = 'big changed 3'; // near the start
  big2.splice(20, 2); // a deletion
  big2.splice(26, 0, 'big inserted A', 'big inserted B'); // an insertion 6 lines after: one hunk at -U3
  big2[50] = 'big changed 53';
  w('big.txt', big2.join('\n') + '\n');
  w('noeol.txt', [...lines(4, 'noeol'), 'noeol last changed'].join('\n'));
  w('noeol2.txt', lines(5, 'n2').join('\n') + '\n'); // only the final newline added
  fs.rmSync(path.join(dir, 'gone.txt'));
  fs.rmSync(path.join(dir, 'gone-empty.txt'));
  w('new.txt', 'new 1\nnew 2\n');
  w('new-empty.txt', '');
  fs.chmodSync(path.join(dir, 'script.sh'), 0o755); // mode only
  w('script2.sh', '#!/bin/sh\necho TWO\n', 0o755); // mode and content
  w('bin.dat', Buffer.from([0, 1, 2, 4, 255, 0, 10, 11]));
  w('new.bin', Buffer.from([0, 0, 0, 7]));
  fs.rmSync(path.join(dir, 'to-link'));
  fs.symlinkSync('big.txt', path.join(dir, 'to-link'));
  w('d/e/deep.txt', 'deep 1\ndeep 2 changed\n');
  w('sp ace.txt', 'space 2\n');
  w('\u00fcn\u00efcode.txt', 'unicode 2\n');
  w('quo"te.txt', 'quote 2\n');
  fs.rmSync(path.join(dir, 'dir-to-file'), { recursive: true });
  w('dir-to-file', 'now a file\n');
  fs.rmSync(path.join(dir, 'link'));
  fs.symlinkSync('noeol.txt', path.join(dir, 'link'));
  const t2 = await commitAll(dir, 'two');
  // a gitlink (submodule entry) added, then moved
  await gitOk(['update-index', '--add', '--cacheinfo', `160000,${'ab'.repeat(20)},sub`], { cwd: dir });
  await gitOk(['commit', '-q', '-m', 'sub'], { cwd: dir });
  const t3 = await gitOk(['rev-parse', 'HEAD^{tree}'], { cwd: dir });
  await gitOk(['update-index', '--cacheinfo', `160000,${'cd'.repeat(20)},sub`], { cwd: dir });
  await gitOk(['commit', '-q', '-m', 'sub moved'], { cwd: dir });
  const t4 = await gitOk(['rev-parse', 'HEAD^{tree}'], { cwd: dir });
  const finder = gitObjects(dir);

  it('the tree diff lists what git diff-tree -r lists', async () => {
    const raw = await gitOk(['diff-tree', '-r', '--no-renames', t1, t2], { cwd: dir });
    const expected = raw.split('\n').map((l) => {
      const [meta, p] = l.split('\t');
      const [om, nm, oo, no, st] = meta.slice(1).split(' ');
      return `${st} ${om} ${nm} ${oo} ${no} ${p}`;
    });
    const letter = { added: 'A', deleted: 'D', modified: 'M', type_changed: 'T' } as const;
    const z = '0'.repeat(40);
    const got = diffTrees(finder, Buffer.from(t1, 'hex'), Buffer.from(t2, 'hex')).changes.map((c) => {
      const p = c.path.toString('utf8');
      const shown = /[^\x20-\x7e]|"/.test(p) ? quotePath('', c.path).toString('latin1') : p;
      return `${letter[c.status]} ${c.oldMode.toString(8).padStart(6, '0')} ${c.newMode.toString(8).padStart(6, '0')} ${c.oldOid?.toString('hex') ?? z} ${c.newOid?.toString('hex') ?? z} ${shown}`;
    });
    expect(got).toEqual(expected);
    expect(diffTrees(finder, Buffer.from(t1, 'hex'), Buffer.from(t2, 'hex'), 3)).toMatchObject({ truncated: true });
  });

  for (const context of [3, 0, 1, 10]) {
    it(`the patch is git diff -U${context}, byte for byte`, async () => {
      const expected = await gitOk(['diff', '--no-renames', `-U${context}`, t1, t2], { cwd: dir });
      expect(unified(finder, t1, t2, { context }).trimEnd()).toBe(expected);
    });
  }

  it('the binary patch is git diff --binary, byte for byte except the deflate stream, and git apply takes it', async () => {
    const ours = unified(finder, t1, t2, { binary: true });
    const theirs = await gitOk(['diff', '--no-renames', '--binary', t1, t2], { cwd: dir });
    const strip = (s: string) => s.replace(/(GIT binary patch\n)[\s\S]*?\n\n[\s\S]*?\n\n/g, '$1');
    expect(strip(ours).trimEnd()).toBe(strip(theirs + '\n').trimEnd());
    const wt = tempDir();
    await gitOk(['clone', '-q', '--no-checkout', dir, wt]);
    await gitOk(['checkout', '-q', 'HEAD~3'], { cwd: wt });
    fs.writeFileSync(path.join(wt, '.p'), ours, 'latin1');
    await gitOk(['apply', '--index', '.p'], { cwd: wt });
    expect(await gitOk(['write-tree'], { cwd: wt })).toBe(t2);
  });

  it('gitlinks diff as "Subproject commit" lines', async () => {
    for (const [x, y] of [[t2, t3], [t3, t4]]) {
      expect(unified(finder, x, y).trimEnd()).toBe(await gitOk(['diff', x, y], { cwd: dir }));
    }
  });

  it('numstat of the JSON files', async () => {
    const r = diffTreePair(finder, Buffer.from(t1, 'hex'), Buffer.from(t2, 'hex'));
    const out = await gitOk(['diff', '--no-renames', '--numstat', '-z', t1, t2], { cwd: dir });
    const expected = new Map<string, string>();
    for (const rec of out.split('\0').filter(Boolean)) {
      const [a, d, p] = rec.split('\t');
      expected.set(p, `${a} ${d}`);
    }
    const got = new Map(r.files.map((f) => [f.path, f.binary ? '- -' : `${f.additions} ${f.deletions}`]));
    expect(got).toEqual(expected);
    expect(r.files.length).toBe(expected.size);
  });
});

describe('patch writer details', () => {
  it('quotes paths like git (core.quotePath)', () => {
    expect(quotePath('a/', Buffer.from('plain/path.txt')).toString()).toBe('a/plain/path.txt');
    expect(quotePath('a/', Buffer.from('sp ace')).toString()).toBe('a/sp ace');
    expect(quotePath('b/', Buffer.from('t\tab"q\\\u00e9\x7f')).toString()).toBe('"b/t\\tab\\"q\\\\\\303\\251\\177"');
  });

  it('encodes base85 as git does', () => {
    expect(encode85(Buffer.from([0, 0, 0, 0]))).toBe('00000');
    expect(encode85(Buffer.from([1]))).toBe('0RR91'); // 0x01000000 = 27*85^3 + 27*85^2 + 9*85 + 1
    expect(encode85(Buffer.from([1, 0, 0, 0, 1]))).toBe('0RR910RR91');
  });

  it('hunk headers: a count of 1 is left out; an empty side starts at the line before; the func text', () => {
    const d = diffLines(buf(['a', 'b', 'c']), buf(['a', 'c']));
    const sink = new PatchSink();
    writeFileSection(sink, { oldPath: Buffer.from('f'), newPath: Buffer.from('f'), oldMode: 0o100644, newMode: 0o100644, oldOid: '1'.repeat(40), newOid: '2'.repeat(40), content: { kind: 'text', diff: d } }, 0);
    expect(sink.toBuffer().toString()).toBe('diff --git a/f b/f\nindex 1111111..2222222 100644\n--- a/f\n+++ b/f\n@@ -2 +1,0 @@ a\n-b\n');
  });
});

// --- three-way merges (src/core/merge) vs git -------------------------------------------------

describe('three-way merges vs git merge-file', () => {
  it('random edits of a file of distinct lines: conflict exactly when git merge-file reports one', async () => {
    const dir = tempDir();
    let conflicted = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const r = rng(9000 + seed);
      const base = lines(10 + pick(r, 30), 'base');
      let fresh = 0;
      const edit = (src: string[], tag: string) => {
        const out = src.slice();
        for (let e = 0; e < 1 + pick(r, 3); e++) {
          const at = pick(r, out.length + 1);
          out.splice(at, pick(r, 3), ...Array.from({ length: pick(r, 3) }, () => `${tag} new ${fresh++}`));
        }
        return out;
      };
      const ours = edit(base, 'ours');
      // sometimes theirs makes the same change as ours somewhere (identical changes merge)
      const theirs = seed % 5 === 0 ? ours.slice() : edit(base, 'theirs');
      fs.writeFileSync(path.join(dir, 'o'), buf(base));
      fs.writeFileSync(path.join(dir, 'a'), buf(ours));
      fs.writeFileSync(path.join(dir, 'b'), buf(theirs));
      const g = await git(['merge-file', '-p', 'a', 'o', 'b'], { cwd: dir });
      expect(g.code).toBeGreaterThanOrEqual(0);
      const merged = xdlMerge(buf(base), buf(ours), buf(theirs), { algorithm: 'myers', level: 3, ours: 'a', ancestor: 'o', theirs: 'b' });
      expect(merged.conflicts > 0, `seed ${seed}`).toBe(g.code > 0);
      if (g.code > 0) conflicted++;
    }
    // both outcomes were exercised
    expect(conflicted).toBeGreaterThan(10);
    expect(conflicted).toBeLessThan(140);
  });

  it('file-level kinds', async () => {
    const dir = tempDir();
    await gitOk(['init', '-q', '-b', 'main', dir]);
    const w = (p: string, s: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
      fs.writeFileSync(path.join(dir, p), s);
    };
    w('both.txt', buf(lines(20, 'both')).toString());
    w('del.txt', 'x\n');
    w('clean.txt', buf(lines(20, 'clean')).toString());
    const base = await commitAll(dir, 'base');
    const ed = (tag: string, i: number) => {
      const l = lines(20, 'both');
      l[i] = `${tag} edit`;
      return buf(l).toString();
    };
    w('both.txt', ed('ours', 5));
    w('del.txt', 'changed\n');
    const cl = lines(20, 'clean');
    cl[1] = 'ours clean';
    w('clean.txt', buf(cl).toString());
    w('added.txt', 'ours\n');
    w('df', 'a file\n');
    const ours = await commitAll(dir, 'ours');
    await gitOk(['checkout', '-q', 'HEAD~1'], { cwd: dir });
    w('both.txt', ed('theirs', 5));
    fs.rmSync(path.join(dir, 'del.txt'));
    const cl2 = lines(20, 'clean');
    cl2[15] = 'theirs clean';
    w('clean.txt', buf(cl2).toString());
    w('added.txt', 'theirs\n');
    w('df/inner', 'a dir\n');
    const theirs = await commitAll(dir, 'theirs');
    const finder = gitObjects(dir);
    const h = (s: string) => Buffer.from(s, 'hex');
    const r = mergeTrees(finder, h(base), h(ours), h(theirs));
    expect(r.conflicts.map(({ path, kind }) => ({ path, kind }))).toEqual([
      { path: 'added.txt', kind: 'add/add' },
      { path: 'both.txt', kind: 'content' },
      { path: 'del.txt', kind: 'modify/delete' },
      { path: 'df~ours', kind: 'file/directory' },
    ]);
    expect(mergeTrees(finder, h(base), h(ours), h(ours)).conflicts).toEqual([]);
  });
});
