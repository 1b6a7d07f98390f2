// A small filesystem of its own (tmpfs), so that a test can fill a disk for real and see what a
// full disk does: ENOSPC (or a short write) from the kernel, not a simulated error. Needs root
// and mount(8); where either is missing, `mountTmpfs` says why and the caller skips.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  dir: string;
  /** bytes free for writing */
  free(): number;
  /**
   * Writes a ballast file that leaves `leave` bytes free (0: fills the disk to the last byte).
   * Returns its path; removing it frees the space again.
   */
  fill(leave: number, name?: string): string;
  unmount(): void;
}

/** A new tmpfs of `mib` MiB, or why there cannot be one here. */
export function mountTmpfs(mib: number): Tmpfs | string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m,mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmdirSync(dir);
    const err = e as { stderr?: Buffer; message: string };
    return `cannot mount a tmpfs here (${(err.stderr?.toString() || err.message).trim()})`;
  }
  const free = () => {
    const s = fs.statfsSync(dir);
    return s.bavail * s.bsize;
  };
  return {
    dir,
    free,
    fill(leave, name = 'ballast') {
      const file = path.join(dir, name);
      const fd = fs.openSync(file, 'a');
      const chunk = Buffer.alloc(1024 * 1024, 0x5a);
      try {
        for (let want = free() - leave; want > 0; want = free() - leave) {
          try {
            fs.writeSync(fd, chunk, 0, Math.min(chunk.length, want));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
            throw e;
          }
        }
      } finally {
        fs.closeSync(fd);
      }
      return file;
    },
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        // still busy (a process that has not quite exited): detach it, the kernel frees it later
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      fs.rmdirSync(dir);
    },
  };
}
