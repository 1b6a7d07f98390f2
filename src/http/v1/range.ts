/**
 * The Range header of blob and raw, as Coregit reads it (routes/files.ts): `bytes=<start>-[<end>]`
 * (the end clamped to the last byte), and, beyond Coregit, RFC 9110's suffix form
 * `bytes=-<length>` (the last bytes). Any other form is malformed, and a range that starts past
 * the end or ends before it starts cannot be satisfied: both are 416, as in Coregit.
 */
export type RangeAsked = { start: number; end: number } | 'malformed' | 'unsatisfiable' | null;

export function parseRange(h: string | undefined, size: number): RangeAsked {
  if (h === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return 'malformed';
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start > end || start >= size) return 'unsatisfiable';
  return { start, end };
}

export const MALFORMED_RANGE = 'Invalid Range header. Expected bytes=start-end.';
