// HTTP/1.1 spoken over a bare socket, for what fetch() hides: when the answer's first byte
// came relative to what was sent, whether and when the server closed the connection, and
// requests no well-behaved client sends (HTTP/1.0, 60 headers, a body that never ends).
import net from 'node:net';

export interface RawExchange {
  /** the answer's bytes as received (maybe none) */
  answer: Buffer;
  /** status of the answer's status line, or null */
  status: number | null;
  /** ms from the start to the first answer byte, or null */
  answeredAt: number | null;
  /** body bytes the client had handed to the socket when the first answer byte came */
  sentBeforeAnswer: number;
  /** ms from the start to the first body byte past `mark` being handed to the socket, or null */
  markAt: number | null;
  /** ms from the start to the close of the connection, or null if it was still open at `giveUpMs` */
  closedAt: number | null;
  error: string | null;
}

export interface RawRequestOptions {
  port: number;
  /** the request head, without the final blank line */
  head: string;
  /** body bytes to send, in `chunkBytes` pieces every `everyMs` */
  bodyBytes?: number;
  chunkBytes?: number;
  everyMs?: number;
  /** send the body in chunked transfer coding (the head must say so) */
  chunked?: boolean;
  /** note when the body passes this many bytes (the server's limit) */
  mark?: number;
  /** stop sending once an answer came, and hang up soon after (as curl does); else go on until done or closed */
  stopOnAnswer?: boolean;
  giveUpMs: number;
}

/** Sends one request and watches what comes back. Never throws. */
export function rawRequest(o: RawRequestOptions): Promise<RawExchange> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const ms = () => Math.round(performance.now() - t0);
    const s = net.connect(o.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let answeredAt: number | null = null;
    let sentBeforeAnswer = 0;
    let markAt: number | null = null;
    let closedAt: number | null = null;
    let error: string | null = null;
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      s.destroy();
      const answer = Buffer.concat(chunks);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer.toString('latin1', 0, 32));
      resolve({ answer, status: m ? Number(m[1]) : null, answeredAt, sentBeforeAnswer, markAt, closedAt, error });
    };
    const giveUp = setTimeout(finish, o.giveUpMs);
    s.on('data', (d: Buffer) => {
      if (answeredAt === null) {
        answeredAt = ms();
        sentBeforeAnswer = sent;
        if (o.stopOnAnswer) setTimeout(finish, 200);
      }
      chunks.push(d);
    });
    s.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    s.on('close', () => {
      closedAt = ms();
      finish();
    });
    s.write(`${o.head}\r\n\r\n`);
    const total = o.bodyBytes ?? 0;
    const piece = Buffer.alloc(o.chunkBytes ?? 64 * 1024, 0x61);
    void (async () => {
      while (sent < total && !s.destroyed && !(o.stopOnAnswer && answeredAt !== null)) {
        const n = Math.min(piece.length, total - sent);
        const data = piece.subarray(0, n);
        const ok = s.write(o.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), data, Buffer.from('\r\n')]) : data);
        sent += n;
        if (o.mark !== undefined && markAt === null && sent > o.mark) markAt = ms();
        if (!ok) await new Promise((r) => s.once('drain', r));
        if (o.everyMs) await new Promise((r) => setTimeout(r, o.everyMs));
      }
      if (o.chunked && sent >= total && !s.destroyed) s.write('0\r\n\r\n');
    })();
  });
}
