/**
 * Changes the server did not make itself: the CLI (`gitwell import`, `gitwell repo set`) writes
 * to the same data dir from another process. The server keeps what it read of a repo (hot
 * replies, repo records) while the repo's generation stays the same, and tells watchers of
 * ref moves as it makes them; a change from elsewhere must move the generation and reach the
 * watchers too. So the CLI tells the server, as `gitwell gc` asks it to collect (and on the
 * same signal): it writes <data>/gc/refs-<id>.json {repoId, updates} and sends SIGUSR2 to the
 * pid in server.pid; the server reads every such file it finds and applies it to its store
 * (Store.changedElsewhere). A server that is not running has nothing to forget.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { RefsUpdated, Store } from '../../storage/index.js';
import { GC_SIGNAL } from './gc-requests.js';
import { processAlive } from './pack-cache.js';

const dirOf = (dataDir: string) => path.join(dataDir, 'gc');

/** The pid of a live server on `dataDir`, if there is one (it writes server.pid while it runs). */
function serverPid(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, 'server.pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** Tells the server on `dataDir` (if one runs) that the repo changed; best effort. */
export function tellServer(dataDir: string, e: RefsUpdated): void {
  const pid = serverPid(dataDir);
  if (pid === null) return;
  try {
    fs.mkdirSync(dirOf(dataDir), { recursive: true, mode: 0o700 });
    const file = path.join(dirOf(dataDir), `refs-${randomBytes(6).toString('hex')}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(e), { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
    process.kill(pid, GC_SIGNAL);
  } catch (err) {
    console.error(`gitwell: could not tell the server (pid ${pid}) of the change; it sees it once its caches renew:`, err instanceof Error ? err.message : err);
  }
}

/** The server's side: on the signal, applies every notice waiting. Returns a function that stops listening. */
export function hearChanges(dataDir: string, store: Store): () => void {
  const take = () => {
    let names: string[];
    try {
      names = fs.readdirSync(dirOf(dataDir)).filter((f) => /^refs-[0-9a-f]+\.json$/.test(f));
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(dirOf(dataDir), name);
      let e: RefsUpdated;
      try {
        e = JSON.parse(fs.readFileSync(file, 'utf8')) as RefsUpdated;
        fs.rmSync(file);
      } catch {
        continue; // taken by an earlier signal
      }
      if (typeof e.repoId === 'number' && Array.isArray(e.updates)) store.changedElsewhere(e);
    }
  };
  process.on(GC_SIGNAL, take);
  // notices written while no server ran are stale: what they changed is read fresh anyway
  for (const f of fs.existsSync(dirOf(dataDir)) ? fs.readdirSync(dirOf(dataDir)) : []) if (/^refs-/.test(f)) fs.rmSync(path.join(dirOf(dataDir), f), { force: true });
  return () => process.off(GC_SIGNAL, take);
}
