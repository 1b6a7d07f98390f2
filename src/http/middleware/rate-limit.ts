/**
 * Rate limiting, for every door: one token per request from the caller's buckets (each key and
 * each token has its own; per IP for anonymous callers), the X-RateLimit-* headers on every
 * reply, 429 RATE_LIMITED with Retry-After when a bucket is empty. The REST API and git smart
 * HTTP have separate budgets (a clone is a few requests that each do much more work). A 304
 * costs no token: its token is given back, and a caller out of tokens still gets a 304 when its
 * copy is current.
 */
import type { Clock } from '../../core/clock.js';
import { GitwellError } from '../../core/errors.js';
import type { Config } from '../../config.js';
import type { Principal } from '../../services/principal.js';
import { RateLimiter, type Take } from '../../services/token-bucket.js';
import type { HttpReply, HttpRequest } from '../uws.js';

export type Budget = 'api' | 'git';

interface Limiters {
  api: { credential: RateLimiter; anon: RateLimiter };
  git: { credential: RateLimiter; anon: RateLimiter };
}

const byConfig = new WeakMap<Config, Limiters>();

function limiters(config: Config): Limiters {
  let l = byConfig.get(config);
  if (!l) {
    l = {
      api: {
        credential: new RateLimiter(config.rateLimitPerMinute, config.rateLimitPerHour),
        anon: new RateLimiter(config.anonRateLimitPerMinute, config.anonRateLimitPerHour),
      },
      git: {
        credential: new RateLimiter(config.gitRateLimitPerMinute, config.gitRateLimitPerHour),
        anon: new RateLimiter(config.anonGitRateLimitPerMinute, config.anonGitRateLimitPerHour),
      },
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

/** The caller's bucket: its credential's, or the client address's for an anonymous caller. */
export function bucketOf(config: Config, p: Principal | null, ip: () => string, budget: Budget = 'api'): { limiter: RateLimiter; id: string } {
  const l = limiters(config)[budget];
  return p ? { limiter: l.credential, id: p.bucket } : { limiter: l.anon, id: ip() };
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
export function admit(config: Config, clock: Clock, req: HttpRequest, p: Principal | null, budget: Budget = 'api'): Admission {
  const { limiter, id } = bucketOf(config, p, () => req.ip, budget);
  const take = limiter.take(id, clock.now());
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
