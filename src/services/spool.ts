/**
 * Request bodies that can be large (pushed packs) are spooled to a temp file and read back
 * through a window, so memory holds a window and not the whole pack.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PackSource } from '../core/pack/indexer.js';

/** Bytes read ahead when the reads move forward through the file (pass 1 of ingest). */
const READ_AHEAD = 1024 * 1024;
/** A window grown past this for one large read is given back at the next small one. */
const KEEP_WINDOW = 4 * 1024 * 1024;

/**
 * Reads through one reused window, as git reads a pack with pread into a fixed buffer: a read
 * that continues where the window ends reads ahead, any other read fetches just what it asks
 * for. The view a read returns is valid until the next read on this source: callers consume
 * it (inflate it, copy it) before reading again. Nothing is allocated per read, so a pack of
 * any size costs a window, not garbage.
 */
export class FileSource implements PackSource {
  readonly size: number;
  private buf: Buffer = Buffer.allocUnsafe(READ_AHEAD);
  private winStart = 0;
  private winLen = 0;

  constructor(private readonly fd: number, private readonly base = 0, size?: number) {
    this.size = size ?? fs.fstatSync(fd).size - base;
  }

  /** The same file seen from `offset` on: the pack after the pkt-line commands. */
  slice(offset: number): FileSource {
    return new FileSource(this.fd, this.base + offset, this.size - offset);
  }

  read(offset: number, min: number, want = min): Buffer {
    const need = Math.min(Math.max(min, want), this.size - offset);
    if (offset >= this.winStart && offset + need <= this.winStart + this.winLen) {
      return this.buf.subarray(offset - this.winStart, this.winLen);
    }
    const forward = offset >= this.winStart && offset <= this.winStart + this.winLen;
    const len = Math.min(forward ? Math.max(need, READ_AHEAD) : need, this.size - offset);
    if (len > this.buf.length || (this.buf.length > KEEP_WINDOW && len <= READ_AHEAD)) {
      this.buf = Buffer.allocUnsafe(Math.max(len, READ_AHEAD));
    }
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, this.buf, got, len - got, this.base + offset + got);
      if (n === 0) break;
      got += n;
    }
    this.winStart = offset;
    this.winLen = got;
    return this.buf.subarray(0, got);
  }
}

export function tempPath(prefix: string): string {
  return path.join(os.tmpdir(), `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
}

/** Writes chunks to a temp file as they arrive; `done()` returns the path. */
export class Spool {
  readonly path = tempPath('gitwell-spool');
  private readonly fd = fs.openSync(this.path, 'w+', 0o600);
  size = 0;

  write(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) off += fs.writeSync(this.fd, chunk, off, chunk.length - off);
    this.size += chunk.length;
  }

  source(): FileSource {
    return new FileSource(this.fd, 0, this.size);
  }

  dispose(): void {
    try {
      fs.closeSync(this.fd);
    } catch {}
    fs.rm(this.path, { force: true }, () => {});
  }
}

/** Removes spool files left by processes that died mid-push (kill -9, power cut). */
export function removeDeadSpools(alive: (pid: number) => boolean): void {
  const dir = os.tmpdir();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const f of names) {
    const m = /^gitwell-spool-(\d+)-/.exec(f);
    if (m && !alive(Number(m[1]))) fs.rmSync(path.join(dir, f), { force: true });
  }
}
