// Raw smart-HTTP requests, for what the stock git client refuses to send (invalid ref names,
// truncated or corrupted packs, packs with objects left out) and for exact status codes.
//
//   GET  /ORG/SLUG.git/info/refs?service=git-receive-pack
//        → "# service=git-receive-pack\n" pkt, flush, "<oid> <ref>\0<caps>" pkt, "<oid> <ref>" pkts, flush
//   POST /ORG/SLUG.git/git-receive-pack   (application/x-git-receive-pack-request)
//        body: "<old> <new> <ref>\0<caps>" pkt, more command pkts, flush, then the pack
//
// Also a walker that counts the objects of the packs git saw (GIT_TRACE_PACKFILE).
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { FLUSH, decodePkts, parseReportStatus, pkt, pktLines, type ReportStatus } from './pktline.js';

export const ZERO_OID = '0000000000000000000000000000000000000000';

export function basicAuth(key: string, user = 'any'): string {
  return 'Basic ' + Buffer.from(`${user}:${key}`).toString('base64');
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: Buffer;
}

async function send(url: string, init: RequestInit): Promise<RawResponse> {
  const res = await fetch(url, { ...init, redirect: 'manual' });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

export function infoRefs(
  serverUrl: string,
  fullName: string,
  service: 'git-upload-pack' | 'git-receive-pack',
  opts: { key?: string; user?: string; protocolV2?: boolean } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  if (opts.key !== undefined) headers.authorization = basicAuth(opts.key, opts.user);
  if (opts.protocolV2) headers['git-protocol'] = 'version=2';
  return send(`${serverUrl}/${fullName}.git/info/refs?service=${service}`, { headers });
}

export interface Advertisement {
  refs: Map<string, string>;
  caps: string[];
}

/** Parses a v0 info/refs advertisement (after the "# service=" header). */
export function parseAdvertisement(body: Buffer): Advertisement {
  const all = pktLines(decodePkts(body).pkts);
  const refs = new Map<string, string>();
  let caps: string[] = [];
  for (const l of all) {
    if (l.startsWith('# service=')) continue;
    const nul = l.indexOf('\0');
    const head = nul >= 0 ? l.slice(0, nul) : l;
    if (nul >= 0) caps = l.slice(nul + 1).trim().split(' ').filter(Boolean);
    const [oid, ref] = head.split(' ');
    if (oid && ref && ref !== 'capabilities^{}') refs.set(ref, oid);
  }
  return { refs, caps };
}

export interface RefCommand {
  old: string;
  new: string;
  ref: string;
}

export interface ReceivePackResult extends RawResponse {
  report: ReportStatus & { progress: string; error: string };
  /** the body as text, for failure messages */
  text: string;
}

/** POSTs commands and a pack to git-receive-pack and parses the report-status. */
export async function receivePack(
  serverUrl: string,
  fullName: string,
  key: string | undefined,
  commands: RefCommand[],
  pack: Buffer | undefined,
  caps: string[] = ['report-status', 'side-band-64k', 'agent=gitwell-interop-tests'],
): Promise<ReceivePackResult> {
  const parts: Buffer[] = commands.map((c, i) =>
    pkt(`${c.old} ${c.new} ${c.ref}${i === 0 ? '\0' + caps.join(' ') : ''}\n`),
  );
  parts.push(FLUSH);
  if (pack) parts.push(pack);
  const headers: Record<string, string> = {
    'content-type': 'application/x-git-receive-pack-request',
    accept: 'application/x-git-receive-pack-result',
  };
  if (key !== undefined) headers.authorization = basicAuth(key);
  const r = await send(`${serverUrl}/${fullName}.git/git-receive-pack`, {
    method: 'POST',
    headers,
    body: Buffer.concat(parts),
  });
  let report: ReceivePackResult['report'];
  try {
    report = parseReportStatus(r.body);
  } catch {
    report = { unpack: undefined, refs: new Map(), lines: [], progress: '', error: '' };
  }
  return { ...r, report, text: r.body.toString('latin1').replace(/[^\x20-\x7e\n]/g, '.') };
}

/** The 32-byte pack with no objects: what git sends when every command needs no new object. */
export function emptyPack(): Buffer {
  const head = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return Buffer.concat([head, sha1(head)]);
}

export function sha1(buf: Buffer): Buffer {
  return createHash('sha1').update(buf).digest();
}

export interface PackSummary {
  count: number;
  types: Record<string, number>;
  bytes: number;
}

const TYPE_NAMES = ['?', 'commit', 'tree', 'blob', 'tag', '?5', 'ofs-delta', 'ref-delta'];

/**
 * Walks one or more concatenated packs (as written by GIT_TRACE_PACKFILE) and counts their
 * entries: each entry is a type+size varint header, a base reference for deltas, and one
 * zlib stream whose end we find by inflating it.
 */
export function walkPacks(buf: Buffer): PackSummary[] {
  const out: PackSummary[] = [];
  let off = 0;
  while (off < buf.length) {
    const start = off;
    if (buf.toString('latin1', off, off + 4) !== 'PACK') throw new Error(`no PACK signature at ${off}`);
    const count = buf.readUInt32BE(off + 8);
    off += 12;
    const types: Record<string, number> = {};
    for (let i = 0; i < count; i++) {
      let c = buf[off++]!;
      const type = (c >> 4) & 7;
      while (c & 0x80) c = buf[off++]!;
      if (type === 6) {
        do c = buf[off++]!;
        while (c & 0x80);
      } else if (type === 7) off += 20;
      const { engine } = zlib.inflateSync(buf.subarray(off), { info: true }) as unknown as {
        engine: { bytesWritten: number };
      };
      off += engine.bytesWritten;
      const name = TYPE_NAMES[type]!;
      types[name] = (types[name] ?? 0) + 1;
    }
    off += 20; // trailer
    out.push({ count, types, bytes: off - start });
  }
  return out;
}
