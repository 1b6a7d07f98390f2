/**
 * The synchronous front of /v1: GETs of files and directories answered from memory, and the
 * 429s of callers out of tokens, both before the request is copied for the general path.
 *
 * A 200 reply of raw, blob or tree (no Range) is a function of the URL, of the org the caller's
 * credential belongs to (none on the public routes) and of the repo's refs and record. The
 * general path marks such a reply with the repo's generation (a counter the store moves on every
 * change to the repo's refs or record) and it is kept here, with the repo's name. The next GET
 * of the same URL by the same org, while the generation is unchanged and the caller's scopes
 * let it read that repo, is answered synchronously in the HTTP callback, with the general
 * path's bookkeeping: the principal from the verified-credential cache (valid while the store's
 * credential generation stays: a revocation is seen by the next request), a token from the same
 * bucket, the same monthly call count, If-None-Match → 304 (which costs neither), then
 * X-RateLimit-* and X-Request-Id. A caller whose bucket is empty gets its 429 here, whatever the
 * URL: a refusal must cost less than any answer. Whatever this cannot answer exactly as the
 * general path would (a credential not verified under the current generation, a Range, a
 * used-up quota, a scope it lacks, a miss) goes the general way, which answers it and fills the
 * cache.
 */
import type { RepoRecord, Store } from '../../../storage/index.js';
import type { Clock } from '../../core/clock.js';
import type { Config } from '../../config.js';
import { quotas } from '../../services/limits.js';
import { knownPrincipals, presentedSecret, scopeKey, type Principal } from '../../services/principal.js';
import type { Take } from '../../services/token-bucket.js';
import { nextRequestId } from '../request-id.js';
import { matchesHeader } from '../middleware/etag.js';
import { bucketOf, rateLimitHeaderList, refundNotModified } from '../middleware/rate-limit.js';
import type { CacheMark, ReplyCache } from '../router.js';
import { encodeHeaders, type EncodedHeaders, type FastHandler, type HttpReply } from '../uws.js';

interface Entry {
  repoId: number;
  generation: number;
  /** the repo's name and visibility: a token reads the entry only if its scopes let it read the repo */
  namespace: string | null;
  slug: string;
  /** the memo key of a principal's level on it, made once */
  scopeKey: string;
  public: boolean;
  /** the reply's own headers, and those of its 304, encoded once; shared by every reply */
  headers: EncodedHeaders;
  notModifiedHeaders: EncodedHeaders;
  body: Buffer;
  /** the ETag without quotes */
  sha: string;
}

const PUBLIC_PREFIX = '/v1/orgs/';

/** The cache key: the org of the credential that asked (none on public routes), the path and the query. */
export function hotKey(path: string, query: string, p: Principal | null): string | null {
  const scope = path.startsWith(PUBLIC_PREFIX) ? '' : p?.org;
  if (scope === undefined) return null;
  return query === '' ? `${scope}\0${path}` : `${scope}\0${path}?${query}`;
}

/** Replies by key, bounded in bytes; the oldest go first. */
export class HotCache implements ReplyCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** larger bodies are not kept: they are better streamed from the store */
    private readonly maxEntryBytes = Math.min(1024 * 1024, maxBytes / 16),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Entry | undefined {
    return this.entries.get(key);
  }

  /** Keeps a 200 reply the general path marked, of `repo`. */
  offer(key: string, reply: HttpReply, mark: CacheMark, repo: Pick<RepoRecord, 'namespace' | 'slug' | 'visibility'>): void {
    const h = reply.headers;
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    if (reply.status !== 200 || !h || !body || body.length > this.maxEntryBytes) return;
    const etag = h['etag'];
    const cacheControl = h['cache-control'];
    if (!etag || !cacheControl || etag.length < 2) return;
    this.drop(key);
    const entry: Entry = {
      repoId: mark.repoId,
      generation: mark.generation,
      namespace: repo.namespace,
      slug: repo.slug,
      scopeKey: scopeKey('repos', repo.namespace, repo.slug),
      public: repo.visibility === 'public',
      headers: encodeHeaders(h),
      notModifiedHeaders: encodeHeaders({ etag, 'cache-control': cacheControl }),
      body,
      sha: etag.slice(1, -1),
    };
    this.entries.set(key, entry);
    this.bytes += body.length + key.length;
    for (const [k] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(k);
    }
  }

  private drop(key: string): void {
    const old = this.entries.get(key);
    if (!old) return;
    this.entries.delete(key);
    this.bytes -= old.body.length + key.length;
  }
}

const JSON_HEADERS = encodeHeaders({ 'content-type': 'application/json' });
/** git's paths under an org named "v1" are not the REST API's (see v1/routes.ts) */
const GIT_TAIL = /\/(?:info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * The general path's 429, byte for byte (pipeline.ts: rateLimited, errorReply, settle), made
 * with no error object, no JSON.stringify and no copy of the request.
 */
function tooManyRequests(take: Take, requestId: string): HttpReply {
  const headerList = rateLimitHeaderList(take);
  headerList.push('retry-after', String(take.retryAfter), 'x-request-id', requestId);
  // a request id is [\w.-] only (nextRequestId): nothing to escape
  const body = `{"error":"rate limit exceeded: retry in ${take.retryAfter} s","code":"RATE_LIMITED","details":{"limit":${take.limit},"retry_after":${take.retryAfter}},"request_id":"${requestId}"}`;
  return { status: 429, fixedHeaders: JSON_HEADERS, headerList, body };
}

/** The synchronous front of the general path (see the top of this file); `cache` undefined: only the 429s. */
export function hotPath(store: Store, config: Config, cache: HotCache | undefined, clock: Clock): FastHandler {
  const known = knownPrincipals(store);
  return (req) => {
    if (req.method !== 'get' || !req.url.startsWith('/v1/')) return null;
    const now = clock.now();
    const secret = presentedSecret(req.header('x-api-key') || undefined, req.header('authorization') || undefined);
    let p: Principal | null = null;
    if (secret !== undefined) {
      p = known(secret, now);
      if (!p) return null;
    }
    const { limiter, id } = bucketOf(config, p, req.ip);
    const take = limiter.take(id, now);
    const inm = req.header('if-none-match');
    // out of tokens: only a 304 could still be answered, and none can without If-None-Match
    if (!take.ok && inm === '') return GIT_TAIL.test(req.url) ? null : tooManyRequests(take, nextRequestId(req.header('x-request-id')));
    // from here on, a request left to the general path leaves its token: it takes its own
    const leave = () => {
      if (take.ok) limiter.refund(id);
      return null;
    };
    if (cache === undefined || req.header('range') !== '') return leave();
    const k = hotKey(req.url, req.query, p);
    const e = k === null ? undefined : cache.get(k);
    if (!e || store.repoGeneration(e.repoId) !== e.generation) return leave();
    // a token reads what its scopes name (and public repos); the general path says 403
    if (p !== null && !e.public && p.level(e.namespace, e.slug, 'repos', e.scopeKey) === 0) return leave();

    const notModified = inm !== '' && matchesHeader(inm, e.sha);
    // without a token only a 304 is answered; the general path says 429 (nothing was taken)
    if (!take.ok && !notModified) return null;
    if (p) {
      const q = quotas(store, config);
      try {
        q.countCall(p.org);
      } catch {
        // the quota is used up: give the token back, and let the general path say so
        return leave();
      }
      if (notModified) q.uncountCall(p.org);
    }
    if (notModified) refundNotModified(limiter, id, take);
    // the headers the general path adds, in its order: X-RateLimit-*, then X-Request-Id
    const headerList = rateLimitHeaderList(take);
    headerList.push('x-request-id', nextRequestId(req.header('x-request-id')));
    if (notModified) return { status: 304, fixedHeaders: e.notModifiedHeaders, headerList };
    return { status: 200, fixedHeaders: e.headers, headerList, body: e.body };
  };
}
