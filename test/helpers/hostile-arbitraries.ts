// fast-check arbitraries for the hostile-input suite: request bodies that are almost right,
// built from the protocols' own parts, so that they get past the first check and reach the
// deep ones (a pack whose trailer is right but whose entries lie, a delta that copies past its
// base, a commit body whose paths climb out of the tree).
import fc from 'fast-check';
import { buildPack, copyOp, oidOf, sizeVarint, type RawEntry } from './pack-builder.js';

const ZERO = '0'.repeat(40);
const hex = (b: Buffer) => b.toString('hex');

const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const oidHex = fc.uint8Array({ minLength: 20, maxLength: 20 }).map((a) => Buffer.from(a).toString('hex'));

/** Text that is almost a commit, tree or tag: right headers, wrong values. */
const objectText = (knownOids: string[]) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...knownOids, ZERO), fc.array(fc.constantFrom(...knownOids), { maxLength: 3 }), fc.string({ maxLength: 40 }), fc.integer({ min: -5, max: 2 ** 40 }), fc.constantFrom('+0000', '-1300', '+99999', 'x'))
      .map(([tree, parents, who, time, tz]) => ({ type: 1, data: Buffer.from(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join('')}author ${who} <a@b> ${time} ${tz}\ncommitter C <c@d> 1700000000 +0000\n\nfuzz\n`) })),
    fc.array(fc.tuple(fc.constantFrom('100644', '100755', '120000', '40000', '160000', '0644', '777'), fc.constantFrom('a', '.git', '..', '.', 'b/c', '', '.gitmodules', 'A', 'a'), fc.constantFrom(...knownOids, ZERO)), { maxLength: 5 })
      .map((es) => ({ type: 2, data: Buffer.concat(es.map(([m, n, o]) => Buffer.concat([Buffer.from(`${m} ${n}\0`), Buffer.from(o, 'hex')]))) })),
    fc.tuple(fc.constantFrom(...knownOids, ZERO), fc.constantFrom('commit', 'tree', 'blob', 'tag', 'x'), fc.string({ maxLength: 20 }))
      .map(([o, t, name]) => ({ type: 4, data: Buffer.from(`object ${o}\ntype ${t}\ntag ${name}\ntagger T <t@t> 1700000000 +0000\n\nfuzz\n`) })),
    bytes(200).map((data) => ({ type: 3, data })),
  );

export interface PushCase {
  /** the new oid the command points the ref at */
  tip: string;
  pack: Buffer;
}

/** Packs of almost-objects: types, sizes, zlib streams, counts and trailers that may lie. */
export function packEntries(knownOids: string[]): fc.Arbitrary<PushCase> {
  const entry = fc.tuple(objectText(knownOids), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 2 ** 20 }), bytes(60)).map(([o, how, size, junk]): RawEntry => {
    if (how === 0) return { type: o.type, payload: o.data, size }; // the size lies
    if (how === 1) return { type: o.type, payload: o.data, raw: junk }; // not zlib
    if (how === 2) return { type: [0, 5][size % 2]!, payload: o.data }; // no such type
    return { type: o.type, payload: o.data };
  });
  return fc.tuple(fc.array(entry, { minLength: 0, maxLength: 6 }), fc.integer({ min: -2, max: 2 }), fc.boolean(), fc.nat()).map(([entries, countOff, badTrailer, pick]) => {
    const pack = buildPack(entries, { count: Math.max(0, entries.length + (pick % 4 === 0 ? countOff : 0)), badTrailer: badTrailer && pick % 5 === 0 });
    const commit = entries.find((e) => e.type === 1 && !e.raw && e.size === undefined);
    return { tip: commit ? hex(oidOf('commit', commit.payload)) : knownOids[pick % knownOids.length]!, pack };
  });
}

/** A base blob and deltas on it whose sizes, copies and inserts may be anything. */
export function deltas(): fc.Arbitrary<PushCase> {
  const op = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 300 })).map(([o, s]) => copyOp(o, s)),
    bytes(20).map((b) => Buffer.concat([Buffer.from([Math.min(127, b.length) || 0]), b])),
    fc.constant(Buffer.from([0])), // opcode 0: reserved
    fc.constant(Buffer.from([0x91])), // a copy cut short
  );
  return fc.tuple(bytes(200), fc.array(op, { maxLength: 8 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 0, max: 4000 }), fc.constantFrom(6, 7), fc.boolean()).map(([base, ops, srcOff, dst, type, selfBase]) => {
    const baseOid = oidOf('blob', base);
    const delta = Buffer.concat([sizeVarint(Math.max(0, base.length + srcOff)), sizeVarint(dst), ...ops]);
    const d: RawEntry = type === 6 ? { type, payload: delta, base: selfBase ? 0 : undefined } : { type, payload: delta, base: selfBase ? oidOf('blob', delta) : baseOid };
    const pack = buildPack([{ type: 3, payload: base }, d]);
    return { tip: hex(oidOf('commit', Buffer.from(`tree ${hex(baseOid)}\n`))), pack };
  });
}

const WORDS = ['want', 'have', 'shallow', 'deepen', 'deepen-since', 'deepen-not', 'deepen-relative', 'filter', 'done', 'command=fetch', 'command=ls-refs', 'command=x', 'object-format=sha1', 'object-format=sha256', 'agent=fuzz', 'ref-prefix', 'peel', 'symrefs', 'unborn', 'thin-pack', 'ofs-delta', 'include-tag', 'no-progress', 'wait-for-done', 'want-ref', 'side-band-64k', 'multi_ack_detailed', 'no-done'];

/** Sequences of pkt-lines: the protocols' words with real, fake and absurd arguments, and forged lengths. */
export function pktLines(knownOids: string[]): fc.Arbitrary<Buffer> {
  const arg = fc.oneof(fc.constantFrom(...knownOids, ZERO, 'refs/heads/', 'blob:none', 'blob:limit=1k', 'tree:0', '-1', '0', '99999999999'), oidHex, fc.string({ maxLength: 30 }));
  const line = fc.tuple(fc.constantFrom(...WORDS), fc.option(arg), fc.boolean()).map(([w, a, lf]) => `${w}${a === null ? '' : ` ${a}`}${lf ? '\n' : ''}`);
  const pkt = fc.oneof(
    { weight: 8, arbitrary: line.map((l) => Buffer.concat([Buffer.from((Buffer.byteLength(l) + 4).toString(16).padStart(4, '0')), Buffer.from(l)])) },
    { weight: 2, arbitrary: fc.constantFrom('0000', '0001', '0002').map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffff }), bytes(20)).map(([n, b]) => Buffer.concat([Buffer.from(n.toString(16).padStart(4, '0')), b])) },
    { weight: 1, arbitrary: bytes(8) },
  );
  return fc.array(pkt, { maxLength: 16 }).map((ps) => Buffer.concat(ps));
}

/** Paths as a hostile client writes them. */
export const paths = fc.oneof(
  fc.array(fc.constantFrom('a', 'b', '..', '.', '.git', '.GIT', '.git.', 'git~1', '.gitmodules', '', ' ', 'a b', 'é', '\u200c.git', 'CON', 'x'.repeat(300), '%2e%2e', '\\', 'a\\b'), { minLength: 1, maxLength: 6 }).map((s) => s.join('/')),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Commit bodies of the /v1 API: right shape, wrong values, or no shape at all. */
export function commitBodies(): fc.Arbitrary<unknown> {
  const change = fc.record(
    {
      action: fc.constantFrom('create', 'edit', 'delete', 'rename', 'chmod', ''),
      path: paths,
      from: paths,
      content: fc.oneof(fc.string({ maxLength: 100 }), fc.constant('aGVsbG8='), fc.constant('%%%')),
      encoding: fc.constantFrom('utf-8', 'base64', 'latin1'),
      mode: fc.constantFrom('100644', '100755', '120000', '160000', '040000', '644'),
      old_string: fc.string({ maxLength: 10 }),
      new_string: fc.string({ maxLength: 10 }),
      start_line: fc.integer({ min: -2, max: 5 }),
      end_line: fc.integer({ min: -2, max: 5 }),
    },
    { requiredKeys: ['action', 'path'] },
  );
  const author = fc.record({ name: fc.string({ maxLength: 20 }), email: fc.string({ maxLength: 20 }), date: fc.oneof(fc.constant('2024-01-02T03:04:05Z'), fc.constant('1969-12-31T23:59:59Z'), fc.string({ maxLength: 25 })) }, { requiredKeys: ['name', 'email'] });
  // sound but for what fast-check picks: these get past validation to the tree edits and fsck
  const plausiblePath = fc.array(fc.constantFrom('a', 'b', 'dir', 'x.txt', 'é.md', '.gitmodules', '.gitattributes', 'A', 'a.'), { minLength: 1, maxLength: 3 }).map((s) => s.join('/'));
  const plausible = fc.record({
    branch: fc.constantFrom('main', 'fuzz'),
    message: fc.string({ minLength: 1, maxLength: 30 }),
    author: fc.constant({ name: 'Fuzz', email: 'fuzz@example.test', date: '2024-01-02T03:04:05Z' }),
    changes: fc.array(
      fc.oneof(
        fc.record({ action: fc.constant('create'), path: plausiblePath, content: fc.string({ maxLength: 200 }), mode: fc.constantFrom('100644', '100755', '120000') }, { requiredKeys: ['action', 'path', 'content'] }),
        fc.record({ action: fc.constant('delete'), path: plausiblePath }),
        fc.record({ action: fc.constant('rename'), from: plausiblePath, path: plausiblePath }),
        fc.record({ action: fc.constant('edit'), path: plausiblePath, old_string: fc.constantFrom('file', 'a', ''), new_string: fc.string({ maxLength: 10 }) }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  });
  return fc.oneof(
    { weight: 6, arbitrary: plausible },
    { weight: 6, arbitrary: fc.record({ branch: fc.oneof(fc.constant('main'), fc.constantFrom('fuzz', 'a..b', 'HEAD', '-x', 'refs/heads/x', ''), fc.string({ maxLength: 20 })), message: fc.string({ maxLength: 50 }), author, parent_sha: fc.oneof(oidHex, fc.string({ maxLength: 5 })), changes: fc.array(change, { maxLength: 4 }) }, { requiredKeys: ['branch', 'message', 'changes'] }) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: bytes(80).map((b) => b.toString('latin1')) },
  );
}
