/**
 * The hot read path of /v1: GETs of files and directories answered from memory.
 *
 * A 200 reply of raw, blob or tree (no Range) is a function of the URL, of the org the caller's
 * key belongs to (none on the public routes) and of the repo's refs and record. The general
 * path marks such a reply with the repo's generation (a counter the store moves on every
 * change to the repo's refs or record) and it is kept here. The next GET of the same URL by
 * the same org, while the generation is unchanged, is answered synchronously in the HTTP
 * callback, with the general path's bookkeeping: the key from the verified-key cache, a token
 * from the same bucket, the same monthly call count, If-None-Match → 304 (which costs
 * neither), then X-RateLimit-* and X-Request-Id. Whatever this cannot answer exactly as the
 * general path would (a key not verified lately, a Range, an empty bucket, a used-up quota, a
 * miss) goes the general way, which answers it and fills the cache.
 */
import type { KeyRecord, Store } from '../../../storage/index.js';
import type { Config } from '../../config.js';
import { quotas } from '../../services/limits.js';
import { nextRequestId } from '../request-id.js';
import { matchesHeader } from '../middleware/etag.js';
import { bucketOf, rateLimitHeaderList, refundNotModified } from '../middleware/rate-limit.js';
import type { CacheMark, ReplyCache } from '../router.js';
import { encodeHeaders, type EncodedHeaders, type FastHandler, type HttpReply } from '../uws.js';
import { knownKey, tokenOf } from './access.js';

/** What the general path says about a reply it may hand over: the repo and its generation. */
export type HotMark = CacheMark;

interface Entry {
  repoId: number;
  generation: number;
  /** the reply's own headers, and those of its 304, encoded once; shared by every reply */
  headers: EncodedHeaders;
  notModifiedHeaders: EncodedHeaders;
  body: Buffer;
  /** the ETag without quotes */
  sha: string;
}

const PUBLIC_PREFIX = '/v1/orgs/';

/** The cache key: the org whose key asked (none on public routes), the path and the query. */
export function hotKey(path: string, query: string, key: KeyRecord | null): string | null {
  const scope = path.startsWith(PUBLIC_PREFIX) ? '' : key?.org;
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

  /** Keeps a 200 reply the general path marked. */
  offer(key: string, reply: HttpReply, mark: HotMark): void {
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

/** The synchronous front of the general path (see the top of this file). */
export function hotPath(store: Store, config: Config, cache: HotCache): FastHandler {
  return (req) => {
    if (req.method !== 'get' || !req.url.startsWith('/v1/') || req.header('range') !== '') return null;
    const token = tokenOf(req.header('x-api-key'), req.header('authorization'));
    let key: KeyRecord | null = null;
    if (token !== undefined) {
      key = knownKey(token);
      if (!key) return null;
    }
    const k = hotKey(req.url, req.query, key);
    const e = k === null ? undefined : cache.get(k);
    if (!e || store.repoGeneration(e.repoId) !== e.generation) return null;

    const inm = req.header('if-none-match');
    const notModified = inm !== '' && matchesHeader(inm, e.sha);
    const { limiter, id } = bucketOf(config, key, req.ip);
    const take = limiter.take(id);
    // without a token only a 304 is answered; the general path says 429 (nothing was taken)
    if (!take.ok && !notModified) return null;
    if (key) {
      const q = quotas(store, config);
      try {
        q.countCall(key.org);
      } catch {
        // the quota is used up: give the token back, and let the general path say so
        if (take.ok) limiter.refund(id);
        return null;
      }
      if (notModified) q.uncountCall(key.org);
    }
    if (notModified) refundNotModified(limiter, id, take);
    // the headers the general path adds, in its order: X-RateLimit-*, then X-Request-Id
    const headerList = rateLimitHeaderList(take);
    headerList.push('x-request-id', nextRequestId(req.header('x-request-id')));
    if (notModified) return { status: 304, fixedHeaders: e.notModifiedHeaders, headerList };
    return { status: 200, fixedHeaders: e.headers, headerList, body: e.body };
  };
}
