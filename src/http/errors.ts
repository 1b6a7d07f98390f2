/**
 * The one place that knows HTTP statuses: error code -> status, and the error bodies of the
 * two API dialects. Anything that is not a GitwellError is an internal error and says nothing
 * about itself (no message, no stack) to the client.
 */
import { diskFullCode, GitwellError, insufficientStorage, type ErrorCode } from '../core/errors.js';
import { BodyTooLarge, SpoolFailed } from './uws.js';

export const STATUS: Record<ErrorCode, number> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  VALIDATION_ERROR: 400,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  PAYLOAD_TOO_LARGE: 413,
  RANGE_NOT_SATISFIABLE: 416,
  UNPROCESSABLE: 422,
  TIMEOUT: 504,
  INSUFFICIENT_STORAGE: 507,
  INTERNAL_ERROR: 500,
};

export function toGitwellError(e: unknown): GitwellError {
  if (e instanceof GitwellError) return e;
  if (e instanceof BodyTooLarge) return new GitwellError('PAYLOAD_TOO_LARGE', e.message, { limit: e.limit });
  // a temp file (a spooled body) the disk had no room for
  const full = diskFullCode(e instanceof SpoolFailed ? e.cause : e);
  if (full) return insufficientStorage(`the server's storage is full (${full}): the request could not be kept`, { cause: full });
  // the operator sees what went wrong; the client only that something did
  console.error('gitwell: internal error:', e);
  return new GitwellError('INTERNAL_ERROR', 'internal error');
}

/** Coregit dialect: {"error", "code", ...the error's own fields, "details"?, "request_id"}. */
export function coregitErrorBody(e: GitwellError, requestId: string): string {
  return JSON.stringify({ error: e.message, code: e.code, ...e.body, ...(e.details ? { details: e.details } : {}), request_id: requestId });
}

/** OpenCodeHub dialect: {"error": {code, message, details}, "meta": {timestamp, request_id}}. */
export function opencodehubErrorBody(e: GitwellError, requestId: string): string {
  return JSON.stringify({
    error: { code: e.code, message: e.message, details: e.details ?? {} },
    meta: { timestamp: new Date().toISOString(), request_id: requestId },
  });
}
