/**
 * What every /v1 handler needs: a JSON reply, a query string or JSON body checked against its
 * zod schema (a bad one is 400 VALIDATION_ERROR naming the field), and the server's base URL.
 */
import type { z } from 'zod';
import { GitwellError } from '../../core/errors.js';
import type { Context } from '../router.js';
import { BodyTooLarge, type HttpReply } from '../uws.js';

export const JSON_TYPE = 'application/json';

export function json(status: number, body: unknown, headers?: Record<string, string>): HttpReply {
  return { status, headers: { 'content-type': JSON_TYPE, ...headers }, body: JSON.stringify(body) };
}

function validationError(issues: z.core.$ZodIssue[], where: 'query' | 'body'): GitwellError {
  const list = issues.slice(0, 20).map((i) => ({ field: i.path.join('.') || where, message: i.message }));
  const first = list[0];
  return new GitwellError('VALIDATION_ERROR', `${first.field}: ${first.message}`, { field: first.field, issues: list });
}

export function parseQuery<S extends z.ZodType>(ctx: Context, schema: S): z.output<S> {
  const raw: Record<string, string> = {};
  if (ctx.req.query) for (const [k, v] of new URLSearchParams(ctx.req.query)) raw[k] = v;
  const r = schema.safeParse(raw);
  if (!r.success) throw validationError(r.error.issues, 'query');
  return r.data;
}

export async function parseBody<S extends z.ZodType>(ctx: Context, schema: S): Promise<z.output<S>> {
  let buf: Buffer;
  try {
    buf = await ctx.req.body.buffer(ctx.config.v1MaxBodyBytes);
  } catch (e) {
    if (e instanceof BodyTooLarge) {
      throw new GitwellError('PAYLOAD_TOO_LARGE', `request body exceeds ${e.limit} bytes`, { limit: 'v1_max_body_bytes', max: e.limit });
    }
    throw e;
  }
  let value: unknown;
  try {
    value = buf.length === 0 ? {} : JSON.parse(buf.toString('utf8'));
  } catch {
    throw new GitwellError('VALIDATION_ERROR', 'body is not valid JSON', { field: 'body' });
  }
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error.issues, 'body');
  return r.data;
}

/** "http://host:port" as the client reached us (for git_url and api_url). */
export function baseUrl(ctx: Context): string {
  const proto = ctx.req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
  const h = ctx.req.headers['host'];
  const host = h && /^[A-Za-z0-9.:[\]-]{1,255}$/.test(h) ? h : `${ctx.config.host}:${ctx.config.port}`;
  return `${proto}://${host}`;
}
