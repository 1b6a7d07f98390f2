// Memory of the gitwell core.
//
// The module is built with `--runtime stub` and never allocates a managed object (no `new`,
// no strings, no arrays), so the AssemblyScript runtime is dead code. All dynamic memory goes
// through this small first-fit allocator instead:
//
//   block   = header(16 bytes) payload        header: u32 block size (incl. header), u32 next free
//   heap    = [__heap_base .. heapTop)        blocks laid end to end, 16-byte aligned
//   free    = singly linked, address-ordered list of free blocks, coalesced on free
//
// A block freed at the top of the heap lowers heapTop (and swallows a free block below it),
// so per-call scratch memory and walker tables never leak, and thousands of walker
// create/dispose cycles reuse the same bytes. Linear memory itself never shrinks (wasm can't).
// Allocation counts are tiny (a few blocks per call / per walker), so first-fit scanning of
// the free list is cheap.

const HDR: usize = 16;
const MIN_SPLIT: usize = 64;

let heapTop: usize = 0;
let freeHead: usize = 0; // block address, 0 = empty list
let freeCount: u32 = 0;

// Small static area for fixed-size inputs and outputs (an oid, a pack entry header).
export const IO: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function blockSize(b: usize): usize {
  return <usize>load<u32>(b);
}
// @ts-ignore: decorator
@inline function nextFree(b: usize): usize {
  return <usize>load<u32>(b, 4);
}

function ensureInit(): void {
  if (heapTop == 0) heapTop = (__heap_base + 15) & ~(<usize>15);
}

/** Makes sure [0, end) is inside linear memory. Returns false when memory cannot grow. */
function reserve(end: u64): bool {
  const have = <u64>memory.size() << 16;
  if (end <= have) return true;
  const needed = <i32>((end - have + 0xffff) >> 16);
  const before = memory.size();
  // Grow by at least the current size (capped at 16 MiB) so small steady growth is cheap.
  let wanted = before < 256 ? before : 256;
  if (wanted < needed) wanted = needed;
  if (memory.grow(wanted) >= 0) return true;
  return memory.grow(needed) >= 0;
}

/** Returns a 16-byte aligned pointer to `n` bytes, or 0 when out of memory. */
export function alloc(n: usize): usize {
  ensureInit();
  if (n > 0xfff0_0000) return 0;
  let size = (n + HDR + 15) & ~(<usize>15);
  if (size < 32) size = 32;
  // first fit
  let prev: usize = 0;
  let cur = freeHead;
  while (cur != 0) {
    const csize = blockSize(cur);
    if (csize >= size) {
      const nxt = nextFree(cur);
      if (csize - size >= MIN_SPLIT) {
        const rest = cur + size;
        store<u32>(rest, <u32>(csize - size));
        store<u32>(rest, <u32>nxt, 4);
        if (prev == 0) freeHead = rest;
        else store<u32>(prev, <u32>rest, 4);
      } else {
        size = csize;
        if (prev == 0) freeHead = nxt;
        else store<u32>(prev, <u32>nxt, 4);
        freeCount--;
      }
      store<u32>(cur, <u32>size);
      store<u32>(cur, 0, 4);
      return cur + HDR;
    }
    prev = cur;
    cur = nextFree(cur);
  }
  // bump
  const b = heapTop;
  if (!reserve(<u64>b + <u64>size)) return 0;
  heapTop = b + size;
  store<u32>(b, <u32>size);
  store<u32>(b, 0, 4);
  return b + HDR;
}

/** Frees a pointer returned by alloc (0 is ignored). */
export function free(p: usize): void {
  if (p == 0) return;
  let b = p - HDR;
  let size = blockSize(b);
  // find neighbours in the address-ordered free list
  let prev: usize = 0;
  let cur = freeHead;
  while (cur != 0 && cur < b) {
    prev = cur;
    cur = nextFree(cur);
  }
  if (b + size == heapTop) {
    // top of heap: give it back, and swallow a free block ending right below
    heapTop = b;
    if (prev != 0 && prev + blockSize(prev) == b) {
      heapTop = prev;
      // unlink prev (it is the last free block, so find its predecessor)
      let pp: usize = 0;
      let c = freeHead;
      while (c != prev) {
        pp = c;
        c = nextFree(c);
      }
      if (pp == 0) freeHead = 0;
      else store<u32>(pp, 0, 4);
      freeCount--;
    }
    return;
  }
  // merge with the following free block
  if (cur != 0 && b + size == cur) {
    size += blockSize(cur);
    cur = nextFree(cur);
    freeCount--;
  }
  // merge with the preceding free block
  if (prev != 0 && prev + blockSize(prev) == b) {
    store<u32>(prev, <u32>(blockSize(prev) + size));
    store<u32>(prev, <u32>cur, 4);
    return;
  }
  store<u32>(b, <u32>size);
  store<u32>(b, <u32>cur, 4);
  if (prev == 0) freeHead = b;
  else store<u32>(prev, <u32>b, 4);
  freeCount++;
}

export function heapTopOffset(): usize {
  ensureInit();
  return heapTop;
}

export function freeBlockCount(): u32 {
  return freeCount;
}
