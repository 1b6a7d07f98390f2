/**
 * The only file that imports uWebSockets.js. It turns uWS's callback API into a plain request
 * (copied out of the stack-allocated uWS request at once) and a plain reply, with the body
 * collected as it arrives (in memory, spilling to a temp file past a threshold) and streamed
 * replies written with back-pressure (write, then wait for onWritable when the socket is full).
 */
import { createRequire } from 'node:module';
import type { HttpResponse, TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { RequestBody } from './request-body.js';

export { BodyTooLarge, RequestBody, SpoolFailed } from './request-body.js';

const require = createRequire(import.meta.url);
const uWS = require('@trufflesuite/uws-js-unofficial') as typeof import('@trufflesuite/uws-js-unofficial');

export interface HttpRequest {
  method: string;
  path: string;
  query: string;
  /** lower-cased names */
  headers: Record<string, string>;
  ip: string;
  body: RequestBody;
}

export interface HttpReply {
  status: number;
  headers?: Record<string, string>;
  /** headers encoded once and shared by many replies (see encodeHeaders), written after `headers` */
  fixedHeaders?: EncodedHeaders;
  /** more headers, as name, value, name, value…: written last */
  headerList?: string[];
  body?: Buffer | string;
  /** a body produced over time; written with back-pressure */
  stream?: AsyncIterable<Buffer>;
}

export type AppHandler = (req: HttpRequest) => Promise<HttpReply>;

/** Header names and values as UTF-8, name, value, name, value… */
export type EncodedHeaders = readonly Uint8Array[];

/**
 * Headers in the form uWS writes without converting them again: a reply sent many times (the
 * hot read path) spends no time turning the same strings into UTF-8 on every send.
 */
export function encodeHeaders(h: Record<string, string>): EncodedHeaders {
  const out: Uint8Array[] = [];
  for (const k in h) out.push(Buffer.from(k, 'latin1'), Buffer.from(h[k]));
  return out;
}

/** Header names and status lines, encoded once: the same few are written on every reply. */
const encodedNames = new Map<string, Uint8Array>();
function nameBytes(name: string): Uint8Array | string {
  let b = encodedNames.get(name);
  if (b === undefined) {
    if (encodedNames.size >= 1024) return name;
    b = Buffer.from(name, 'latin1');
    encodedNames.set(name, b);
  }
  return b;
}

/** A request as the synchronous front sees it: read in place, valid only during the call. */
export interface FastRequest {
  /** lower-case, as uWS gives it */
  method: string;
  url: string;
  query: string;
  /** a header by lower-case name, '' when absent */
  header(name: string): string;
  ip(): string;
}

/**
 * Answers a request synchronously, before it is copied out for the general (async) path, or
 * returns null to leave it to that path. Used for the hottest reads (see http/v1/hot.ts).
 */
export type FastHandler = (req: FastRequest) => HttpReply | null;

const WRITE_STALL_MS = 120_000;
/** a streamed reply lets the event loop run after this many bytes */
const YIELD_BYTES = 256 * 1024;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 204: 'No Content', 206: 'Partial Content', 304: 'Not Modified',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  409: 'Conflict', 413: 'Payload Too Large', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable',
  422: 'Unprocessable Entity', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable', 504: 'Gateway Timeout',
  507: 'Insufficient Storage',
};

const STATUS_LINE = new Map(Object.entries(STATUS_TEXT).map(([code, text]) => [Number(code), Buffer.from(`${code} ${text}`)]));

function writeHead(res: HttpResponse, reply: HttpReply): void {
  res.writeStatus(STATUS_LINE.get(reply.status) ?? `${reply.status} Unknown`);
  const h = reply.headers;
  if (h) for (const k in h) res.writeHeader(nameBytes(k), h[k]);
  const f = reply.fixedHeaders;
  if (f) for (let i = 0; i + 1 < f.length; i += 2) res.writeHeader(f[i], f[i + 1]);
  const l = reply.headerList;
  if (l) for (let i = 0; i + 1 < l.length; i += 2) res.writeHeader(nameBytes(l[i]), l[i + 1]);
}

/**
 * A reply with its whole body at hand, in one corked write. `close`: the connection ends with
 * it (the client is still sending a body nobody will read).
 */
function writeWhole(res: HttpResponse, reply: HttpReply, close = false): void {
  writeHead(res, reply);
  if (reply.status === 304 || reply.status === 204) res.endWithoutBody(0, close);
  else res.end(reply.body ?? '', close);
}

/** A reply given before the request's body has all arrived ends its connection. */
const unread = (state: ResState) => state.body !== undefined && !state.body.received;

/**
 * How long a reply given before the request's body has all arrived (a 413, a 401) waits for
 * the client to stop sending before the connection is cut. Closing at once would reset the
 * connection under a client still sending, and a reset discards the answer it had not read
 * yet (curl reported "Send failure: Broken pipe" instead of the 413); a client that reads the
 * answer (curl and so git stop at an error status) goes away well within it.
 */
const LINGER_MS = 2_000;

/**
 * The reply, written but not ended, while what the client still sends is read and dropped;
 * then the connection ends: with the reply once the body has all arrived, cut after LINGER_MS.
 */
async function answerEarly(res: HttpResponse, state: ResState, reply: HttpReply): Promise<void> {
  res.cork(() => {
    writeHead(res, { ...reply, headers: { ...reply.headers, connection: 'close' } });
    if (reply.body !== undefined && reply.body.length > 0) res.write(reply.body);
  });
  let timer: NodeJS.Timeout | undefined;
  const cut = await Promise.race([
    state.body!.whenReceived().then(() => false),
    new Promise<boolean>((r) => (timer = setTimeout(r, LINGER_MS, true))),
  ]);
  clearTimeout(timer);
  if (state.aborted) return;
  // not end('', true): uWS (20.30) then writes a "Connection: close" header into the chunked
  // body already under way. The reply said `connection: close`; the client closes, and uWS's
  // idle timeout closes for one that does not
  if (cut) res.close();
  else res.cork(() => res.end(''));
}

async function send(res: HttpResponse, state: ResState, reply: HttpReply): Promise<void> {
  if (state.aborted) return;
  if (!reply.stream) {
    if (unread(state) && reply.status !== 304 && reply.status !== 204) return answerEarly(res, state, reply);
    res.cork(() => writeWhole(res, reply, unread(state)));
    return;
  }
  let headWritten = false;
  // one writable handler for the whole reply, set before the first write: a handler set after
  // a write that reported back-pressure can miss the drain (seen: clones stalled for good)
  let wake: ((drained: boolean) => void) | null = null;
  res.onWritable(() => {
    const w = wake;
    wake = null;
    w?.(true);
    return true;
  });
  const chunks = reply.stream[Symbol.asyncIterator]();
  state.onAbort = () => {
    const w = wake;
    wake = null;
    w?.(true);
    // a producer waiting for something to send (a watch between events) hears of it now, not
    // when its next chunk finds the connection gone
    void chunks.return?.()?.catch(() => undefined);
  };
  // bytes written since the event loop last ran: a producer and a socket that both keep up
  // would otherwise hold every other connection until the whole reply is out
  let slice = 0;
  // as a for-await would: a reply left early (the client went, a write failed) ends its producer
  let finished = false;
  try {
    for (;;) {
      const next = await chunks.next();
      if (next.done) {
        finished = true;
        break;
      }
      const chunk = next.value;
      if (state.aborted) return;
      slice += chunk.length;
      if (slice >= YIELD_BYTES) {
        slice = 0;
        await new Promise<void>((r) => setImmediate(r));
        if (state.aborted) return;
      }
      let ok = true;
      res.cork(() => {
        if (!headWritten) {
          writeHead(res, reply);
          headWritten = true;
        }
        ok = res.write(chunk);
      });
      if (!ok && !state.aborted) {
        // a client that stops reading for WRITE_STALL_MS loses its connection, so a stalled
        // reader cannot pin a streaming reply (and what it holds) forever
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            wake = null;
            resolve(false);
          }, WRITE_STALL_MS);
          wake = (d) => {
            clearTimeout(timer);
            resolve(d);
          };
        });
        if (!drained && !state.aborted) {
          res.close();
          return;
        }
      }
    }
  } catch {
    // the reply is already under way: all we can do is cut the connection so the client sees it fail
    if (!state.aborted) res.close();
    return;
  } finally {
    if (!finished) void chunks.return?.()?.catch(() => undefined);
  }
  if (state.aborted) return;
  res.cork(() => {
    if (!headWritten) writeHead(res, reply);
    res.end('', unread(state));
  });
}

interface ResState {
  aborted: boolean;
  onAbort?: () => void;
  body?: RequestBody;
}

export interface ListenOptions {
  /** the largest request body any route takes: larger ones are refused before a route asks */
  maxBodyBytes?: number;
}

/** The Content-Length a client declared, when it is a plain decimal number. */
function declaredLength(v: string): number | null {
  return /^\d{1,15}$/.test(v) ? Number(v) : null;
}

export interface Listening {
  port: number;
  close(): void;
}

function remoteAddress(res: HttpResponse): string {
  return Buffer.from(res.getRemoteAddressAsText()).toString();
}

export function listen(host: string, port: number, handler: AppHandler, fast?: FastHandler, opts: ListenOptions = {}): Promise<Listening> {
  const app: TemplatedApp = uWS.App();
  app.any('/*', (res, req) => {
    if (fast) {
      const reply = fast({
        method: req.getMethod(),
        url: req.getUrl(),
        query: req.getQuery() ?? '',
        header: (name) => req.getHeader(nameBytes(name)),
        ip: () => remoteAddress(res),
      });
      if (reply) {
        res.cork(() => writeWhole(res, reply));
        return;
      }
    }
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = v;
    });
    const body = new RequestBody(opts.maxBodyBytes, declaredLength(headers['content-length'] ?? ''));
    const state: ResState = { aborted: false, body };
    const request: HttpRequest = {
      method: req.getMethod().toUpperCase(),
      path: req.getUrl(),
      query: req.getQuery() ?? '',
      headers,
      ip: '',
      body,
    };
    // read lazily: most requests never ask (the response object lives until it is ended)
    let ip: string | undefined;
    Object.defineProperty(request, 'ip', {
      get: () => (ip ??= state.aborted ? '' : remoteAddress(res)),
    });
    res.onAborted(() => {
      state.aborted = true;
      body.abort();
      state.onAbort?.();
    });
    if (request.method === 'GET' || request.method === 'HEAD') body.push(new ArrayBuffer(0), true);
    else res.onData((chunk, last) => body.push(chunk, last));
    handler(request)
      .then((reply) => send(res, state, reply))
      .catch(() => {
        if (!state.aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end('{"error":"internal error","code":"INTERNAL_ERROR"}', unread(state)));
      })
      .finally(() => body.dispose());
  });
  return new Promise((resolve, reject) => {
    // exclusive: uWS shares ports (SO_REUSEPORT) by default, and a second gitwell on the same
    // port would silently take half of the connections
    const listenWith = app.listen as unknown as (h: string, p: number, opts: number, cb: (s: us_listen_socket | false) => void) => void;
    listenWith.call(app, host, port, (uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number }).LIBUS_LISTEN_EXCLUSIVE_PORT, (sock: us_listen_socket | false) => {
      if (!sock) return reject(new Error(`cannot listen on ${host}:${port}`));
      resolve({
        port: uWS.us_socket_local_port(sock),
        close: () => uWS.us_listen_socket_close(sock),
      });
    });
  });
}
