/**
 * A request body as it arrives: in memory, spilling to a temp file past MEMORY_LIMIT. It has
 * no notion of sockets (http/uws.ts feeds it), so its limits are tested without a server.
 *
 * A body over its limit is refused the moment the limit is known to be crossed: by the
 * declared Content-Length as soon as the consumer states its limit, else by the byte that
 * crosses it. The consumer hears BodyTooLarge at once (it does not wait for a body it will
 * never read), the temp file is removed, and the rest of what the client sends is dropped
 * until the front end closes the connection after the answer.
 */
import { Spool } from '../services/spool.js';

const MEMORY_LIMIT = 1024 * 1024;
/** Bytes of a spooled body also kept in memory (see RequestBody.head). */
const HEAD_BYTES = 64 * 1024;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

/** The body could not be written to its temp file (`cause`: the fs error); `head`: its first bytes. */
export class SpoolFailed extends Error {
  constructor(
    override readonly cause: unknown,
    readonly head: Buffer,
  ) {
    super('the request body could not be written to a temp file');
  }
}

/**
 * Collects the request body as it arrives; past MEMORY_LIMIT it goes to a temp file. When the
 * temp file cannot be written (a full disk), the rest of the body is read and dropped, and the
 * consumer gets SpoolFailed.
 */
export class RequestBody {
  private chunks: Buffer[] = [];
  private spool: Spool | null = null;
  /**
   * The body's first bytes, kept when it is spooled: a consumer whose spool failed can still
   * answer in the body's own protocol (a push's command list comes first).
   */
  private head: Buffer | null = null;
  size = 0;
  /** every byte has arrived (or the body was refused, or the client went away) */
  private finished = false;
  /** the last byte has arrived: the connection may carry another request */
  received = false;
  private failed: Error | null = null;
  private waiters: Array<() => void> = [];
  private maxBytes: number;
  tooLarge = false;
  private disposed = false;

  /**
   * `maxBytes`: the front end's bound for any body, before a consumer states its own.
   * `declared`: the Content-Length the client sent, when it sent one.
   */
  constructor(maxBytes = Infinity, readonly declared: number | null = null) {
    this.maxBytes = maxBytes;
    if (declared !== null && declared > maxBytes) this.refuse();
  }

  private onReceived: (() => void) | null = null;

  /** Resolves when the last byte has arrived (at once if it has), or the client went away. */
  whenReceived(): Promise<void> {
    if (this.received) return Promise.resolve();
    return new Promise((r) => (this.onReceived = r));
  }

  push(chunk: ArrayBuffer, last: boolean): void {
    if (last) {
      this.received = true;
      this.onReceived?.();
    }
    if (this.tooLarge || this.disposed) return;
    this.size += chunk.byteLength;
    if (this.size > this.maxBytes) return this.refuse();
    if (this.failed) {
      // the spool failed: the rest is read (the client is still sending) and dropped
    } else if (this.spool) {
      this.toSpool(new Uint8Array(chunk));
    } else {
      this.chunks.push(Buffer.from(chunk.slice(0)));
      if (this.size > MEMORY_LIMIT) this.startSpool();
    }
    if (last) this.settle();
  }

  /** Lowers the limit; a body already known to be over it is refused now. */
  private limit(bytes: number): void {
    if (bytes < this.maxBytes) this.maxBytes = bytes;
    if (!this.tooLarge && (this.size > this.maxBytes || (this.declared !== null && this.declared > this.maxBytes))) this.refuse();
  }

  /** Over the limit: nothing more is kept, and whoever waits for the body hears it now. */
  private refuse(): void {
    this.tooLarge = true;
    this.chunks = [];
    this.spool?.dispose();
    this.spool = null;
    this.settle();
  }

  /** Moves what is in memory to a new temp file. */
  private startSpool(): void {
    this.head = Buffer.concat(this.chunks, Math.min(HEAD_BYTES, this.size));
    const chunks = this.chunks;
    this.chunks = [];
    try {
      this.spool = new Spool();
      for (const c of chunks) this.spool.write(c);
    } catch (e) {
      this.spoolFailed(e);
    }
  }

  private toSpool(chunk: Uint8Array): void {
    try {
      this.spool!.write(chunk);
    } catch (e) {
      this.spoolFailed(e);
    }
  }

  private spoolFailed(cause: unknown): void {
    this.failed = new SpoolFailed(cause, this.head ?? Buffer.alloc(0));
    this.spool?.dispose();
    this.spool = null;
  }

  abort(): void {
    this.failed = new Error('client went away');
    this.settle();
    this.onReceived?.();
  }

  private settle(): void {
    this.finished = true;
    for (const w of this.waiters.splice(0)) w();
  }

  private async complete(limit: number): Promise<void> {
    this.limit(limit);
    if (!this.finished) await new Promise<void>((r) => this.waiters.push(r));
    if (this.tooLarge) throw new BodyTooLarge(this.maxBytes);
    if (this.failed) throw this.failed;
  }

  /** The whole body in memory; throws BodyTooLarge past `limit`, as soon as it is known. */
  async buffer(limit: number): Promise<Buffer> {
    await this.complete(limit);
    if (!this.spool) return this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const src = this.spool.source();
    return Buffer.from(src.read(0, this.size));
  }

  /** The whole body as a temp file (the caller disposes it); BodyTooLarge past `limit`. */
  async file(limit: number): Promise<Spool> {
    await this.complete(limit);
    if (!this.spool) this.startSpool();
    if (this.failed) throw this.failed;
    return this.spool!;
  }

  dispose(): void {
    this.disposed = true;
    this.chunks = [];
    this.spool?.dispose();
    this.spool = null;
  }
}
