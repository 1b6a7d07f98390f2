// Line diff: gitwell's WASM Myers (with the line splitting, interning and git's discard pass
// it needs, from bytes) versus the `diff` package (jsdiff: diffLines, structuredPatch) and
// `fast-myers-diff` (on the lines split from the same text), on the same inputs:
//
//   small edits   10,000 lines, 20 scattered edits
//   rewrite       2,000 lines, half of them rewritten in runs
//   different     2,000 lines against 2,000 lines of which 95 % differ
//
// Each library gets its natural input (gitwell: the blob bytes; the JS packages: strings) and
// is timed end to end, splitting included. Ratios are gitwell's ops/s over the peer's.
//
//   npm run build && node dist/bench/myers.js
//   GITWELL_BENCH_MYERS_MS=3000 node dist/bench/myers.js
import { Bench } from 'tinybench';
import { diffLines as jsDiffLines, structuredPatch } from 'diff';
import { diff as fastDiff } from 'fast-myers-diff';
import { diffLines } from '../src/core/diff/myers.js';
import { hunksText } from '../src/core/diff/patch.js';
import { fixed, ratio, table } from './lib/stats.js';
import { rng } from './lib/rng.js';

const TIME_MS = Number(process.env.GITWELL_BENCH_MYERS_MS ?? 1000);


/** Code-like lines: mostly distinct, with the blank lines and braces real code repeats. */
function codeLines(r: () => number, n: number, tag: string): string[] {
  const common = ['', '}', '  }', '{', '    return;', '  } else {'];
  return Array.from({ length: n }, (_, i) =>
    r() < 0.15 ? common[Math.floor(r() * common.length)] : `  const ${tag}${i} = compute(${Math.floor(r() * 1e6)}, "${tag}"); // line ${i}`,
  );
}

interface Case {
  name: string;
  a: string;
  b: string;
}

function cases(): Case[] {
  const r = rng(1);
  const out: Case[] = [];

  const big = codeLines(r, 10_000, 'v');
  const edited = big.slice();
  for (let e = 0; e < 20; e++) {
    const at = Math.floor((e + r()) * (edited.length / 20));
    const kind = e % 3;
    if (kind === 0) edited[at] = `  edited(${e}); // changed`;
    else if (kind === 1) edited.splice(at, 0, `  inserted(${e});`);
    else edited.splice(at, 1);
  }
  out.push({ name: 'small edits (10k lines, 20 edits)', a: big.join('\n') + '\n', b: edited.join('\n') + '\n' });

  const mid = codeLines(r, 2_000, 'w');
  const rewritten = mid.slice();
  for (let i = 0; i < rewritten.length; i += 40) for (let k = i; k < i + 20 && k < rewritten.length; k++) rewritten[k] = `  rewritten(${k}, ${Math.floor(r() * 1e6)});`;
  out.push({ name: 'rewrite (2k lines, 50% changed)', a: mid.join('\n') + '\n', b: rewritten.join('\n') + '\n' });

  const x = codeLines(r, 2_000, 'x');
  const y = x.map((l, i) => (r() < 0.95 ? `  other(${i}, ${Math.floor(r() * 1e6)});` : l));
  out.push({ name: 'different (2k lines, 95% differ)', a: x.join('\n') + '\n', b: y.join('\n') + '\n' });
  return out;
}

type Contender = { name: string; prepare(c: Case): () => unknown; counts(c: Case): [number, number] };

function fastCounts(a: string, b: string): [number, number] {
  let add = 0;
  let del = 0;
  for (const [sx, ex, sy, ey] of fastDiff(a.split('\n'), b.split('\n'))) {
    del += ex - sx;
    add += ey - sy;
  }
  return [add, del];
}

const contenders: Contender[] = [
  {
    name: 'gitwell WASM Myers',
    prepare: (c) => {
      const a = Buffer.from(c.a);
      const b = Buffer.from(c.b);
      return () => diffLines(a, b);
    },
    counts: (c) => {
      const d = diffLines(Buffer.from(c.a), Buffer.from(c.b));
      return [d.additions, d.deletions];
    },
  },
  {
    name: 'gitwell WASM + hunks',
    prepare: (c) => {
      const a = Buffer.from(c.a);
      const b = Buffer.from(c.b);
      return () => hunksText(diffLines(a, b), 3);
    },
    counts: () => [NaN, NaN],
  },
  {
    name: 'jsdiff diffLines',
    prepare: (c) => () => jsDiffLines(c.a, c.b),
    counts: (c) => {
      let add = 0;
      let del = 0;
      for (const ch of jsDiffLines(c.a, c.b)) {
        if (ch.added) add += ch.count ?? 0;
        else if (ch.removed) del += ch.count ?? 0;
      }
      return [add, del];
    },
  },
  {
    name: 'jsdiff structuredPatch',
    prepare: (c) => () => structuredPatch('a', 'b', c.a, c.b, '', '', { context: 3 }),
    counts: () => [NaN, NaN],
  },
  {
    name: 'fast-myers-diff',
    prepare: (c) => () => {
      let n = 0;
      for (const h of fastDiff(c.a.split('\n'), c.b.split('\n'))) n += h[1];
      return n;
    },
    counts: (c) => fastCounts(c.a, c.b),
  },
];

export interface MyersRow {
  case: string;
  contender: string;
  opsPerSec: number;
  meanMs: number;
  samples: number;
  additions: number;
  deletions: number;
}

export async function benchMyers(): Promise<MyersRow[]> {
  const rows: MyersRow[] = [];
  for (const c of cases()) {
    const bench = new Bench({ time: TIME_MS, iterations: 5, warmupTime: Math.min(200, TIME_MS), warmupIterations: 2 });
    for (const k of contenders) bench.add(k.name, k.prepare(c));
    await bench.run();
    for (const k of contenders) {
      const t = bench.getTask(k.name)!;
      const res = t.result as unknown as { throughput?: { mean: number }; latency?: { mean: number; samplesCount?: number; samples?: number[] } };
      const [additions, deletions] = k.counts(c);
      rows.push({
        case: c.name,
        contender: k.name,
        opsPerSec: res.throughput?.mean ?? NaN,
        meanMs: res.latency?.mean ?? NaN,
        samples: res.latency?.samplesCount ?? res.latency?.samples?.length ?? 0,
        additions,
        deletions,
      });
    }
  }
  return rows;
}

export function formatMyers(rows: MyersRow[]): string {
  const out: string[] = [`Line diff — WASM Myers vs jsdiff and fast-myers-diff (tinybench, ${TIME_MS} ms per task)`];
  const byCase = new Map<string, MyersRow[]>();
  for (const r of rows) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  for (const [name, rs] of byCase) {
    const ours = rs[0].opsPerSec;
    const oursPatch = rs[1].opsPerSec;
    out.push('', name);
    out.push(
      table(
        ['contender', 'ops/s', 'mean ms', '+/-', 'gitwell ×'],
        rs.map((r) => [
          r.contender,
          fixed(r.opsPerSec, 1),
          fixed(r.meanMs, 3),
          Number.isNaN(r.additions) ? '' : `+${r.additions} -${r.deletions}`,
          r.contender.startsWith('gitwell') ? '' : ratio(r.contender === 'jsdiff structuredPatch' ? oursPatch : ours, r.opsPerSec),
        ]),
      ),
    );
  }
  out.push('', 'gitwell × = gitwell ops/s over the peer\'s (structuredPatch is compared with gitwell + hunks, the others with the diff alone).');
  out.push('+/- differ where the libraries find different scripts: gitwell counts as git diff does (xdiff heuristics), the JS packages run plain Myers.');
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(formatMyers(await benchMyers()));
}
