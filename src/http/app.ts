/**
 * The request pipeline: request id, routing, the handler, and errors mapped in the dialect of
 * the route (Coregit JSON for /v1, OpenCodeHub envelope for /api, text for git).
 */
import { GitwellError } from '../core/errors.js';
import type { Store } from '../../storage/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { Config } from '../config.js';
import type { PackCache } from '../services/pack-cache.js';
import { coregitErrorBody, opencodehubErrorBody, STATUS, toGitwellError } from './errors.js';
import { nextRequestId } from './request-id.js';
import { Router, type Dialect, type ReplyCache, type Route } from './router.js';
import type { AppHandler, HttpReply } from './uws.js';

function errorReply(e: unknown, dialect: Dialect, requestId: string): HttpReply {
  const err = toGitwellError(e);
  const body = dialect === 'api' ? opencodehubErrorBody(err, requestId) : coregitErrorBody(err, requestId);
  return { status: STATUS[err.code], headers: { 'content-type': 'application/json' }, body };
}

export function createApp(store: Store, config: Config, routes: Route[], packCache?: PackCache, hot?: ReplyCache, clock: Clock = systemClock): AppHandler {
  const router = new Router(routes);
  return async (req) => {
    const requestId = nextRequestId(req.headers['x-request-id']);
    const m = router.match(req.method, req.path);
    let reply: HttpReply;
    if (!m.route) {
      const dialect: Dialect = req.path.startsWith('/api/') ? 'api' : 'v1';
      reply = m.allowed.length
        ? errorReply(new GitwellError('VALIDATION_ERROR', `method ${req.method} not allowed`, { allowed: m.allowed }), dialect, requestId)
        : errorReply(new GitwellError('NOT_FOUND', 'route not found'), dialect, requestId);
      if (m.allowed.length) reply.status = 405;
    } else {
      try {
        reply = await m.route.handler({ store, config, clock, req, requestId, params: m.params, packCache, hot });
      } catch (e) {
        reply = errorReply(e, m.route.dialect, requestId);
      }
    }
    if (reply.headers) reply.headers['x-request-id'] = requestId;
    else reply.headers = { 'x-request-id': requestId };
    return reply;
  };
}
