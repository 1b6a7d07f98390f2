/**
 * Every route gitwell serves, in one table. Each resource's handlers live in their own file.
 */
import type { Route } from './router.js';
import { GIT_PATH, handleGit } from './git/smart-http.js';
import { v1Routes } from './v1/routes.js';
import { v1DiffRoutes } from './v1/diff.js';

export const routes: Route[] = [
  { method: 'GET', path: '/healthz', dialect: 'plain', handler: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' }) },
  // Coregit's own probes (its src/app.ts): a Coregit client's health check works unchanged
  { method: 'GET', path: '/health', dialect: 'plain', handler: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"status":"ok","db":"ok"}' }) },
  { method: 'GET', path: '/', dialect: 'plain', handler: () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"name":"gitwell","status":"ok"}' }) },

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
