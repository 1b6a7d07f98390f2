// The peer: stock `git http-backend` run as CGI behind node:http, for a directory of
// bare repos. RFC 3875 in brief: request metadata goes in environment variables, the
// body on stdin; the script writes header lines ("Status: 404 Not Found",
// "Content-Type: …"), an empty line, then the body, which is streamed back as is.
//
//   node dist/bench/cgi-bridge.js <dir-of-bare-repos>   → prints {"url": …} and serves until killed
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gitEnv, isMain } from './lib/env.js';
import { TreeRss } from './lib/tree-rss.js';

export interface Bridge {
  url: string;
  port: number;
  /** The largest total RSS of http-backend and its git children since the last call, KiB. */
  takePeakKb(): number;
  close(): Promise<void>;
}

const REQUEST_LIMIT_MS = 600_000;
const HEADER_LIMIT = 64 * 1024;

export async function startBridge(projectRoot: string): Promise<Bridge> {
  const baseEnv = gitEnv({ GIT_PROJECT_ROOT: projectRoot, GIT_HTTP_EXPORT_ALL: '1' });
  const rss = new TreeRss();
  const server = http.createServer((req, res) => serveCgi(baseEnv, req, res, rss));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    takePeakKb: () => rss.reset(),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function serveCgi(baseEnv: NodeJS.ProcessEnv, req: http.IncomingMessage, res: http.ServerResponse, rss: TreeRss): void {
  const url = new URL(req.url ?? '/', 'http://bridge');
  const pathInfo = decodeURIComponent(url.pathname);
  if (pathInfo.split('/').includes('..')) { res.writeHead(400).end(); return; }
  const env: NodeJS.ProcessEnv = {
    ...baseEnv,
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: pathInfo,
    QUERY_STRING: url.search.slice(1),
    REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
    REMOTE_USER: basicUser(req.headers.authorization) ?? 'bench',
  };
  const h = req.headers;
  if (h['content-type']) env.CONTENT_TYPE = h['content-type'];
  if (h['content-length']) env.CONTENT_LENGTH = h['content-length'];
  if (h['git-protocol']) env.HTTP_GIT_PROTOCOL = String(h['git-protocol']);
  if (h['content-encoding']) env.HTTP_CONTENT_ENCODING = h['content-encoding'];

  const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  rss.add(cgi.pid);
  const timer = setTimeout(() => cgi.kill('SIGKILL'), REQUEST_LIMIT_MS);
  let stderr = '';
  cgi.stderr.setEncoding('utf8').on('data', (s: string) => { if (stderr.length < 16_384) stderr += s; });
  cgi.stdin.on('error', () => { /* backend finished without reading the whole body */ });
  req.pipe(cgi.stdin);
  req.on('error', () => cgi.kill('SIGKILL'));
  res.on('close', () => { if (!res.writableFinished && cgi.exitCode === null) cgi.kill('SIGKILL'); });

  let head = Buffer.alloc(0);
  let headersSent = false;
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const end = headerEnd(head);
    if (end === null) {
      if (head.length > HEADER_LIMIT) { cgi.kill('SIGKILL'); fail(res, 502); }
      return;
    }
    cgi.stdout.off('data', onData);
    headersSent = true;
    const { status, headers } = parseCgiHeaders(head.subarray(0, end.at).toString('latin1'));
    res.writeHead(status, headers);
    res.write(head.subarray(end.at + end.len));
    cgi.stdout.pipe(res);
  };
  cgi.stdout.on('data', onData);
  cgi.on('error', () => fail(res, 502));
  cgi.on('close', (code) => {
    clearTimeout(timer);
    rss.remove(cgi.pid);
    if (!headersSent) fail(res, 502);
    if (code !== 0 && process.env.GITWELL_BENCH_DEBUG) console.error(`http-backend ${pathInfo}: exit ${code}\n${stderr}`);
  });
}

function headerEnd(buf: Buffer): { at: number; len: number } | null {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, len: 4 };
  return lf >= 0 ? { at: lf, len: 2 } : null;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers[name] = value;
  }
  return { status, headers };
}

function basicUser(auth: string | undefined): string | undefined {
  if (!auth?.startsWith('Basic ')) return undefined;
  const user = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':')[0];
  return user || undefined;
}

function fail(res: http.ServerResponse, status: number): void {
  if (!res.headersSent) res.writeHead(status).end();
  else res.destroy();
}

if (isMain(import.meta.url)) {
  const root = process.argv[2];
  if (!root) throw new Error('usage: node dist/bench/cgi-bridge.js <dir-of-bare-repos>');
  const bridge = await startBridge(root);
  console.log(JSON.stringify({ url: bridge.url, port: bridge.port }));
}
