/**
 * Garbage made by long work (a push's ingest makes several objects per pack entry, and
 * LMDB's writer keeps some alive until it commits, long enough to reach V8's old space) is
 * collected when V8 gets round to it, which on a big push is ~100 MiB later. Work that makes
 * much of it calls `relieveHeap()` between slices: once the heap has grown by HEAP_STEP since
 * the last collection it asked for, a major collection is started, concurrently (V8 marks on
 * its own threads). A push of 195,000 objects then peaks ~100 MiB lower (README, Memory).
 *
 * This needs the `gc` function, which V8 exposes only under --expose-gc; the flag is set here
 * at load time and the function taken from a fresh context. Where that is refused, nothing
 * changes but the memory figures.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

const HEAP_STEP = 32 * 1024 * 1024;

type Gc = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

function exposedGc(): Gc | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as Gc) : null;
  } catch {
    return null;
  }
}

const gc = exposedGc();
let mark = 0;

export function relieveHeap(): void {
  if (!gc) return;
  const used = v8.getHeapStatistics().used_heap_size;
  if (used < mark + HEAP_STEP) {
    // the heap shrank since (V8 collected on its own): measure growth from here
    if (used < mark) mark = used;
    return;
  }
  mark = used;
  gc({ type: 'major', execution: 'async' });
}
