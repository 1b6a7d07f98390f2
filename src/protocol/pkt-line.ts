/**
 * pkt-line framing (gitprotocol-common):
 *   pkt-line     = data-pkt / flush-pkt / delim-pkt / response-end-pkt
 *   data-pkt     = pkt-len pkt-payload      ; pkt-len: 4 lowercase hex digits, counts itself
 *   flush-pkt    = "0000"   delim-pkt = "0001"   response-end-pkt = "0002"
 * A data-pkt holds at most 65516 bytes of payload. Side-band frames put the channel in the
 * first payload byte: 1 pack data, 2 progress, 3 fatal error.
 */
import { GitwellError } from '../core/errors.js';

export const MAX_PKT_PAYLOAD = 65516;
export const FLUSH = Buffer.from('0000');
export const DELIM = Buffer.from('0001');

export function pkt(data: string | Uint8Array): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (body.length > MAX_PKT_PAYLOAD) throw new Error(`pkt-line payload too long: ${body.length}`);
  const out = Buffer.allocUnsafe(body.length + 4);
  out.write((body.length + 4).toString(16).padStart(4, '0'), 0, 'latin1');
  out.set(body, 4);
  return out;
}

/** Frames `data` on a side-band channel, split into as many packets as it needs. */
export function sideband(channel: 1 | 2 | 3, data: Uint8Array, maxPayload = 65515): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < data.length; off += maxPayload) {
    const n = Math.min(maxPayload, data.length - off);
    const frame = Buffer.allocUnsafe(n + 5);
    frame.write((n + 5).toString(16).padStart(4, '0'), 0, 'latin1');
    frame[4] = channel;
    frame.set(data.subarray(off, off + n), 5);
    out.push(frame);
  }
  return out;
}

export type Pkt = { kind: 'data'; payload: Buffer } | { kind: 'flush' } | { kind: 'delim' } | { kind: 'end' };

const protocolError = (message: string) => new GitwellError('VALIDATION_ERROR', `protocol error: ${message}`);

/** Reads pkt-lines from a buffer; `offset` is where the next packet starts (the pack after the commands). */
export class PktReader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  get done(): boolean {
    return this.offset >= this.buf.length;
  }

  next(): Pkt | null {
    if (this.offset >= this.buf.length) return null;
    if (this.offset + 4 > this.buf.length) throw protocolError('truncated pkt-line length');
    const hex = this.buf.toString('latin1', this.offset, this.offset + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw protocolError(`bad pkt-line length "${hex.replace(/[^\x20-\x7e]/g, '?')}"`);
    const len = parseInt(hex, 16);
    if (len === 0) return (this.offset += 4), { kind: 'flush' };
    if (len === 1) return (this.offset += 4), { kind: 'delim' };
    if (len === 2) return (this.offset += 4), { kind: 'end' };
    if (len < 4) throw protocolError(`bad pkt-line length ${len}`);
    if (this.offset + len > this.buf.length) throw protocolError('truncated pkt-line');
    const payload = this.buf.subarray(this.offset + 4, this.offset + len);
    this.offset += len;
    return { kind: 'data', payload };
  }
}

export function trimLf(s: string): string {
  return s.endsWith('\n') ? s.slice(0, -1) : s;
}
