// Commit and tag headers (gitformat-object), only the parts the core needs:
//
//   commit    = "tree " hex40 LF *("parent " hex40 LF) *header-line [LF message]
//   committer = "committer " name " <" email "> " timestamp " " tz LF
//               (timestamp = decimal seconds since the epoch; taken after the last '>')
//   tag       = "object " hex40 LF "type " type-name LF ...
//   hex40     = 40 hex digits (either case, like git's get_oid_hex)
//
// Like git's parse_commit_buffer: a line that starts with "parent " must be a valid parent
// line; the parent list ends at the first line that does not start with "parent ".

/** Hex digit value, or 0xff. */
// @ts-ignore: decorator
@inline function hexval(c: u32): u32 {
  if (c - 0x30 < 10) return c - 0x30;
  const l = c | 0x20;
  if (l - 0x61 < 6) return l - 0x61 + 10;
  return 0xff;
}

/** Decodes 40 hex digits at src into 20 bytes at dst. Returns false on a bad digit. */
export function hexToOid(src: usize, dst: usize): bool {
  for (let i: usize = 0; i < 20; i++) {
    const hi = hexval(<u32>load<u8>(src + 2 * i));
    const lo = hexval(<u32>load<u8>(src + 2 * i + 1));
    if ((hi | lo) > 15) return false;
    store<u8>(dst + i, <u8>((hi << 4) | lo));
  }
  return true;
}

function startsWith5(p: usize, end: usize, a: u32, b: u32, c: u32, d: u32, e: u32): bool {
  if (end - p < 5) return false;
  return load<u8>(p) == a && load<u8>(p, 1) == b && load<u8>(p, 2) == c && load<u8>(p, 3) == d && load<u8>(p, 4) == e;
}

function isParentPrefix(p: usize, end: usize): bool {
  // "parent "
  return end - p >= 7 && startsWith5(p, end, 0x70, 0x61, 0x72, 0x65, 0x6e) && load<u8>(p, 5) == 0x74 && load<u8>(p, 6) == 0x20;
}

export let commitParents: i32 = 0;
export let commitTime: f64 = 0;

/**
 * Validates the tree and parent lines of a commit [p, p+len). Writes the tree oid to out
 * and, when out != 0, the parent oids after it (20 bytes each). Sets commitParents and
 * commitTime. Parent i's hex starts at p + 46 + 48 * i + 7. Returns 0 or -1.
 */
export function parseCommit(p: usize, len: usize, out: usize, scratchOid: usize): i32 {
  const end = p + len;
  // "tree " hex40 LF
  if (len < 46) return -1;
  if (!startsWith5(p, end, 0x74, 0x72, 0x65, 0x65, 0x20) || load<u8>(p, 45) != 0x0a) return -1;
  if (!hexToOid(p + 5, out != 0 ? out : scratchOid)) return -1;
  let q = p + 46;
  let n: i32 = 0;
  while (isParentPrefix(q, end)) {
    if (end - q < 48 || load<u8>(q, 47) != 0x0a) return -1;
    if (!hexToOid(q + 7, out != 0 ? out + 20 + 20 * <usize>n : scratchOid)) return -1;
    q += 48;
    n++;
  }
  commitParents = n;
  // committer timestamp: first "committer " line of the header
  let ts: f64 = 0;
  while (q < end && load<u8>(q) != 0x0a) {
    let eol = q;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    if (eol - q >= 10 && startsWith5(q, end, 0x63, 0x6f, 0x6d, 0x6d, 0x69) &&
        startsWith5(q + 5, end, 0x74, 0x74, 0x65, 0x72, 0x20)) {
      let gt = eol;
      while (gt > q && load<u8>(gt - 1) != 0x3e) gt--; // after the last '>'
      if (gt > q) {
        let r = gt;
        while (r < eol && load<u8>(r) == 0x20) r++;
        while (r < eol) {
          const dgt = <u32>load<u8>(r) - 0x30;
          if (dgt > 9) break;
          ts = ts * 10 + <f64>dgt;
          r++;
        }
      }
      break;
    }
    q = eol + 1;
  }
  commitTime = ts;
  return 0;
}

export let tagKind: i32 = 0;

/**
 * Parses the target of a tag [p, p+len) into out (20 bytes) and the target's kind from the
 * `type` line into tagKind (1 commit, 2 tree, 3 blob, 0 other/absent). Returns 0 or -1.
 */
export function parseTag(p: usize, len: usize, out: usize): i32 {
  const end = p + len;
  // "object " hex40 LF
  if (len < 48) return -1;
  if (!startsWith5(p, end, 0x6f, 0x62, 0x6a, 0x65, 0x63) || load<u8>(p, 5) != 0x74 || load<u8>(p, 6) != 0x20) return -1;
  if (load<u8>(p, 47) != 0x0a || !hexToOid(p + 7, out)) return -1;
  let kind: i32 = 0;
  const q = p + 48;
  // "type " name LF
  if (startsWith5(q, end, 0x74, 0x79, 0x70, 0x65, 0x20)) {
    let eol = q + 5;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    const nl = eol - (q + 5);
    const s = q + 5;
    if (nl == 6 && startsWith5(s, end, 0x63, 0x6f, 0x6d, 0x6d, 0x69) && load<u8>(s, 5) == 0x74) kind = 1; // commit
    else if (nl == 4 && load<u32>(s) == 0x65657274) kind = 2; // tree
    else if (nl == 4 && load<u32>(s) == 0x626f6c62) kind = 3; // blob
  }
  tagKind = kind;
  return 0;
}
