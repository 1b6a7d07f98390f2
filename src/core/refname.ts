/**
 * git check-ref-format rules, for names a client asks us to create:
 *  - at least two components ("refs/heads/x"), none empty, none starting with "." or ending in ".lock"
 *  - no "..", no "@{", no control characters, SP, "~", "^", ":", "?", "*", "[", "\"
 *  - does not start or end with "/", does not end with ".", is not "@"
 *  - (ours) at most 1024 bytes
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

/** A branch name as the REST API takes it ("main", "feature/x"). */
export function checkBranchName(name: string): string | null {
  return checkRefName(`refs/heads/${name}`);
}
