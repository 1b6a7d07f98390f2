/**
 * Names of orgs, namespaces and repos: the one rule, checked wherever a name enters (the REST
 * API, git's URLs, the CLI). Lowercase letters, digits and single hyphens, 1-100 characters, as
 * Coregit has it. Org names are prefixes of store keys ("<org>/<ns>/<slug>"), so a name with a
 * "/" would reach into another org's keys: `key create --org 'acme/'` once made a key that
 * listed acme's repos.
 */
export const SLUG_RE = /^(?!-)(?!.*--)[a-z0-9-]{1,100}(?<!-)$/;

export function isName(value: string): boolean {
  return SLUG_RE.test(value);
}

/** Words the /v1 paths use after a repo name: a repo or namespace named so would be ambiguous. */
export const RESERVED_SLUGS = new Set(['branches', 'refs', 'tree', 'blob', 'raw', 'blobs', 'commits', 'diff', 'compare', 'merge', 'cherry-pick', 'openapi', 'orgs', 'repos']);
