/**
 * git check-ref-format rules, for names a client asks us to create:
 *  - at least two components ("refs/heads/x"), none empty, none starting with "." or ending in ".lock"
 *  - no "..", no "@{", no control characters, SP, "~", "^", ":", "?", "*", "[", "\"
 *  - does not start or end with "/", does not end with ".", is not "@"
 *  - (ours) at most 1024 bytes
 * and, for what a write creates, git's branch and tag name rules (checkWritableRef).
 */
const BAD_CHAR = /[\x00-\x20\x7f~^:?*[\\]/;

/** Longer names are refused: they would not fit an LMDB key, and no real ref needs them. */
export const MAX_REF_NAME_BYTES = 1024;

/** Returns null when `name` is a valid ref name, else why not. */
export function checkRefName(name: string): string | null {
  if (Buffer.byteLength(name) > MAX_REF_NAME_BYTES) return `ref name longer than ${MAX_REF_NAME_BYTES} bytes`;
  return checkRefFormat(name);
}

/** git's check-ref-format rules alone (what fsck asks of a tag's name); null when `name` passes. */
export function checkRefFormat(name: string): string | null {
  if (name.length === 0) return 'empty ref name';
  if (name === '@') return 'ref name "@" is not allowed';
  if (BAD_CHAR.test(name)) return 'ref name contains a forbidden character';
  if (name.includes('..')) return 'ref name contains ".."';
  if (name.includes('@{')) return 'ref name contains "@{"';
  if (name.endsWith('.')) return 'ref name ends with "."';
  const parts = name.split('/');
  if (parts.length < 2) return 'ref name must contain a "/"';
  for (const p of parts) {
    if (p.length === 0) return 'ref name has an empty component';
    if (p.startsWith('.')) return 'ref name component starts with "."';
    if (p.endsWith('.lock')) return 'ref name component ends with ".lock"';
  }
  return null;
}

/** A name a client may push to: a full, valid name under refs/. */
export function checkPushRefName(name: string): string | null {
  if (!name.startsWith('refs/')) return 'ref name must start with "refs/"';
  return checkRefName(name);
}

/**
 * The short name of a branch or a tag: not starting with "-" (it would read as an option) and
 * not "HEAD". git refuses both for branches (strbuf_check_branch_ref) and "-x" for tags
 * (strbuf_check_tag_ref); a tag "HEAD" git 2.39 takes with a warning that the name is
 * ambiguous, and every later `git checkout HEAD` would mean something else: refused here too.
 */
function checkShortName(kind: 'branch' | 'tag', short: string): string | null {
  if (short === 'HEAD') return `"HEAD" is not a valid ${kind} name`;
  if (short.startsWith('-')) return `a ${kind} name cannot start with "-"`;
  return null;
}

/**
 * A ref a write may create or move, through any door (push, REST, merge): a full name under
 * refs/ in git's format, and under refs/heads/ or refs/tags/ a valid branch or tag name.
 * Deleting needs only git's format, so that a ref made before these rules can be removed.
 */
export function checkWritableRef(name: string): string | null {
  const why = checkPushRefName(name);
  if (why) return why;
  if (name.startsWith('refs/heads/')) return checkShortName('branch', name.slice(11));
  if (name.startsWith('refs/tags/')) return checkShortName('tag', name.slice(10));
  return null;
}

/** A branch name as the REST API takes it ("main", "feature/x") to create, commit to or make the default. */
export function checkBranchName(name: string): string | null {
  return checkShortName('branch', name) ?? checkRefName(`refs/heads/${name}`);
}

export type RefRefusal = { kind: 'name' | 'default-branch'; reason: string };

/**
 * Why a ref update may not be made, whoever asks (receive-pack, the refs and branches routes,
 * the merge engine); null when it may. `deleting`: the update removes the ref. The default
 * branch is never deleted: HEAD would name nothing and every clone would fail to check out.
 */
export function refUpdateRefusal(defaultBranch: string, name: string, deleting: boolean): RefRefusal | null {
  if (deleting) {
    if (name === `refs/heads/${defaultBranch}`) return { kind: 'default-branch', reason: 'refusing to delete the default branch' };
    const why = checkPushRefName(name);
    return why ? { kind: 'name', reason: why } : null;
  }
  const why = checkWritableRef(name);
  return why ? { kind: 'name', reason: why } : null;
}
