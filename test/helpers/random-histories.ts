// Random histories for merge tests: a base tree of text files in a few directories, and two
// sides that each apply a handful of random operations to it (edits, deletions, additions,
// renames with or without edits, whole-directory moves, mode changes, symlinks, binary
// contents, files turning into directories, submodules). Sometimes a criss-cross: both sides
// merge each other before diverging again. Deterministic per seed.
import type { CommitSpec, FileSpec } from './merge-oracle.js';

type Tree = Map<string, Required<Pick<FileSpec, 'mode'>> & { data: string }>;

export function rng(seed: number): () => number {
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

const DIRS = ['', 'a/', 'a/b/', 'c/', 'd/e/', 'z/'];
const NAMES = ['f', 'g', 'h.txt', 'k', 'm.c', 'x', 'b'];

export function randomHistory(r: () => number): { commits: CommitSpec[]; ours: number; theirs: number; crissCross: boolean } {
  const pick = <T>(a: T[]) => a[Math.floor(r() * a.length)];
  const lines = (n: number) => Array.from({ length: n }, () => `line ${Math.floor(r() * 30)}`).join('\n') + '\n';
  const edit = (s: string) => {
    const l = s.split('\n');
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) {
      const at = Math.floor(r() * l.length);
      const op = r();
      if (op < 0.4) l[at] = `edit ${Math.floor(r() * 1000)}`;
      else if (op < 0.7) l.splice(at, 0, `ins ${Math.floor(r() * 1000)}`);
      else l.splice(at, 1);
    }
    return l.join('\n');
  };
  const clash = (t: Tree, p: string) => [...t.keys()].some((q) => q !== p && (q.startsWith(`${p}/`) || p.startsWith(`${q}/`)));
  const isFile = (e: { mode: string }) => e.mode === '100644' || e.mode === '100755';

  const base: Tree = new Map();
  for (let i = 3 + Math.floor(r() * 10); i > 0; i--) {
    const p = pick(DIRS) + pick(NAMES);
    if (!clash(base, p)) base.set(p, { mode: '100644', data: lines(5 + Math.floor(r() * 20)) });
  }

  const mutate = (from: Tree): Tree => {
    const t: Tree = new Map([...from].map(([k, v]) => [k, { ...v }]));
    for (let j = 1 + Math.floor(r() * 5); j > 0; j--) {
      const keys = [...t.keys()];
      const op = r();
      const p = keys.length > 0 ? pick(keys) : '';
      const e = t.get(p);
      if (op < 0.3 && e) {
        if (isFile(e)) e.data = edit(e.data);
      } else if (op < 0.4 && e) t.delete(p);
      else if (op < 0.55 && e) {
        const q = pick(DIRS) + pick(NAMES) + (r() < 0.5 ? '2' : '');
        if (!t.has(q) && !clash(t, q)) {
          t.delete(p);
          if (r() < 0.5 && isFile(e)) e.data = edit(e.data);
          t.set(q, e);
        }
      } else if (op < 0.65) {
        const q = pick(DIRS) + pick(NAMES);
        if (!t.has(q) && !clash(t, q)) t.set(q, { mode: '100644', data: lines(4) });
      } else if (op < 0.7 && e) {
        if (isFile(e)) e.mode = e.mode === '100644' ? '100755' : '100644';
      } else if (op < 0.75 && e) t.set(p, { mode: '120000', data: `target/${Math.floor(r() * 3)}` });
      else if (op < 0.8 && e) {
        if (isFile(e)) e.data = `bin\0${Math.floor(r() * 5)}\n`;
      } else if (op < 0.85 && e) {
        const d = pick(DIRS.filter((x) => x));
        const to = pick(['y/', 'a/q/', 'w/', 'c/']);
        if (d !== to) {
          for (const k of [...t.keys()]) {
            const dest = to + k.slice(d.length);
            if (k.startsWith(d) && !t.has(dest) && !clash(t, dest)) {
              const v = t.get(k)!;
              t.delete(k);
              t.set(dest, v);
            }
          }
        }
      } else if (op < 0.9 && e) {
        if (!clash(t, `${p}/sub`)) {
          t.delete(p);
          t.set(`${p}/sub`, e);
        }
      } else if (op < 0.93 && e) t.set(p, { mode: '160000', data: String(1 + Math.floor(r() * 4)).repeat(40) });
    }
    return t;
  };

  const files = (t: Tree) => Object.fromEntries([...t].map(([k, v]) => [k, { mode: v.mode as FileSpec['mode'], data: v.data }]));
  const s1 = mutate(base);
  const s2 = mutate(base);
  if (r() >= 0.15) {
    return { commits: [{ branch: 'base', files: files(base) }, { branch: 'one', parents: [0], files: files(s1) }, { branch: 'two', parents: [0], files: files(s2) }], ours: 1, theirs: 2, crissCross: false };
  }
  const m1 = mutate(new Map([...s1, ...s2]));
  const m2 = mutate(new Map([...s2, ...s1]));
  return {
    commits: [
      { branch: 'base', files: files(base) },
      { branch: 'x', parents: [0], files: files(s1) },
      { branch: 'y', parents: [0], files: files(s2) },
      { branch: 'one', parents: [1, 2], files: files(m1) },
      { branch: 'two', parents: [2, 1], files: files(m2) },
    ],
    ours: 3,
    theirs: 4,
    crissCross: true,
  };
}
