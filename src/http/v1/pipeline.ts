/**
 * Around every /v1 handler, every route of the table alike: who is calling (an invalid
 * credential is 401 on every route, the public ones too, after the caller's IP has paid its
 * token), the caller's rate-limit token, what the route needs of the caller (a credential, a
 * master key), the org's monthly call quota, and errors turned into the Coregit body here (not
 * by the app) so that they too carry the X-RateLimit-* headers.
 */
import { quotas } from '../../services/limits.js';
import type { Access, Principal } from '../../services/principal.js';
import { coregitErrorBody, STATUS, toGitwellError } from '../errors.js';
import { admit, rateLimited } from '../middleware/rate-limit.js';
import type { Context, Route } from '../router.js';
import type { HttpReply } from '../uws.js';
import { callerPrincipal, requireMasterKey, requirePrincipal } from './access.js';
import { hotKey } from './hot.js';

export type V1Handler = (ctx: Context) => HttpReply | Promise<HttpReply>;

/** What a route asks of its caller: nothing (public), a credential, or a master key; and, for a repo route, the access it needs. */
export interface RoutePolicy {
  auth: 'none' | 'key' | 'master';
  access?: Access;
}

export function errorReply(e: unknown, requestId: string): HttpReply {
  const err = toGitwellError(e);
  return { status: STATUS[err.code], headers: { 'content-type': 'application/json' }, body: coregitErrorBody(err, requestId) };
}

export function v1(handler: V1Handler, policy: RoutePolicy = { auth: 'none' }): Route['handler'] {
  return async (ctx) => {
    ctx.access = policy.access;
    let p: Principal | null = null;
    let refused: unknown = null;
    try {
      p = callerPrincipal(ctx);
    } catch (e) {
      refused = e;
    }
    const adm = admit(ctx.config, ctx.clock, ctx.req, p);
    let reply: HttpReply;
    try {
      if (!adm.proceed) throw rateLimited(adm.take);
      if (refused !== null) throw refused;
      if (policy.auth === 'key') requirePrincipal(ctx);
      else if (policy.auth === 'master') requireMasterKey(ctx, 'manage tokens and keys or read the usage and the audit log');
      const q = p ? quotas(ctx.store, ctx.config) : null;
      q?.countCall(p!.org);
      reply = await handler(ctx);
      // nothing after the handler may read the store: a reply body may be a store view
      if (ctx.cacheable && ctx.hot && ctx.repo && reply.status === 200 && ctx.req.method === 'GET' && ctx.req.headers['range'] === undefined) {
        const k = hotKey(ctx.req.path, ctx.req.query, p);
        if (k !== null) ctx.hot.offer(k, reply, ctx.cacheable, ctx.repo);
      }
      if (reply.status === 304) q?.uncountCall(p!.org);
      else if (!adm.take.ok) throw rateLimited(adm.take);
    } catch (e) {
      reply = errorReply(e, ctx.requestId);
    }
    return adm.settle(reply);
  };
}
