/**
 * Rate limiting of /v1: one token per request from the caller's buckets (per API key; per IP
 * for anonymous callers), the X-RateLimit-* headers on every reply, 429 RATE_LIMITED with
 * Retry-After when a bucket is empty. A 304 costs no token: its token is given back, and a
 * caller out of tokens still gets a 304 when its copy is current.
 */
import { GitwellError } from '../../core/errors.js';
import type { KeyRecord } from '../../../storage/index.js';
import type { Config } from '../../config.js';
import { RateLimiter, type Take } from '../../services/token-bucket.js';
import type { HttpReply, HttpRequest } from '../uws.js';

interface Limiters {
  keys: RateLimiter;
  anon: RateLimiter;
}

const byConfig = new WeakMap<Config, Limiters>();

function limiters(config: Config): Limiters {
  let l = byConfig.get(config);
  if (!l) {
    l = {
      keys: new RateLimiter(config.rateLimitPerMinute, config.rateLimitPerHour),
      anon: new RateLimiter(config.anonRateLimitPerMinute, config.anonRateLimitPerHour),
    };
    byConfig.set(config, l);
  }
  return l;
}

export interface Admission {
  take: Take;
  /** the request may go on (it has a token, or it may still turn out to be a 304) */
  proceed: boolean;
  settle(reply: HttpReply): HttpReply;
}

export function rateLimited(take: Take): GitwellError {
  return new GitwellError('RATE_LIMITED', `rate limit exceeded: retry in ${take.retryAfter} s`, {
    limit: take.limit,
    retry_after: take.retryAfter,
  });
}

/** The caller's bucket: the key's, or the client address's for an anonymous caller. */
export function bucketOf(config: Config, key: KeyRecord | null, ip: () => string): { limiter: RateLimiter; id: string } {
  const l = limiters(config);
  return key ? { limiter: l.keys, id: key.id } : { limiter: l.anon, id: ip() };
}

/** A 304 costs nothing: its token goes back (when it took one). */
export function refundNotModified(limiter: RateLimiter, id: string, take: Take): void {
  if (!take.ok) return;
  limiter.refund(id);
  take.remaining = Math.min(take.limit, take.remaining + 1);
}

/** X-RateLimit-* as a header list (for a reply whose other headers are shared). */
export function rateLimitHeaderList(take: Take): string[] {
  return ['x-ratelimit-limit', String(take.limit), 'x-ratelimit-remaining', String(take.remaining), 'x-ratelimit-reset', String(take.reset)];
}

/** X-RateLimit-* (and Retry-After on a 429 for want of a token) onto a reply's headers. */
export function rateLimitHeaders(h: Record<string, string>, take: Take, status: number): void {
  const l = rateLimitHeaderList(take);
  for (let i = 0; i < l.length; i += 2) h[l[i]] = l[i + 1];
  if (status === 429 && !take.ok) h['retry-after'] = String(take.retryAfter);
}

/** Takes the caller's token. `settle` refunds a 304 and writes the headers onto the reply. */
export function admit(config: Config, req: HttpRequest, key: KeyRecord | null): Admission {
  const { limiter, id } = bucketOf(config, key, () => req.ip);
  const take = limiter.take(id);
  return {
    take,
    proceed: take.ok || ((req.method === 'GET' || req.method === 'HEAD') && req.headers['if-none-match'] !== undefined),
    settle(reply) {
      if (reply.status === 304) refundNotModified(limiter, id, take);
      rateLimitHeaders((reply.headers ??= {}), take, reply.status);
      return reply;
    },
  };
}
