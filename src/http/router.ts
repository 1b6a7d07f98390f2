/**
 * A small path router: templates like "/v1/repos/:slug/tree/:ref/*path" compile to regular
 * expressions; ":name" matches one segment, "*name" the rest of the path (maybe empty).
 */
import type { RepoRecord, Store } from '../../storage/index.js';
import type { Clock } from '../core/clock.js';
import type { Config } from '../config.js';
import type { Access, Principal } from '../services/principal.js';
import type { PackCache } from '../services/pack-cache.js';
import type { HttpReply, HttpRequest } from './uws.js';

export type Dialect = 'git' | 'v1' | 'api' | 'plain';

/** What a handler says about a 200 reply a reply cache may replay: the repo and its generation. */
export interface CacheMark {
  repoId: number;
  generation: number;
}

/** Replies kept and replayed while their repo stays the same (http/v1/hot.ts is one). */
export interface ReplyCache {
  offer(key: string, reply: HttpReply, mark: CacheMark, repo: Pick<RepoRecord, 'namespace' | 'slug' | 'visibility'>): void;
}

export interface Context {
  store: Store;
  config: Config;
  /** expiry and refill ask this, never Date.now(): tests move it */
  clock: Clock;
  req: HttpRequest;
  requestId: string;
  params: Record<string, string>;
  /** whole-clone packs on disk, when enabled */
  packCache?: PackCache;
  /** replies of hot reads, when enabled (http/v1/hot.ts) */
  hot?: ReplyCache;
  /** set by a handler whose 200 reply the hot path may replay while the repo stays the same */
  cacheable?: CacheMark;
  /** who is calling, once asked (http/v1/access.ts): a principal, null (anonymous) or why the credential is refused */
  caller?: { principal: Principal | null } | { refused: unknown };
  /** the access the route table says the route needs on its repo */
  access?: Access;
  /** the repo the route resolved, once it has */
  repo?: RepoRecord;
}

export interface Route {
  method: string;
  path: string | RegExp;
  dialect: Dialect;
  handler(ctx: Context): Promise<HttpReply> | HttpReply;
}

interface Compiled {
  route: Route;
  re: RegExp;
  names: string[];
}

function compile(route: Route): Compiled {
  if (route.path instanceof RegExp) return { route, re: route.path, names: [] };
  const names: string[] = [];
  const src = route.path
    .split('/')
    .map((seg) => {
      if (seg.startsWith(':')) {
        names.push(seg.slice(1));
        return '([^/]+)';
      }
      if (seg.startsWith('*')) {
        names.push(seg.slice(1));
        return '?(.*)';
      }
      return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, re: new RegExp(`^${src}/?$`), names };
}

export class Router {
  private readonly compiled: Compiled[];
  constructor(routes: Route[]) {
    this.compiled = routes.map(compile);
  }

  /** The first route whose path matches; `allowed` lists the methods a path takes (for 405). */
  match(method: string, path: string): { route: Route; params: Record<string, string> } | { route: null; allowed: string[] } {
    const allowed: string[] = [];
    for (const c of this.compiled) {
      const m = c.re.exec(path);
      if (!m) continue;
      if (c.route.method !== '*' && c.route.method !== method && !(method === 'HEAD' && c.route.method === 'GET')) {
        allowed.push(c.route.method);
        continue;
      }
      const params: Record<string, string> = {};
      if (c.names.length > 0) {
        c.names.forEach((n, i) => {
          try {
            params[n] = decodeURIComponent(m[i + 1] ?? '');
          } catch {
            params[n] = m[i + 1] ?? '';
          }
        });
      } else if (m.groups) Object.assign(params, m.groups);
      else m.slice(1).forEach((v, i) => (params[String(i)] = v ?? ''));
      return { route: c.route, params };
    }
    return { route: null, allowed };
  }
}
