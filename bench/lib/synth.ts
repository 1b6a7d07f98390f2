// Deterministic synthetic content: a seeded PRNG, source-like text files that
// receive small line edits, and binary files that receive small byte patches.
// Same seed → same bytes → same object ids on every machine.

/** mulberry32: tiny, fast, good enough to pick words and edits. */
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(xs: readonly T[]): T { return xs[this.int(xs.length)]!; }
}

const WORDS = [
  'user', 'repo', 'tree', 'blob', 'commit', 'delta', 'pack', 'index', 'cache', 'store',
  'token', 'limit', 'request', 'response', 'header', 'body', 'stream', 'buffer', 'offset', 'length',
  'parent', 'child', 'node', 'edge', 'path', 'name', 'mode', 'size', 'hash', 'count',
  'reader', 'writer', 'parser', 'encoder', 'config', 'options', 'result', 'error', 'value', 'entry',
];
const TYPES = ['number', 'string', 'boolean', 'Uint8Array', 'Map<string, number>', 'readonly string[]'];
const OPS = ['+', '-', '*', '>>>', '&', '|', '^'];

function ident(r: Rng): string {
  const a = r.pick(WORDS);
  const b = r.pick(WORDS);
  return a + b[0]!.toUpperCase() + b.slice(1) + (r.int(4) === 0 ? String(r.int(100)) : '');
}

/** One plausible line of TypeScript, indented. */
export function codeLine(r: Rng): string {
  const ind = '  '.repeat(1 + r.int(3));
  switch (r.int(7)) {
    case 0: return `${ind}const ${ident(r)} = ${ident(r)} ${r.pick(OPS)} ${r.int(4096)};`;
    case 1: return `${ind}if (${ident(r)}.${r.pick(WORDS)} > ${r.int(1000)}) return ${ident(r)}(${ident(r)});`;
    case 2: return `${ind}// ${r.pick(WORDS)} the ${r.pick(WORDS)} before the ${r.pick(WORDS)} is ${r.pick(WORDS)}ed`;
    case 3: return `${ind}${ident(r)}.push(${ident(r)}.${r.pick(WORDS)}[${r.int(64)}]);`;
    case 4: return `${ind}let ${ident(r)}: ${r.pick(TYPES)} = await this.${ident(r)}(${r.int(10)}, '${r.pick(WORDS)}');`;
    case 5: return `${ind}for (let i = 0; i < ${ident(r)}.length; i++) ${ident(r)} += ${ident(r)}[i] ${r.pick(OPS)} ${r.int(256)};`;
    default: return `${ind}throw new Error('${r.pick(WORDS)} ${r.pick(WORDS)}: ' + ${ident(r)});`;
  }
}

/** A whole source file: a header and a few functions of random length. */
export function sourceFile(r: Rng, title: string): string[] {
  const lines = [`// ${title}`, `import { ${ident(r)} } from './${r.pick(WORDS)}.js';`, ''];
  const fns = 4 + r.int(12);
  for (let f = 0; f < fns; f++) {
    lines.push(`export function ${ident(r)}(${ident(r)}: ${r.pick(TYPES)}): ${r.pick(TYPES)} {`);
    const body = 3 + r.int(18);
    for (let i = 0; i < body; i++) lines.push(codeLine(r));
    lines.push('}', '');
  }
  return lines;
}

/** Small edit: change, insert or delete a few lines; keeps the file between 40 and 700 lines. */
export function editLines(r: Rng, lines: string[]): void {
  const edits = 1 + r.int(3);
  for (let e = 0; e < edits; e++) {
    const at = 3 + r.int(Math.max(1, lines.length - 3));
    const kind = lines.length < 40 ? 1 : lines.length > 700 ? 2 : r.int(3);
    if (kind === 0) lines[at] = codeLine(r);
    else if (kind === 1) lines.splice(at, 0, ...Array.from({ length: 1 + r.int(4) }, () => codeLine(r)));
    else lines.splice(at, 1 + r.int(2));
  }
}

/** Incompressible bytes, as in images or archives. */
export function binaryFile(r: Rng, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = r.int(256);
  return b;
}

/** Overwrite a few short ranges, as re-exporting an asset does. */
export function patchBinary(r: Rng, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const patches = 1 + r.int(4);
  for (let p = 0; p < patches; p++) {
    const at = r.int(out.length - 512);
    for (let i = 0; i < 64 + r.int(448); i++) out[at + i] = r.int(256);
  }
  return out;
}
