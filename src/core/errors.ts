/**
 * The one error type services throw. `code` is the API's machine-readable code; only
 * src/http/errors.ts turns it into a status and a body.
 */
export type ErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'VALIDATION_ERROR'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RANGE_NOT_SATISFIABLE'
  | 'UNPROCESSABLE'
  | 'TIMEOUT'
  | 'INSUFFICIENT_STORAGE'
  | 'INTERNAL_ERROR';

export class GitwellError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  /** fields the error body carries beside `error` and `code` (a refused merge: merged, conflicts) */
  readonly body?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, body?: Record<string, unknown>) {
    // an expected outcome (a 404, a 429), not a bug: capturing a stack trace would be most of
    // its cost on a busy server, and none is ever shown
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'GitwellError';
    this.code = code;
    this.details = details;
    this.body = body;
  }
}

export const notFound = (what: string, details?: Record<string, unknown>) =>
  new GitwellError('NOT_FOUND', `${what} not found`, details);
export const invalid = (message: string, details?: Record<string, unknown>) =>
  new GitwellError('VALIDATION_ERROR', message, details);
export const conflict = (message: string, details?: Record<string, unknown>) =>
  new GitwellError('CONFLICT', message, details);
export const unprocessable = (message: string, details?: Record<string, unknown>) =>
  new GitwellError('UNPROCESSABLE', message, details);
/** A write the disk (or its quota) had no room for; nothing it would have changed was changed. */
export const insufficientStorage = (message: string, details?: Record<string, unknown>) =>
  new GitwellError('INSUFFICIENT_STORAGE', message, details);

/** `ENOSPC` or `EDQUOT` when `e` is a Node system error (fs) saying a disk is full, else null. */
export function diskFullCode(e: unknown): 'ENOSPC' | 'EDQUOT' | null {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'ENOSPC' || code === 'EDQUOT' ? code : null;
}
