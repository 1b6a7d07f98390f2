/**
 * Liveness probes: gitwell's /healthz, and Coregit's own two (its src/app.ts: `GET /` names the
 * service, `GET /health` says the database answers) so a Coregit client's health check works
 * unchanged. gitwell's database is the LMDB environment it has open, so "ok" is the truth for
 * as long as the process serves.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Route } from './router.js';
import type { HttpReply } from './uws.js';

/** gitwell's package version: the nearest package.json up from this file (src/ or dist/src/). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) return String((JSON.parse(readFileSync(p, 'utf8')) as { version?: unknown }).version ?? 'unknown');
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

function jsonReply(body: unknown): () => HttpReply {
  const text = JSON.stringify(body);
  return () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: text });
}

export const probeRoutes: Route[] = [
  { method: 'GET', path: '/healthz', dialect: 'plain', handler: jsonReply({ ok: true }) },
  { method: 'GET', path: '/health', dialect: 'plain', handler: jsonReply({ status: 'ok', db: 'ok' }) },
  { method: 'GET', path: '/', dialect: 'plain', handler: jsonReply({ name: 'gitwell', version: packageVersion(), status: 'ok' }) },
];
