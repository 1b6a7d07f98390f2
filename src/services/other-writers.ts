/**
 * Processes besides the server that add objects to a data dir (`gitwell import`): between an
 * import's first object and the transaction that makes its objects a repo's, they are held by
 * no repo, and the collector (in the server, services/gc.ts) would take them once their grace
 * period ran out. Each such process holds a marker file, <data>/gc/writer-<pid>, while it
 * writes; the collector removes no object while a live process holds one (a dead one's marker
 * is dropped).
 */
import fs from 'node:fs';
import path from 'node:path';
import { processAlive } from './pack-cache.js';

const dirOf = (dataDir: string) => path.join(dataDir, 'gc');

/** Marks this process as writing to `dataDir`; returns the release. */
export function holdWriterMark(dataDir: string): () => void {
  fs.mkdirSync(dirOf(dataDir), { recursive: true, mode: 0o700 });
  const file = path.join(dirOf(dataDir), `writer-${process.pid}`);
  fs.writeFileSync(file, String(process.pid), { mode: 0o600 });
  return () => fs.rmSync(file, { force: true });
}

/** True while another live process holds a writer mark on `dataDir`. */
export function otherWritersAlive(dataDir: string): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dirOf(dataDir));
  } catch {
    return false;
  }
  let alive = false;
  for (const f of names) {
    const m = /^writer-(\d+)$/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid) continue;
    if (processAlive(pid)) alive = true;
    else fs.rmSync(path.join(dirOf(dataDir), f), { force: true });
  }
  return alive;
}
