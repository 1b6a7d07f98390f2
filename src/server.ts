/** Starts gitwell: the store, the routes, the HTTP front end. */
import fs from 'node:fs';
import path from 'node:path';
import { openStore, type Store } from '../storage/index.js';
import { PackCache, processAlive } from './services/pack-cache.js';
import { removeDeadSpools } from './services/spool.js';
import type { Config } from './config.js';
import { createApp } from './http/app.js';
import { routes } from './http/routes.js';
import { listen } from './http/uws.js';
import { HotCache, hotPath } from './http/v1/hot.js';
import { quotas } from './services/limits.js';
import { refFeed } from './services/ref-events.js';
import { systemClock } from './core/clock.js';
import { collectorOf, gcSummary, type GcOptions } from './services/gc.js';
import { answerGcRequests } from './services/gc-requests.js';
import { hearChanges } from './services/ref-notices.js';
import { otherWritersAlive } from './services/other-writers.js';

/** In the data dir while a server runs on it: its pid. */
export const SERVER_PID_FILE = 'server.pid';

/** The pid of a live server on `dataDir`, if there is one. */
export function runningServer(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(dataDir, SERVER_PID_FILE), 'utf8'));
    return Number.isInteger(pid) && pid > 0 && processAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export interface Server {
  port: number;
  url: string;
  store: Store;
  /** Stops listening, writes the usage counted in memory, closes the store. */
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<Server> {
  const store = openStore(config.dataDir);
  // says to `gitwell gc` that a server is using this data dir (gc must not run beside pushes)
  const pidFile = path.join(config.dataDir, SERVER_PID_FILE);
  fs.writeFileSync(pidFile, String(process.pid));
  removeDeadSpools(processAlive);
  // listening from the start: a watcher that reconnects is owed every move since then
  refFeed(store);
  const packCache = config.packCacheBytes > 0 ? new PackCache(path.join(config.dataDir, 'cache', 'packs'), config.packCacheBytes) : undefined;
  // what earlier runs added to the usage counters, merged into one record per counter; on a
  // full disk they stay as they are (reads add them up anyway) and the server starts
  try {
    store.compactUsage();
  } catch (e) {
    console.error('gitwell: usage counters not compacted:', e instanceof Error ? e.message : e);
  }
  const hot = config.hotCacheBytes > 0 ? new HotCache(config.hotCacheBytes) : undefined;
  const clock = systemClock;
  const app = createApp(store, config, routes, packCache, hot, clock);
  // no route takes a larger body: one that is refused at once, whatever route it is for
  const maxBodyBytes = Math.max(config.maxPushBytes, config.maxUploadRequestBytes, config.v1MaxBodyBytes);
  // the synchronous front: the hot reads when their cache is on, and the 429s always
  const listening = await listen(config.host, config.port, app, hotPath(store, config, hot, clock), { maxBodyBytes });
  // online gc: on a schedule, and when `gitwell gc` asks (services/gc-requests.ts)
  const collector = collectorOf(store);
  const graceMs = config.gcGraceSeconds * 1000;
  const othersWriting = () => otherWritersAlive(config.dataDir);
  const collect = (opts: GcOptions) =>
    collector.run({ ...opts, othersWriting }).then((r) => {
      if (r.removed > 0 || r.orphanMembers > 0 || r.unreachable > 0) console.error(`gitwell: gc: ${gcSummary(r)}`);
      return r;
    });
  const schedule = config.gcIntervalSeconds > 0 ? setInterval(() => collect({ graceMs }).catch((e) => console.error('gitwell: gc failed:', e)), config.gcIntervalSeconds * 1000) : null;
  schedule?.unref();
  const stopAnswering = answerGcRequests(config.dataDir, collect, graceMs);
  // changes the CLI makes from its own process (services/ref-notices.ts)
  const stopHearing = hearChanges(config.dataDir, store);
  return {
    port: listening.port,
    url: `http://${config.host}:${listening.port}`,
    store,
    async close() {
      if (schedule) clearInterval(schedule);
      stopAnswering();
      stopHearing();
      listening.close();
      // counts kept in memory (API calls, git transfer) go to the store before it closes
      await quotas(store, config).close();
      store.close();
      fs.rmSync(pidFile, { force: true });
    },
  };
}
