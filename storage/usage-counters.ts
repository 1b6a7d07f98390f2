/**
 * Usage counters in LMDB: db `usage`, "<key>" -> {counter: n} (the merged record) and
 * "<key>+<nonce><seq>" -> {counter: n} (an add not merged yet). An add is a new record, never a
 * read-modify-write, so it can be queued for the writer thread or put inside updateRefs'
 * conditional batch (where nothing can be read) and still count when two processes add at once.
 * A key's value is its record plus its adds; compact() merges them in one sync transaction.
 * Keys are "<org>" and "<org>:<YYYY-MM>": "+" sorts before ":" and "," after "+", so a key's
 * adds are exactly the range ["<key>+", "<key>,").
 */
import { randomBytes } from 'node:crypto';
import type { Database } from 'lmdb';

export type Counters = Record<string, number>;

const NONCE = randomBytes(3).toString('hex');
let seq = 0;

/** A new add of `delta` to `key`, to be put in some transaction. */
export function usageAdd(key: string, delta: Counters): [string, Counters] {
  return [`${key}+${NONCE}${(seq++).toString(36).padStart(8, '0')}`, delta];
}

function addInto(into: Counters, delta: Counters): void {
  for (const k in delta) into[k] = (into[k] ?? 0) + delta[k];
}

export function readUsage(db: Database<Counters, string>, key: string): Counters {
  const out: Counters = { ...(db.get(key) ?? {}) };
  for (const { value } of db.getRange({ start: `${key}+`, end: `${key},` })) addInto(out, value);
  return out;
}

/** Merges every add into its key's record; call inside a sync write transaction. */
export function compactUsage(db: Database<Counters, string>): void {
  const merged = new Map<string, Counters>();
  const adds: string[] = [];
  for (const { key, value } of db.getRange()) {
    const plus = key.indexOf('+');
    if (plus < 0) continue;
    const base = key.slice(0, plus);
    let m = merged.get(base);
    if (!m) merged.set(base, (m = { ...(db.get(base) ?? {}) }));
    addInto(m, value);
    adds.push(key);
  }
  for (const [base, value] of merged) db.putSync(base, value);
  for (const k of adds) db.removeSync(k);
}
