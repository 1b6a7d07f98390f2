// Tree object body (gitformat-object):
//
//   tree   = entry*
//   entry  = mode SP name NUL oid
//   mode   = 1*octal-digit          ("40000" for trees, "100644"/"100755" blobs, "120000"
//                                    symlinks, "160000" gitlinks; a leading "0" is a
//                                    zero-padded mode that fsck reports, we only flag it)
//   name   = 1*(any byte but NUL)
//   oid    = 20 raw bytes
//
// Names and sort order are not judged here (fsck does that in TS).

export let entMode: u32 = 0;
export let entNameEnd: usize = 0; // position of the NUL; the name starts at entNameStart
export let entNameStart: usize = 0;
export let entZeroPad: bool = false;

/**
 * Parses one entry at p (< end). Returns the position after its oid, or 0 when malformed.
 * The oid is at entNameEnd + 1.
 */
export function treeEntry(p: usize, end: usize): usize {
  let q = p;
  let mode: u32 = 0;
  entZeroPad = load<u8>(q) == 0x30;
  while (true) {
    if (q >= end) return 0; // missing space
    const c = <u32>load<u8>(q);
    if (c == 0x20) break;
    if (c - 0x30 > 7) return 0; // non-octal digit (unsigned: also catches c < '0')
    if (mode > 0x1fff_ffff) return 0; // would overflow 32 bits
    mode = (mode << 3) | (c - 0x30);
    q++;
  }
  if (q == p) return 0; // empty mode
  q++;
  const ns = q;
  while (q < end && load<u8>(q) != 0) q++;
  if (q >= end) return 0; // missing NUL
  if (q == ns) return 0; // empty name
  if (end - q - 1 < 20) return 0; // truncated oid
  entMode = mode;
  entNameStart = ns;
  entNameEnd = q;
  return q + 21;
}

/**
 * Parses a whole tree [p, p+len) into records at out (4 x u32 per entry: mode, name start,
 * name end (the NUL), zeroPadded), positions relative to p. Returns the entry count or -1.
 * out must have room for len / 24 records (an entry is at least 24 bytes).
 */
export function parseTreeInto(p: usize, len: usize, out: usize): i32 {
  const end = p + len;
  let q = p;
  let n: i32 = 0;
  while (q < end) {
    q = treeEntry(q, end);
    if (q == 0) return -1;
    const r = out + (<usize>n << 4);
    store<u32>(r, entMode);
    store<u32>(r, <u32>(entNameStart - p), 4);
    store<u32>(r, <u32>(entNameEnd - p), 8);
    store<u32>(r, entZeroPad ? 1 : 0, 12);
    n++;
  }
  return n;
}

/** Validates a whole tree. Returns the entry count or -1. */
export function validateTree(p: usize, len: usize): i32 {
  const end = p + len;
  let q = p;
  let n: i32 = 0;
  while (q < end) {
    q = treeEntry(q, end);
    if (q == 0) return -1;
    n++;
  }
  return n;
}
