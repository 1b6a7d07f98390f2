/**
 * Around every /v1 handler: the caller's rate-limit token, the org's monthly call quota, and
 * errors turned into the Coregit body here (not by the app) so that they too carry the
 * X-RateLimit-* headers. Exported for the diff routes as well.
 */
import type { KeyRecord } from '../../../storage/index.js';
import { quotas } from '../../services/limits.js';
import { coregitErrorBody, STATUS, toGitwellError } from '../errors.js';
import { admit, rateLimited } from '../middleware/rate-limit.js';
import type { Context, Route } from '../router.js';
import type { HttpReply } from '../uws.js';
import { callerKey } from './access.js';
import { hotKey } from './hot.js';

export type V1Handler = (ctx: Context) => HttpReply | Promise<HttpReply>;

export function errorReply(e: unknown, requestId: string): HttpReply {
  const err = toGitwellError(e);
  return { status: STATUS[err.code], headers: { 'content-type': 'application/json' }, body: coregitErrorBody(err, requestId) };
}

export function v1(handler: V1Handler): Route['handler'] {
  return async (ctx) => {
    let key: KeyRecord | null = null;
    try {
      key = callerKey(ctx);
    } catch {
      // an invalid key: the route answers 401, and the caller's IP pays for it
    }
    const adm = admit(ctx.config, ctx.req, key);
    let reply: HttpReply;
    try {
      if (!adm.proceed) throw rateLimited(adm.take);
      const q = key ? quotas(ctx.store, ctx.config) : null;
      q?.countCall(key!.org);
      reply = await handler(ctx);
      // nothing after the handler may read the store: a reply body may be a store view
      if (ctx.cacheable && ctx.hot && reply.status === 200 && ctx.req.method === 'GET' && ctx.req.headers['range'] === undefined) {
        const k = hotKey(ctx.req.path, ctx.req.query, key);
        if (k !== null) ctx.hot.offer(k, reply, ctx.cacheable);
      }
      if (reply.status === 304) q?.uncountCall(key!.org);
      else if (!adm.take.ok) throw rateLimited(adm.take);
    } catch (e) {
      reply = errorReply(e, ctx.requestId);
    }
    return adm.settle(reply);
  };
}
