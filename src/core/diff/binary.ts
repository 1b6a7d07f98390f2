/**
 * git's binary heuristic (xdiff-interface.c buffer_is_binary): a file is binary when a NUL
 * byte occurs in its first 8000 bytes. A pair is diffed as binary if either side is.
 */
export const FIRST_FEW_BYTES = 8000;

export function isBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, FIRST_FEW_BYTES);
  return data.subarray(0, n).indexOf(0) >= 0;
}
