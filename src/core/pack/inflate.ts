/**
 * Inflating pack entries: one zlib stream of known inflated size at a time, straight into a
 * buffer the caller owns.
 *
 * `zlib.inflateSync` builds a stream object and a zlib context for every call and copies its
 * output chunks together; over a pack of 65k mostly tiny entries that set-up costs more than
 * the inflating. Here one context is made once and reset (inflateReset) between entries,
 * through the write call Node's own zlib streams use (`_handle.writeSync`). Where that
 * internal is missing (another runtime), the public `inflateSync` does the same work.
 */
import zlib from 'node:zlib';

/** Why an entry's stream did not inflate to its declared size. */
export type InflateFault = 'too-long' | 'too-short' | 'corrupt';

export class InflateError extends Error {
  constructor(readonly fault: InflateFault) {
    super(fault === 'too-long' ? 'inflates past its declared size' : fault === 'too-short' ? 'inflates to less than its declared size' : 'has a corrupt or truncated zlib stream');
  }
}

interface ZlibHandle {
  reset(): void;
  close(): void;
  writeSync(flush: number, input: Uint8Array, inOff: number, inLen: number, out: Uint8Array, outOff: number, outLen: number): void;
  onerror: (message: string, errno: number) => void;
}

const { Z_FINISH } = zlib.constants;

export class Inflater {
  private handle: ZlibHandle | null = null;
  /** [avail_out, avail_in] after a write, filled in by the handle */
  private state: Uint32Array | null = null;
  private failed = false;

  private open(): ZlibHandle | null {
    const engine = new zlib.Inflate() as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    const handle = engine._handle;
    if (!handle || typeof handle.writeSync !== 'function' || !(engine._writeState instanceof Uint32Array)) return null;
    handle.onerror = () => {
      this.failed = true;
    };
    this.state = engine._writeState;
    return handle;
  }

  /**
   * Inflates the zlib stream at the start of `input` into `out[at, at + size)`; `out` must have
   * one spare byte past that (at + size < out.length), which is how an over-long stream is
   * caught. Returns the bytes of `input` the stream took. Throws InflateError when the stream
   * is corrupt, does not end inside `input`, or inflates to any size but `size`.
   */
  inflateInto(input: Uint8Array, out: Uint8Array, at: number, size: number): number {
    const room = size + 1;
    if (at + room > out.length) throw new RangeError('Inflater: output needs one spare byte');
    if (this.handle === null) this.handle = this.open();
    const handle = this.handle;
    if (handle === null) return this.publicInflate(input, out, at, size);
    handle.reset();
    this.failed = false;
    handle.writeSync(Z_FINISH, input, 0, input.length, out, at, room);
    if (this.failed) {
      // a context that saw an error is not trusted again
      handle.close();
      this.handle = null;
      throw new InflateError('corrupt');
    }
    const [availOut, availIn] = this.state!;
    // with Z_FINISH, a call that leaves output room has reached the end of the stream
    // (anything else is reported as an error above)
    if (availOut === 0) throw new InflateError('too-long');
    if (availOut !== 1) throw new InflateError('too-short');
    return input.length - availIn;
  }

  private publicInflate(input: Uint8Array, out: Uint8Array, at: number, size: number): number {
    let r: { buffer: Buffer; engine: { bytesWritten: number } };
    try {
      r = zlib.inflateSync(input, { info: true, maxOutputLength: size + 1, chunkSize: Math.max(64, size + 1) }) as unknown as typeof r;
    } catch (e) {
      throw new InflateError(e instanceof RangeError ? 'too-long' : 'corrupt');
    }
    if (r.buffer.length > size) throw new InflateError('too-long');
    if (r.buffer.length < size) throw new InflateError('too-short');
    out.set(r.buffer, at);
    return r.engine.bytesWritten;
  }
}
