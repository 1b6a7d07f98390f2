// Pack entry header (gitformat-pack):
//
//   entry      = type-and-size [ofs-base | ref-base] zlib-stream
//   type-and-size: first byte  1TTTSSSS or 0TTTSSSS  (T: 3-bit type, S: size bits 0..3)
//                  next bytes  1SSSSSSS / 0SSSSSSS   (7 more size bits each, little-endian,
//                                                    while the previous byte had its MSB set)
//   type       = 1 commit | 2 tree | 3 blob | 4 tag | 6 ofs-delta | 7 ref-delta   (0, 5 invalid)
//   ofs-base   = big-endian base-128 with a +1 bias per continuation byte:
//                  off = b0 & 0x7f; while (b & 0x80) { off = ((off + 1) << 7) | (next & 0x7f) }
//                base entry offset = this entry's offset - off
//   ref-base   = 20-byte binary oid of the base object
//
// Sizes and offsets are limited to 2^53 - 1 (they travel to JS as doubles).

export const MAX_SAFE: u64 = 0x1f_ffff_ffff_ffff;

export let hdrType: i32 = 0;
export let hdrSize: u64 = 0;
export let hdrOfs: u64 = 0;

/** Parses the header in [p, p+len). Returns the header length, or -1 when malformed/truncated. */
export function parseEntryHeader(p: usize, len: usize): i32 {
  const end = p + len;
  let q = p;
  if (q >= end) return -1;
  let c = <u32>load<u8>(q++);
  const type = <i32>((c >> 4) & 7);
  if (type == 0 || type == 5) return -1;
  let size: u64 = <u64>(c & 15);
  let shift: u32 = 4;
  while (c & 0x80) {
    if (q >= end || shift > 56) return -1;
    c = <u32>load<u8>(q++);
    size += <u64>(c & 0x7f) << shift;
    if (size > MAX_SAFE) return -1;
    shift += 7;
  }
  let ofs: u64 = 0;
  if (type == 6) {
    if (q >= end) return -1;
    c = <u32>load<u8>(q++);
    ofs = <u64>(c & 0x7f);
    while (c & 0x80) {
      if (q >= end) return -1;
      ofs += 1;
      if (ofs >= (<u64>1 << 46)) return -1; // the shift below would pass 2^53
      c = <u32>load<u8>(q++);
      ofs = (ofs << 7) | <u64>(c & 0x7f);
    }
  } else if (type == 7) {
    if (end - q < 20) return -1;
    q += 20;
  }
  hdrType = type;
  hdrSize = size;
  hdrOfs = ofs;
  return <i32>(q - p);
}
