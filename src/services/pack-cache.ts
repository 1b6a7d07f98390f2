/**
 * Packs of whole clones, kept on disk. What a set of wants reaches is fixed by content
 * addressing, so a pack made for (repo, wants, filter) once is right for every later clone
 * with the same wants: read-heavy repos serve their clones from a file instead of walking
 * and packing again. Files are written under a temp name and renamed when complete; the
 * oldest-used files go when the cache passes its byte budget.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const CHUNK = 256 * 1024;

export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CacheWriter {
  write(chunk: Buffer): void;
  commit(): void;
  abort(): void;
}

export class PackCache {
  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
  ) {
    fs.mkdirSync(dir, { recursive: true });
    // half-written packs of processes that died mid-clone
    for (const f of fs.readdirSync(dir)) {
      const m = /\.(\d+)\.\w+\.tmp$/.exec(f);
      if (m && !processAlive(Number(m[1]))) fs.rmSync(path.join(dir, f), { force: true });
    }
  }

  static key(parts: string[]): string {
    return createHash('sha1').update(parts.join('\n')).digest('hex');
  }

  private file(key: string): string {
    return path.join(this.dir, `${key}.pack`);
  }

  /** A cached pack: its object count and its bytes in chunks; null when not cached. */
  open(key: string): { count: number; chunks: AsyncIterable<Buffer> } | null {
    const file = this.file(key);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return null;
    }
    const head = Buffer.alloc(12);
    if (fs.readSync(fd, head, 0, 12, 0) !== 12 || head.toString('latin1', 0, 4) !== 'PACK') {
      fs.closeSync(fd);
      return null;
    }
    const now = new Date();
    fs.utimes(file, now, now, () => {});
    async function* chunks(): AsyncGenerator<Buffer> {
      try {
        for (let pos = 0; ; ) {
          const buf = Buffer.allocUnsafe(CHUNK);
          const n = fs.readSync(fd, buf, 0, CHUNK, pos);
          if (n === 0) return;
          pos += n;
          yield n === CHUNK ? buf : buf.subarray(0, n);
        }
      } finally {
        fs.closeSync(fd);
      }
    }
    return { count: head.readUInt32BE(8), chunks: chunks() };
  }

  create(key: string): CacheWriter {
    const final = this.file(key);
    const tmp = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    let closed = false;
    const close = () => {
      if (!closed) fs.closeSync(fd);
      closed = true;
    };
    return {
      write: (chunk) => {
        fs.writeSync(fd, chunk);
      },
      commit: () => {
        // on disk before it has its name: a power cut must not leave a short pack to serve
        fs.fsyncSync(fd);
        close();
        fs.renameSync(tmp, final);
        this.evict();
      },
      abort: () => {
        close();
        fs.rm(tmp, { force: true }, () => {});
      },
    };
  }

  private evict(): void {
    const files = fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith('.pack'))
      .map((f) => {
        const st = fs.statSync(path.join(this.dir, f), { throwIfNoEntry: false });
        return st ? { f, size: st.size, used: st.mtimeMs } : null;
      })
      .filter((x): x is { f: string; size: number; used: number } => x !== null)
      .sort((a, b) => a.used - b.used);
    let total = files.reduce((n, x) => n + x.size, 0);
    // the newest (the one just added) stays even if it alone is over budget
    for (const x of files.slice(0, -1)) {
      if (total <= this.maxBytes) break;
      fs.rmSync(path.join(this.dir, x.f), { force: true });
      total -= x.size;
    }
  }
}
