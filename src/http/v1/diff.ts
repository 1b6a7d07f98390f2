/** GET /v1/repos/[:namespace/]:slug/diff and /compare. */
import type { Route } from '../router.js';

export const v1DiffRoutes: Route[] = [];
