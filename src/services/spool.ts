/**
 * Request bodies that can be large (pushed packs) are spooled to a temp file and read back
 * through a window, so memory holds a window and not the whole pack.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PackSource } from '../core/pack/indexer.js';

const WINDOW = 8 * 1024 * 1024;

/** Reads through a window; a window is never written again once read, so views of it stay valid. */
export class FileSource implements PackSource {
  readonly size: number;
  private win: Buffer = Buffer.alloc(0);
  private winStart = 0;

  constructor(private readonly fd: number, private readonly base = 0, size?: number) {
    this.size = size ?? fs.fstatSync(fd).size - base;
  }

  /** The same file seen from `offset` on: the pack after the pkt-line commands. */
  slice(offset: number): FileSource {
    return new FileSource(this.fd, this.base + offset, this.size - offset);
  }

  read(offset: number, min: number, want = min): Buffer {
    const need = Math.min(Math.max(min, want), this.size - offset);
    if (offset >= this.winStart && offset + need <= this.winStart + this.win.length) {
      return this.win.subarray(offset - this.winStart);
    }
    const len = Math.min(Math.max(need, WINDOW), this.size - offset);
    const buf = Buffer.allocUnsafe(len);
    let got = 0;
    while (got < len) {
      const n = fs.readSync(this.fd, buf, got, len - got, this.base + offset + got);
      if (n === 0) break;
      got += n;
    }
    this.win = buf.subarray(0, got);
    this.winStart = offset;
    return this.win;
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
