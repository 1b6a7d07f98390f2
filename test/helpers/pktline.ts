// A small, independent pkt-line codec for raw protocol tests (deliberately not the server's):
//
//   pkt-line = 4 hex digits of total length (counting themselves) + payload
//   "0000" flush, "0001" delim, "0002" response-end
//   side-band(-64k): the first payload byte is the channel — 1 data, 2 progress, 3 fatal error
//
// and the report-status grammar of receive-pack:
//
//   report-status = "unpack " ("ok" / reason) LF, then per ref: "ok " ref LF / "ng " ref " " reason LF
export type Pkt =
  | { kind: 'data'; payload: Buffer }
  | { kind: 'flush' }
  | { kind: 'delim' }
  | { kind: 'end' };

export const FLUSH = Buffer.from('0000', 'latin1');

export function pkt(payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (body.length + 4 > 0xffff) throw new Error(`pkt-line too long: ${body.length}`);
  return Buffer.concat([Buffer.from((body.length + 4).toString(16).padStart(4, '0'), 'latin1'), body]);
}

/** Decodes a whole buffer of pkt-lines; throws on a malformed length, stops at the end. */
export function decodePkts(buf: Buffer): { pkts: Pkt[]; rest: Buffer } {
  const pkts: Pkt[] = [];
  let off = 0;
  while (off + 4 <= buf.length) {
    const hex = buf.toString('latin1', off, off + 4);
    if (!/^[0-9a-f]{4}$/i.test(hex)) break; // not a pkt-line any more (e.g. raw pack data)
    const len = parseInt(hex, 16);
    if (len === 0) pkts.push({ kind: 'flush' });
    else if (len === 1) pkts.push({ kind: 'delim' });
    else if (len === 2) pkts.push({ kind: 'end' });
    else if (len < 4 || off + len > buf.length) throw new Error(`bad pkt-line length ${len} at ${off}`);
    else pkts.push({ kind: 'data', payload: buf.subarray(off + 4, off + len) });
    off += len < 4 ? 4 : len;
  }
  return { pkts, rest: buf.subarray(off) };
}

/** Payloads of data packets as text lines, without the trailing LF. */
export function pktLines(pkts: Pkt[]): string[] {
  return pkts
    .filter((p): p is { kind: 'data'; payload: Buffer } => p.kind === 'data')
    .map((p) => p.payload.toString('utf8').replace(/\n$/, ''));
}

export interface Demuxed {
  /** channel 1 concatenated */
  data: Buffer;
  /** channel 2 text */
  progress: string;
  /** channel 3 text */
  error: string;
}

/** Splits side-band packets into their channels (flush/delim packets are skipped). */
export function demux(pkts: Pkt[]): Demuxed {
  const data: Buffer[] = [];
  let progress = '';
  let error = '';
  for (const p of pkts) {
    if (p.kind !== 'data' || p.payload.length === 0) continue;
    const ch = p.payload[0];
    const body = p.payload.subarray(1);
    if (ch === 1) data.push(body);
    else if (ch === 2) progress += body.toString('utf8');
    else if (ch === 3) error += body.toString('utf8');
    else throw new Error(`bad side-band channel ${ch}`);
  }
  return { data: Buffer.concat(data), progress, error };
}

export interface ReportStatus {
  /** "ok", or the reason after "unpack " */
  unpack: string | undefined;
  /** ref → "ok" or the ng reason */
  refs: Map<string, string>;
  /** every report line, for failure messages */
  lines: string[];
}

/** Parses report-status from a receive-pack response body, side-banded or not. */
export function parseReportStatus(body: Buffer): ReportStatus & { progress: string; error: string } {
  const { pkts } = decodePkts(body);
  let inner: Pkt[] = pkts;
  let progress = '';
  let error = '';
  const first = pkts.find((p) => p.kind === 'data') as { kind: 'data'; payload: Buffer } | undefined;
  if (first && first.payload.length > 0 && first.payload[0]! <= 3) {
    const d = demux(pkts);
    progress = d.progress;
    error = d.error;
    inner = decodePkts(d.data).pkts;
  }
  const reportLines = pktLines(inner);
  let unpack: string | undefined;
  const refs = new Map<string, string>();
  for (const l of reportLines) {
    if (l.startsWith('unpack ')) unpack = l.slice(7);
    else if (l.startsWith('ok ')) refs.set(l.slice(3), 'ok');
    else if (l.startsWith('ng ')) {
      const rest = l.slice(3);
      const sp = rest.indexOf(' ');
      refs.set(sp < 0 ? rest : rest.slice(0, sp), sp < 0 ? '' : rest.slice(sp + 1));
    }
  }
  return { unpack, refs, lines: reportLines, progress, error };
}

/** "ok", "ng <reason>", or undefined when the report does not mention `ref` (names may hold spaces). */
export function refStatus(report: ReportStatus, ref: string): string | undefined {
  for (const l of report.lines) {
    if (l === `ok ${ref}`) return 'ok';
    if (l.startsWith(`ng ${ref} `) || l === `ng ${ref}`) return 'ng ' + l.slice(4 + ref.length);
  }
  return undefined;
}
