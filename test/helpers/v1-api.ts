// A small client of the /v1 REST API for the tests: one call, the status, the headers, the body
// as bytes, text and (when it parses) JSON. Never throws on an HTTP error status.
import type { Gitwell } from './gitwell.js';

export interface ApiReply<T = any> {
  status: number;
  headers: Headers;
  bytes: Buffer;
  text: string;
  json: T;
}

export interface CallOptions {
  key?: string | null;
  headers?: Record<string, string>;
  /** sent as JSON unless it is a string or a Buffer */
  body?: unknown;
}

export type Api = <T = any>(method: string, path: string, opts?: CallOptions) => Promise<ApiReply<T>>;

/** An API client of `gw` that sends `key` (x-api-key) unless a call says otherwise. */
export function apiClient(gw: Gitwell, key: string | null): Api {
  return async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    const k = opts.key === undefined ? key : opts.key;
    if (k) headers['x-api-key'] = k;
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(gw.url + path, { method, headers, body });
    const bytes = Buffer.from(await res.arrayBuffer());
    const text = bytes.toString('utf8');
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, bytes, text, json };
  };
}

/** A commit body with sensible defaults. */
export function commitBody(branch: string, changes: unknown[], extra: Record<string, unknown> = {}) {
  return { branch, message: 'test commit', author: { name: 'Test Author', email: 'author@gitwell.test', date: '2024-01-02T03:04:05Z' }, changes, ...extra };
}
