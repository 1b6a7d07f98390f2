// The reachability walk. Each walker owns three allocator blocks:
//
//   header  WH_SIZE bytes (fields below)
//   table   open-addressing hash set of oids, linear probing, power-of-two capacity,
//           slot = oid(20) state(u32): low byte 0 empty, 1 seen (queued or returned),
//           2 marked; next byte the first kind the oid was linked as (0 unknown);
//           grows (rehash into a block twice the size) past 70% load
//   stack   work stack, entry = oid(20) kind(u32), doubles when full
//
// Links followed by visit() (gitformat-object):
//   commit -> "tree <hex>" (kind 2), then every "parent <hex>" (kind 1) when followParents;
//             parents are queued last, in reverse, so the first parent is popped first
//   tree   -> each entry's oid: mode & S_IFMT == 0o040000 -> kind 2, == 0o160000 (gitlink)
//             -> skipped, else -> kind 3
//   tag    -> "object <hex>" with the kind of its "type" line (0 when not commit/tree/blob)
//
// An oid linked as two different kinds (a tree entry of blob mode and one of tree mode naming
// the same object) is queued once, so the second link would never be checked against what the
// object is: one of the two is wrong whatever it is. The first such contradiction is kept
// (walkerConflict) for the caller to refuse.

import { alloc, free } from './alloc';
import { treeEntry, entMode, entNameEnd, validateTree } from './tree';
import { parseCommit, parseTag, hexToOid, commitParents, tagKind } from './commit';

const SLOT: usize = 24;
const ENTRY: usize = 24;

// header fields
const W_TABLE: usize = 0;
const W_CAP: usize = 4;
const W_COUNT: usize = 8;
const W_STACK: usize = 12;
const W_SCAP: usize = 16;
const W_SLEN: usize = 20;
const W_SEED: usize = 24;
const W_PARENTS: usize = 28;
const W_KIND: usize = 32;
/** kinds of the first contradiction (first << 8 | second), 0 for none; its oid at W_CONFLICT_OID */
const W_CONFLICT: usize = 36;
const W_CONFLICT_OID: usize = 40;
const WH_SIZE: usize = 64;

const STATE: u32 = 0xff;

export const ERR_OOM: i32 = -6;

const TMP_OID: usize = memory.data(32, 16);

// @ts-ignore: decorator
@inline function hashOid(oid: usize, seed: u32): u32 {
  // SHA-1 bytes are uniform; the per-walker seed keeps crafted oids from clustering
  let h = (load<u32>(oid) ^ seed) * 0x85ebca6b;
  h ^= load<u32>(oid, 4);
  h *= 0xc2b2ae35;
  h ^= load<u32>(oid, 8) ^ (h >> 15);
  h *= 0x27d4eb2f;
  return h ^ (h >> 16);
}

// @ts-ignore: decorator
@inline function sameOid(a: usize, b: usize): bool {
  return load<u64>(a) == load<u64>(b) && load<u64>(a, 8) == load<u64>(b, 8) && load<u32>(a, 16) == load<u32>(b, 16);
}

/** Slot holding oid, or the empty slot where it would go. */
function findSlot(w: usize, oid: usize): usize {
  const table = <usize>load<u32>(w, W_TABLE);
  const mask = load<u32>(w, W_CAP) - 1;
  let i = hashOid(oid, load<u32>(w, W_SEED)) & mask;
  while (true) {
    const s = table + <usize>i * SLOT;
    if (load<u32>(s, 20) == 0 || sameOid(s, oid)) return s;
    i = (i + 1) & mask;
  }
  return 0;
}

function growTable(w: usize): bool {
  const oldTable = <usize>load<u32>(w, W_TABLE);
  const oldCap = <usize>load<u32>(w, W_CAP);
  const cap = oldCap << 1;
  if (cap > 0x0800_0000) return false; // 128M slots: beyond wasm32 memory anyway
  const table = alloc(cap * SLOT);
  if (table == 0) return false;
  memory.fill(table, 0, cap * SLOT);
  store<u32>(w, <u32>table, W_TABLE);
  store<u32>(w, <u32>cap, W_CAP);
  for (let i: usize = 0; i < oldCap; i++) {
    const s = oldTable + i * SLOT;
    if (load<u32>(s, 20) != 0) memory.copy(findSlot(w, s), s, SLOT);
  }
  free(oldTable);
  return true;
}

/** Inserts oid with state if absent. Returns the previous state (0 = newly added), or ERR_OOM. */
function insert(w: usize, oid: usize, state: u32): i32 {
  let s = findSlot(w, oid);
  const prev = load<u32>(s, 20);
  if (prev != 0) return <i32>prev;
  const count = load<u32>(w, W_COUNT) + 1;
  if (<u64>count * 10 > <u64>load<u32>(w, W_CAP) * 7) {
    if (!growTable(w)) return ERR_OOM;
    s = findSlot(w, oid);
  }
  memory.copy(s, oid, 20);
  store<u32>(s, state, 20);
  store<u32>(w, count, W_COUNT);
  return 0;
}

function stackPush(w: usize, oid: usize, kind: u32): bool {
  let stack = <usize>load<u32>(w, W_STACK);
  const len = <usize>load<u32>(w, W_SLEN);
  const cap = <usize>load<u32>(w, W_SCAP);
  if (len == cap) {
    const ns = alloc(cap * 2 * ENTRY);
    if (ns == 0) return false;
    memory.copy(ns, stack, len * ENTRY);
    free(stack);
    stack = ns;
    store<u32>(w, <u32>ns, W_STACK);
    store<u32>(w, <u32>(cap * 2), W_SCAP);
  }
  const e = stack + len * ENTRY;
  memory.copy(e, oid, 20);
  store<u32>(e, kind, 20);
  store<u32>(w, <u32>(len + 1), W_SLEN);
  return true;
}

export function walkerNew(seed: u32, followParents: bool): usize {
  const w = alloc(WH_SIZE);
  if (w == 0) return 0;
  const cap: usize = 64;
  const table = alloc(cap * SLOT);
  const scap: usize = 32;
  const stack = alloc(scap * ENTRY);
  if (table == 0 || stack == 0) {
    free(stack);
    free(table);
    free(w);
    return 0;
  }
  memory.fill(table, 0, cap * SLOT);
  store<u32>(w, <u32>table, W_TABLE);
  store<u32>(w, <u32>cap, W_CAP);
  store<u32>(w, 0, W_COUNT);
  store<u32>(w, <u32>stack, W_STACK);
  store<u32>(w, <u32>scap, W_SCAP);
  store<u32>(w, 0, W_SLEN);
  store<u32>(w, seed | 1, W_SEED);
  store<u32>(w, followParents ? 1 : 0, W_PARENTS);
  store<u32>(w, 0, W_KIND);
  store<u32>(w, 0, W_CONFLICT);
  return w;
}

export function walkerFree(w: usize): void {
  // free in reverse allocation order so a walker at the heap top gives all its bytes back
  free(<usize>load<u32>(w, W_STACK));
  free(<usize>load<u32>(w, W_TABLE));
  free(w);
}

/** 1 if newly marked, 0 if it was already marked, ERR_OOM. */
export function walkerMark(w: usize, oid: usize): i32 {
  const r = insert(w, oid, 2);
  if (r < 0) return r;
  if (r == 0) return 1;
  if ((<u32>r & STATE) == 2) return 0;
  store<u32>(findSlot(w, oid), 2 | (<u32>r & ~STATE), 20); // seen before, marked now
  return 1;
}

/** Queues oid unless seen or marked. Returns 0 or ERR_OOM. */
export function walkerPush(w: usize, oid: usize, kind: u32): i32 {
  const r = insert(w, oid, 1 | (kind << 8));
  if (r < 0) return r;
  if (r == 0) return stackPush(w, oid, kind) ? 0 : ERR_OOM;
  const was = (<u32>r >> 8) & 0xff;
  if (kind == 0 || was == kind) return 0;
  if (was == 0) store<u32>(findSlot(w, oid), <u32>r | (kind << 8), 20);
  else if (load<u32>(w, W_CONFLICT) == 0) {
    store<u32>(w, (was << 8) | kind, W_CONFLICT);
    memory.copy(w + W_CONFLICT_OID, oid, 20);
  }
  return 0;
}

/** The first contradiction's kinds (first << 8 | second) with its oid copied to dst, or 0. */
export function walkerConflict(w: usize, dst: usize): u32 {
  const c = load<u32>(w, W_CONFLICT);
  if (c != 0) memory.copy(dst, w + W_CONFLICT_OID, 20);
  return c;
}

export function walkerHas(w: usize, oid: usize): bool {
  return load<u32>(findSlot(w, oid), 20) != 0;
}

export function walkerSize(w: usize): u32 {
  return load<u32>(w, W_COUNT);
}

export function walkerKind(w: usize): u32 {
  return load<u32>(w, W_KIND);
}

/** Pops the next oid into dst. Returns 1, or 0 when the walk is done. */
export function walkerNext(w: usize, dst: usize): i32 {
  const stack = <usize>load<u32>(w, W_STACK);
  let len = <usize>load<u32>(w, W_SLEN);
  while (len > 0) {
    len--;
    const e = stack + len * ENTRY;
    if ((load<u32>(findSlot(w, e), 20) & STATE) == 2) continue; // marked after it was queued
    memory.copy(dst, e, 20);
    store<u32>(w, load<u32>(e, 20), W_KIND);
    store<u32>(w, <u32>len, W_SLEN);
    return 1;
  }
  store<u32>(w, 0, W_SLEN);
  store<u32>(w, 0, W_KIND);
  return 0;
}

/**
 * Parses an object [p, p+len) of the given type and queues its links.
 * Returns 0, -3 (bad tree), -4 (bad commit), -5 (bad tag) or ERR_OOM.
 * Input is validated before anything is queued, so a malformed object changes nothing.
 */
export function walkerVisit(w: usize, type: i32, p: usize, len: usize): i32 {
  if (type == 1) {
    if (parseCommit(p, len, 0, TMP_OID) < 0) return -4;
    const n = commitParents;
    hexToOid(p + 5, TMP_OID);
    if (walkerPush(w, TMP_OID, 2) < 0) return ERR_OOM;
    if (load<u32>(w, W_PARENTS) != 0) {
      for (let i = n - 1; i >= 0; i--) {
        hexToOid(p + 46 + 48 * <usize>i + 7, TMP_OID);
        if (walkerPush(w, TMP_OID, 1) < 0) return ERR_OOM;
      }
    }
    return 0;
  }
  if (type == 2) {
    if (validateTree(p, len) < 0) return -3;
    const end = p + len;
    let q = p;
    while (q < end) {
      q = treeEntry(q, end);
      const fmt = entMode & 0o170000;
      if (fmt == 0o160000) continue; // gitlink: a commit in another repository
      if (walkerPush(w, entNameEnd + 1, fmt == 0o040000 ? 2 : 3) < 0) return ERR_OOM;
    }
    return 0;
  }
  if (type == 4) {
    if (parseTag(p, len, TMP_OID) < 0) return -5;
    if (walkerPush(w, TMP_OID, <u32>tagKind) < 0) return ERR_OOM;
    return 0;
  }
  return 0;
}
