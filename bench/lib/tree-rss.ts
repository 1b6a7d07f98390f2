// Peak memory of a process tree: the peer's server is not one process but git http-backend
// and the git processes it starts for each request (receive-pack, index-pack, pack-objects,
// rev-list). Every few milliseconds the resident set sizes of all live processes under the
// given roots are added up (/proc/<pid>/task/*/children, VmRSS); the largest sum is kept.
// Processes that start and exit between two samples are missed (a few ms), as with any poll.
import { readFileSync, readdirSync } from 'node:fs';

const POLL_MS = 5;

function children(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${t}/children`, 'latin1').split(' ')) if (c.trim()) out.push(Number(c));
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

function rssKb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export class TreeRss {
  private readonly roots = new Set<number>();
  private timer: NodeJS.Timeout | null = null;
  /** the largest total seen since the last reset, KiB */
  peakKb = 0;

  add(pid: number | undefined): void {
    if (pid === undefined) return;
    this.roots.add(pid);
    this.timer ??= setInterval(() => this.sample(), POLL_MS);
    this.sample();
  }

  remove(pid: number | undefined): void {
    if (pid !== undefined) this.roots.delete(pid);
    if (this.roots.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  reset(): number {
    const p = this.peakKb;
    this.peakKb = 0;
    return p;
  }

  private sample(): void {
    let total = 0;
    const seen = new Set<number>();
    const stack = [...this.roots];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      total += rssKb(pid);
      stack.push(...children(pid));
    }
    if (total > this.peakKb) this.peakKb = total;
  }
}
