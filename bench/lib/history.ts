// The synthetic history: ~400 source files three directories deep plus a few
// binary assets; each commit makes small line edits to 1–5 files (a hot tenth of
// the files takes half the edits, which is what grows long delta chains), with
// periodic new files, renames, binary patches, annotated tags and topic branches
// merged back with a real merge commit.
import type { Change, FastImport, Person } from './fast-import.js';
import { Rng, binaryFile, editLines, patchBinary, sourceFile } from './synth.js';

const TOP = ['src', 'lib', 'tools', 'docs', 'test'];
const MID = ['core', 'http', 'store', 'proto', 'util'];
const LEAF = ['alpha', 'beta', 'gamma', 'delta'];
const FILES_PER_LEAF = 4;
const BINARIES = ['assets/images/icons/logo.png', 'assets/images/icons/mark.png', 'assets/images/photos/hero.jpg',
  'assets/images/photos/team.jpg', 'assets/fonts/woff/body.woff2', 'assets/fonts/woff/mono.woff2'];
const PEOPLE: Person[] = ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra', 'Barbara Liskov']
  .map((name) => ({ name, email: `${name.split(' ')[0]!.toLowerCase()}@example.com` }));
const T0 = 1_600_000_000;

interface TextFile { path: string; lines: string[] }

export interface HistoryStats { commits: number; tags: number; topics: number; renames: number; files: number }

export async function writeHistory(fi: FastImport, mainCommits: number, seed = 42): Promise<HistoryStats> {
  const r = new Rng(seed);
  const text: TextFile[] = [];
  for (const a of TOP) for (const b of MID) for (const c of LEAF) for (let k = 0; k < FILES_PER_LEAF; k++) {
    const path = `${a}/${b}/${c}/file${k}.ts`;
    text.push({ path, lines: sourceFile(r, path) });
  }
  const bins = new Map(BINARIES.map((p, i) => [p, binaryFile(r, 16_384 << (i % 4))]));
  const hot = text.filter((_, i) => i % 10 === 3);
  const stats: HistoryStats = { commits: 0, tags: 0, topics: 0, renames: 0, files: 0 };
  const body = (f: TextFile) => f.lines.join('\n') + '\n';
  const who = (i: number) => PEOPLE[i % PEOPLE.length]!;

  let head = await fi.commit('refs/heads/main', who(0), T0, 'Initial import\n', {},
    [...text.map((f) => ({ kind: 'modify' as const, path: f.path, data: body(f) })),
      ...[...bins].map(([path, data]) => ({ kind: 'modify' as const, path, data }))]);
  stats.commits++;

  // A topic branch owns a few files while it is open; main edits only the others.
  let topic: { ref: string; owned: Set<TextFile>; fork: number; tip?: number; left: number } | null = null;

  for (let i = 1; i < mainCommits; i++) {
    const when = T0 + i * 617;
    if (topic === null && i % 1000 === 500 && i + 40 < mainCommits) {
      const owned = new Set(Array.from({ length: 5 }, () => r.pick(text)));
      topic = { ref: `refs/heads/topic-${++stats.topics}`, owned, fork: head, left: 20 };
    }
    if (topic !== null && topic.left > 0 && i % 2 === 0) {
      const files = [...topic.owned].filter(() => r.int(2) === 0).slice(0, 2);
      const f = files[0] ?? [...topic.owned][0]!;
      editLines(r, f.lines);
      topic.tip = await fi.commit(topic.ref, who(i + 1), when, `Topic: rework ${f.path}\n`,
        topic.tip === undefined ? { from: topic.fork } : {}, [{ kind: 'modify', path: f.path, data: body(f) }]);
      stats.commits++;
      topic.left--;
      continue;
    }
    const changes: Change[] = [];
    if (topic !== null && topic.left === 0 && topic.tip !== undefined) {
      head = await fi.commit('refs/heads/main', who(i), when, `Merge branch '${topic.ref.slice(11)}'\n`,
        { merge: topic.tip }, [...topic.owned].map((f) => ({ kind: 'modify', path: f.path, data: body(f) })));
      stats.commits++;
      topic = null;
      continue;
    }
    const edits = 1 + r.int(5);
    for (let e = 0; e < edits; e++) {
      const f = r.next() < 0.5 ? r.pick(hot) : r.pick(text);
      if (topic?.owned.has(f)) continue;
      editLines(r, f.lines);
      changes.push({ kind: 'modify', path: f.path, data: body(f) });
    }
    if (topic === null && i % 97 === 0) {
      const path = `${r.pick(TOP)}/${r.pick(MID)}/${r.pick(LEAF)}/added${i}.ts`;
      const f = { path, lines: sourceFile(r, path) };
      text.push(f);
      changes.push({ kind: 'modify', path, data: body(f) });
    }
    if (topic === null && i % 401 === 0) {
      const f = r.pick(text);
      const to = `${r.pick(TOP)}/${r.pick(MID)}/${r.pick(LEAF)}/moved${i}.ts`;
      if (!changes.some((c) => c.kind === 'modify' && c.path === f.path)) {
        changes.push({ kind: 'rename', from: f.path, to });
        f.path = to;
        stats.renames++;
      }
    }
    if (i % 151 === 0) {
      const p = r.pick(BINARIES);
      bins.set(p, patchBinary(r, bins.get(p)!));
      changes.push({ kind: 'modify', path: p, data: bins.get(p)! });
    }
    const msg = `Update ${changes.map((c) => (c.kind === 'rename' ? c.to : c.path))[0] ?? 'nothing'}` +
      (changes.length > 1 ? ` and ${changes.length - 1} more` : '') + `\n\nChange ${i} of the benchmark history.\n`;
    head = await fi.commit('refs/heads/main', who(i), when, msg, {}, changes);
    stats.commits++;
    if (i % 250 === 0) {
      await fi.tag(`v1.${i / 250}`, head, who(i), when + 60, `Release 1.${i / 250}\n`);
      stats.tags++;
    }
  }
  stats.files = text.length + bins.size;
  return stats;
}
