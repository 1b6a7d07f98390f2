/** The /v1 (Coregit dialect) routes. */
import type { Route } from '../router.js';

export const v1Routes: Route[] = [];
