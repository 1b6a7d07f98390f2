/**
 * Packs of whole clones, kept on disk. What a set of wants reaches is fixed by content
 * addressing, so a pack made for (repo, wants, filter) once is right for every later clone
 * with the same wants: read-heavy repos serve their clones from a file instead of walking
 * and packing again. Files are written under a temp name and renamed when complete; the
 * oldest-used files go when the cache passes its byte budget.
 *
 * A pack not cached yet is made once however many clients ask for it at the same time (a
 * fleet of CI jobs after a push): the first request starts filling the file, at its own
 * pace rather than any client's, and every request, the first too, streams the file as it
 * grows. A client that goes away stops only its own stream.
 *
 * The cache is an extra, the store is not: on a nearly full disk no fill starts (clones are
 * packed for their own client, as without a cache), and a fill the disk has no room for
 * fails its readers with INSUFFICIENT_STORAGE and stops the cache from filling for a while.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { freeBytes } from '../../storage/index.js';
import { diskFullCode, insufficientStorage } from '../core/errors.js';

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

/**
 * A pack being made: its bytes go to a temp file, which readers follow as it grows. When the
 * last reader has gone before the end, the fill is abandoned: nobody waits for it. A reader
 * counts from the moment it is handed out, so one whose client left before it was first read
 * keeps the fill going: the pack is then finished and cached, bounded work of use to the next
 * clone.
 */
class Filling {
  written = 0;
  done = false;
  error: Error | null = null;
  readers = 0;
  abandoned = false;
  private waiters: Array<() => void> = [];

  constructor(
    readonly tmp: string,
    /** the name the file gets once complete */
    readonly final: string,
    readonly count: number,
  ) {}

  /** Wakes every reader waiting for more bytes (or for the end). */
  notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private next(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The file under its temp name, or, once the fill is complete, under its final one. */
  private openFile(): number {
    try {
      return fs.openSync(this.tmp, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !this.done || this.error) throw e;
      return fs.openSync(this.final, 'r');
    }
  }

  /** The pack from its first byte: what is written so far, then the rest as it comes. */
  follow(): AsyncGenerator<Buffer> {
    this.readers++;
    this.abandoned = false;
    return this.stream();
  }

  private async *stream(): AsyncGenerator<Buffer> {
    let fd = -1;
    try {
      fd = this.openFile();
      for (let pos = 0; ; ) {
        if (this.error) throw this.error;
        if (pos < this.written) {
          const want = Math.min(CHUNK, this.written - pos);
          const buf = Buffer.allocUnsafe(want);
          const n = fs.readSync(fd, buf, 0, want, pos);
          if (n === 0) throw new Error('pack cache: the file being filled came up short');
          pos += n;
          yield n === want ? buf : buf.subarray(0, n);
        } else if (this.done) return;
        else await this.next();
      }
    } finally {
      if (fd >= 0) fs.closeSync(fd);
      if (--this.readers === 0 && !this.done) this.abandoned = true;
    }
  }
}

/** What a fill is made from: the pack's object count and its bytes; `keep: false` serves them without caching. */
export interface PackSourceForCache {
  count: number;
  bytes: AsyncIterable<Buffer>;
  keep: boolean;
}

/** Bytes written between two turns of the event loop while filling (others get to run). */
const FILL_SLICE_BYTES = 256 * 1024;
/**
 * Fills under way at once. Past it a clone is packed for its own client alone, at its pace,
 * as if there were no cache: many different clones at once cannot set off unbounded work
 * that outlives their clients.
 */
const MAX_FILLS = 4;
/** No fill starts with less free on the cache's disk: the store needs the room more. */
const MIN_FREE_BYTES = 64 * 1024 * 1024;
/** After a fill found the disk full, no fill starts for this long. */
const FULL_PAUSE_MS = 60_000;

export class PackCache {
  /** fills under way (or being planned), by key: null once planned when the pack is not kept */
  private readonly filling = new Map<string, Promise<Filling | null>>();
  /** no fill starts before this time (ms): the disk was found full */
  private pausedUntil = 0;

  constructor(
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly minFreeBytes = MIN_FREE_BYTES,
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

  /**
   * The pack for `key` from the cache, or from a fill already under way, or from a new fill of
   * `make()` (called only then). Every caller gets its own stream from the first byte. null:
   * `make()` said not to keep the pack (it is small), and this caller, which did not make it,
   * should make its own.
   */
  async share(key: string, make: () => Promise<PackSourceForCache>): Promise<{ count: number; chunks: AsyncIterable<Buffer> } | null> {
    const hit = this.open(key);
    if (hit) return hit;
    const under = this.filling.get(key);
    if (under) {
      const f = await under;
      return f ? { count: f.count, chunks: f.follow() } : null;
    }
    if (this.filling.size >= MAX_FILLS || !this.hasRoom()) {
      const src = await make();
      return { count: src.count, chunks: src.bytes };
    }
    let mine: PackSourceForCache | null = null;
    const started = this.startFill(key, make, (src) => (mine = src));
    let f: Filling | null;
    try {
      f = await started;
    } catch (e) {
      this.filling.delete(key);
      throw e;
    }
    if (!f) {
      this.filling.delete(key);
      const src = mine as PackSourceForCache | null;
      return src && { count: src.count, chunks: src.bytes };
    }
    return { count: f.count, chunks: f.follow() };
  }

  /**
   * Starts filling `key` with nobody waiting for it yet: a clone is expected soon (the repo
   * changed, and its clones were asked for lately). Nothing happens when the pack is cached,
   * being filled, or the cache is busy or out of room. A clone that comes meanwhile follows
   * the fill, as it would one another clone started.
   */
  warm(key: string, make: () => Promise<PackSourceForCache>): void {
    if (this.filling.has(key) || this.filling.size >= MAX_FILLS || !this.hasRoom() || fs.existsSync(this.file(key))) return;
    const started = this.startFill(key, make, () => {});
    started.then(
      (f) => {
        if (!f) this.filling.delete(key);
      },
      (e: unknown) => {
        this.filling.delete(key);
        console.error('gitwell: warming a clone pack failed:', e);
      },
    );
  }

  /** Plans the pack and starts its fill; null (and `unkept(src)`) when it is not to be kept. */
  private startFill(key: string, make: () => Promise<PackSourceForCache>, unkept: (src: PackSourceForCache) => void): Promise<Filling | null> {
    const started = (async () => {
      const src = await make();
      const w = src.keep ? this.createIfRoom(key) : null;
      if (!w) {
        unkept(src);
        return null;
      }
      const f = new Filling(w.path, this.file(key), src.count);
      void this.fill(key, f, w, src.bytes);
      return f;
    })();
    this.filling.set(key, started);
    return started;
  }

  private async fill(key: string, f: Filling, w: CacheWriter & { path: string }, bytes: AsyncIterable<Buffer>): Promise<void> {
    try {
      let slice = 0;
      for await (const chunk of bytes) {
        if (f.abandoned) {
          // a reader that comes now gets an error, never a pack cut short as if complete
          f.error = new Error('pack cache: the fill was abandoned by its readers');
          w.abort();
          return;
        }
        w.write(chunk);
        f.written += chunk.length;
        f.notify();
        slice += chunk.length;
        if (slice >= FILL_SLICE_BYTES) {
          slice = 0;
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      w.commit();
    } catch (e) {
      f.error = this.noRoom(e) ?? (e instanceof Error ? e : new Error(String(e)));
      w.abort();
    } finally {
      f.done = true;
      this.filling.delete(key);
      f.notify();
    }
  }

  /**
   * Keeps a pack made elsewhere (a push's own pack, when it is exactly what a clone of the
   * repo sends) under every key in `keys`: one file, linked under each name.
   */
  async adopt(names: string[], bytes: AsyncIterable<Buffer>): Promise<void> {
    const keys = [...new Set(names)];
    if (keys.length === 0 || keys.some((k) => this.filling.has(k)) || !this.hasRoom()) return;
    const w = this.createIfRoom(keys[0]);
    if (!w) return;
    try {
      for await (const chunk of bytes) w.write(chunk);
      w.commit();
    } catch (e) {
      w.abort();
      throw this.noRoom(e) ?? e;
    }
    for (const k of keys.slice(1)) {
      const tmp = `${this.file(k)}.${process.pid}.link.tmp`;
      fs.rmSync(tmp, { force: true });
      fs.linkSync(this.file(keys[0]), tmp);
      fs.renameSync(tmp, this.file(k));
    }
  }

  private hasRoom(): boolean {
    return Date.now() >= this.pausedUntil && freeBytes(this.dir) >= this.minFreeBytes;
  }

  /** The error for a write the disk had no room for (and a pause in filling); null for any other. */
  private noRoom(e: unknown): Error | null {
    const full = diskFullCode(e);
    if (!full) return null;
    this.pausedUntil = Date.now() + FULL_PAUSE_MS;
    return insufficientStorage(`the pack cache's disk is full (${full}): try again`, { cause: full });
  }

  /** A writer for a new fill; null when the disk has no room for even the file. */
  private createIfRoom(key: string): (CacheWriter & { path: string }) | null {
    try {
      return this.create(key);
    } catch (e) {
      if (this.noRoom(e)) return null;
      throw e;
    }
  }

  create(key: string): CacheWriter & { path: string } {
    const final = this.file(key);
    const tmp = `${final}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    let closed = false;
    const close = () => {
      if (!closed) fs.closeSync(fd);
      closed = true;
    };
    return {
      path: tmp,
      write: (chunk) => {
        // a write may take part of the chunk (a disk filling up): readers count on all of it
        for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off, chunk.length - off);
      },
      commit: () => {
        // on disk before it has its name: a power cut must not leave a short pack to serve
        fs.fsyncSync(fd);
        close();
        fs.renameSync(tmp, final);
        this.evict(path.basename(final));
      },
      abort: () => {
        close();
        // readers hold their own descriptors: removing the name does not cut them off
        fs.rm(tmp, { force: true }, () => {});
      },
    };
  }

  /** Removes the least recently used packs past the budget; `added` (just committed) stays. */
  private evict(added: string): void {
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
    // the one just added stays even if it alone is over budget: its readers may not have
    // opened it yet
    for (const x of files) {
      if (total <= this.maxBytes) break;
      if (x.f === added) continue;
      fs.rmSync(path.join(this.dir, x.f), { force: true });
      total -= x.size;
    }
  }
}
