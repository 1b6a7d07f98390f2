/**
 * Every route gitwell serves, in one table. Each resource's handlers live in their own file;
 * the /v1 rows are v1/routes.ts's table, each behind the one /v1 pipeline; git smart HTTP has
 * its door (git/door.ts: who is calling, its own rate-limit budget, metering).
 */
import type { Route } from './router.js';
import { GIT_PATH } from './git/smart-http.js';
import { gitDoor } from './git/door.js';
import { probeRoutes } from './probes.js';
import { v1Routes } from './v1/routes.js';

export const routes: Route[] = [
  ...probeRoutes,

  // REST /v1 (Coregit dialect)
  ...v1Routes,

  // git smart HTTP
  { method: '*', path: GIT_PATH, dialect: 'git', handler: gitDoor },
];
