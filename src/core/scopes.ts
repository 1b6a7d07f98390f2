/**
 * Token scopes: what a token may do, per resource and repo pattern.
 *
 *   {"repos:*": ["read"], "repos:ns/x": ["read", "write"], "repos:tools/*": ["admin"]}
 *
 * - levels: read < write < admin, each including those below (a token that may write may read);
 *   read: every GET of a repo; write: commits, refs, branches, pushes, creating a repo of that
 *   name; admin: a repo's settings (PATCH) and its deletion.
 * - patterns (after "repos:" or "pulls:"): `*` every repo of the token's org; `<slug>` a repo
 *   without namespace; `<ns>/<slug>`; `<ns>/*` every repo of a namespace.
 * - resources: `repos` (contents, refs, settings) and `pulls` (pull requests: the /api dialect).
 * - named scopes, as OpenCodeHub's tokens carry them (`"scopes": ["repo", "pr"]`), are the
 *   same grants under one word: `repo` = {"repos:*": ["read", "write"]}, `pr` = {"pulls:*":
 *   ["read", "write"]}. So the /api dialect's tokens are tokens of this one system.
 */
import { invalid } from './errors.js';
import { isName } from './names.js';

export type Access = 'read' | 'write' | 'admin';
export const ACCESS: readonly Access[] = ['read', 'write', 'admin'];
export const LEVEL: Record<Access, number> = { read: 1, write: 2, admin: 3 };

export type Resource = 'repos' | 'pulls';
const RESOURCES: readonly Resource[] = ['repos', 'pulls'];

/** Normalized: "<resource>:<pattern>" -> the levels granted, closed downward, in LEVEL order. */
export type ScopeMap = Record<string, Access[]>;

export const NAMED_SCOPES: Record<string, ScopeMap> = {
  repo: { 'repos:*': ['read', 'write'] },
  pr: { 'pulls:*': ['read', 'write'] },
};

const MAX_ENTRIES = 100;

export interface Grant {
  resource: Resource;
  /** '*' any namespace (and none); null: only repos without a namespace */
  namespace: string | null;
  /** '*' any slug */
  slug: string;
  level: number;
}

function parsePattern(pattern: string): { namespace: string | null; slug: string } | null {
  if (pattern === '*') return { namespace: '*', slug: '*' };
  const parts = pattern.split('/');
  if (parts.length === 1) return isName(parts[0]) ? { namespace: null, slug: parts[0] } : null;
  if (parts.length !== 2 || !isName(parts[0])) return null;
  if (parts[1] === '*' || isName(parts[1])) return { namespace: parts[0], slug: parts[1] };
  return null;
}

function grantOf(key: string, levels: Access[]): Grant | null {
  const colon = key.indexOf(':');
  const resource = key.slice(0, colon) as Resource;
  if (colon < 0 || !RESOURCES.includes(resource)) return null;
  const p = parsePattern(key.slice(colon + 1));
  if (!p) return null;
  return { resource, ...p, level: Math.max(...levels.map((a) => LEVEL[a])) };
}

/** read..level, the closure a grant of `level` stands for */
const closure = (level: number): Access[] => ACCESS.filter((a) => LEVEL[a] <= level);

/**
 * Scopes as a client writes them, an object of patterns or a list of named scopes, checked
 * and normalized; 400 VALIDATION_ERROR (field "scopes") naming what is wrong.
 */
export function normalizeScopes(input: unknown): ScopeMap {
  const bad = (why: string) => invalid(`scopes: ${why}`, { field: 'scopes' });
  let map: Record<string, unknown>;
  if (Array.isArray(input)) {
    map = {};
    for (const name of input) {
      const named = typeof name === 'string' ? NAMED_SCOPES[name] : undefined;
      if (!named) throw bad(`${JSON.stringify(name)} is not a named scope (${Object.keys(NAMED_SCOPES).join(', ')})`);
      for (const [k, v] of Object.entries(named)) map[k] = [...((map[k] as Access[] | undefined) ?? []), ...v];
    }
  } else if (input !== null && typeof input === 'object') {
    map = input as Record<string, unknown>;
  } else {
    throw bad('an object of "repos:<pattern>": ["read"|"write"|"admin"], or a list of named scopes');
  }
  const entries = Object.entries(map);
  if (entries.length === 0) throw bad('at least one scope is needed');
  if (entries.length > MAX_ENTRIES) throw bad(`at most ${MAX_ENTRIES} entries`);
  const out: ScopeMap = {};
  for (const [key, value] of entries) {
    if (!Array.isArray(value) || value.length === 0 || !value.every((a) => ACCESS.includes(a as Access))) {
      throw bad(`${key}: a non-empty list of "read", "write", "admin"`);
    }
    const g = grantOf(key, value as Access[]);
    if (!g) throw bad(`${JSON.stringify(key)} is not "repos:*", "repos:<slug>", "repos:<namespace>/<slug>", "repos:<namespace>/*" (or pulls:…)`);
    out[key] = closure(g.level);
  }
  return out;
}

/** The grants of a normalized map (a stored token's). */
export function compileScopes(map: ScopeMap): Grant[] {
  const out: Grant[] = [];
  for (const [key, levels] of Object.entries(map)) {
    const g = grantOf(key, levels);
    if (g) out.push(g);
  }
  return out;
}

/** The highest level the grants give on a repo of the org (0: none). */
export function grantedLevel(grants: readonly Grant[], resource: Resource, namespace: string | null, slug: string): number {
  let best = 0;
  for (const g of grants) {
    if (g.resource !== resource || g.level <= best) continue;
    if (g.namespace !== '*' && g.namespace !== namespace) continue;
    if (g.slug !== '*' && g.slug !== slug) continue;
    best = g.level;
  }
  return best;
}

/** How a scope on one repo is written: "repos:ns/slug". */
export function scopeName(resource: Resource, namespace: string | null, slug: string): string {
  return `${resource}:${namespace ? `${namespace}/` : ''}${slug}`;
}
