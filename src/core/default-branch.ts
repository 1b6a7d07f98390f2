/**
 * Which branch a repo's HEAD names once its first branches exist. A repo is created with a
 * default branch (`main` unless told), but the first push may bring only `master`, or only
 * `dev`: left alone, HEAD would name a branch that does not exist and every clone would say
 * "remote HEAD refers to nonexistent ref, unable to checkout". GitHub and Gitea then make a
 * pushed branch the default; so do we, the same way for a push, an API commit or a ref created
 * through the API (the store applies this in the transaction that creates the branches).
 */

/**
 * The default branch after a write that creates the first branches of a repo (`created`, short
 * names, in the order the write lists them): the configured one when it is among them, else
 * `main`, else `master`, else the first created. Null when the configured one stays.
 */
export function firstBranchesDefault(configured: string, created: readonly string[]): string | null {
  if (created.length === 0 || created.includes(configured)) return null;
  for (const usual of ['main', 'master']) if (created.includes(usual)) return usual;
  return created[0];
}
