/**
 * Every route gitwell serves, in one table. Each resource's handlers live in their own file.
 */
import type { Route } from './router.js';
import { GIT_PATH, handleGit } from './git/smart-http.js';
import { probeRoutes } from './probes.js';
import { v1Routes } from './v1/routes.js';
import { v1DiffRoutes } from './v1/diff.js';

export const routes: Route[] = [
  ...probeRoutes,

  // REST /v1 (Coregit dialect); the diff routes come first: their paths are the more specific
  ...v1DiffRoutes,
  ...v1Routes,

  // git smart HTTP
  {
    method: '*',
    path: GIT_PATH,
    dialect: 'git',
    handler: (ctx) => handleGit(ctx.store, ctx.config, ctx.req, GIT_PATH.exec(ctx.req.path)!, ctx.packCache),
  },
];
