/**
 * A reply body that is pushed rather than pulled: whoever has something to send `push`es it,
 * the HTTP layer takes it as an AsyncIterable (HttpReply.stream) and writes it with
 * back-pressure. Chunks not yet taken wait in a bounded queue: a reader that falls more than
 * `maxQueued` chunks behind is cut off (`onOverflow`), so it cannot grow the server's memory.
 * Ending the iteration (the client went away) calls `onClose` once, at once.
 */
export class Channel implements AsyncIterableIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private waiter: ((r: IteratorResult<Buffer>) => void) | null = null;
  private ended = false;
  private closed = false;

  constructor(
    private readonly onClose: () => void,
    private readonly maxQueued = 1024,
  ) {}

  /** False once the channel has ended (nothing pushed after that is sent). */
  push(chunk: Buffer): boolean {
    if (this.ended) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: chunk, done: false });
      return true;
    }
    if (this.queue.length >= this.maxQueued) {
      // the reader is not reading: drop it rather than what it has not read yet
      this.end();
      return false;
    }
    this.queue.push(chunk);
    return true;
  }

  /** No more chunks: what is queued is still sent, then the body ends. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.waiter && this.queue.length === 0) {
      const w = this.waiter;
      this.waiter = null;
      w({ value: undefined, done: true });
    }
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk) return Promise.resolve({ value: chunk, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  return(): Promise<IteratorResult<Buffer>> {
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
