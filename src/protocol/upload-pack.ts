/**
 * git-upload-pack: ref advertisement, negotiation and the pack, for protocol v0/v1 and the
 * `fetch` command of v2 (gitprotocol-pack, gitprotocol-v2). Over HTTP every request is a fresh
 * stateless round: the client resends its wants, shallows and the haves it knows are common.
 *
 *   v0 request = *(want) *(shallow) [deepen] [filter] flush-pkt *(have) (flush-pkt | "done")
 *   v0 answer  = [shallow-info flush-pkt] *(ACK oid common|ready) (NAK | ACK oid) [pack]
 */
import { GitwellError } from '../core/errors.js';
import { isOidHex, oidFromHex, ZERO_OID } from '../core/oid.js';
import { walkObjectsAsync } from '../core/walk.js';
import { OidIndex } from '../core/oid-index.js';
import { PackWriter } from '../core/pack/writer.js';
import type { RepoRecord, Store } from '../../storage/index.js';
import { CommitGraph, selectCommits, shallowByDepth, shallowByExclusion } from '../core/commit-graph.js';
import { uploadPackCapsV0, V2_CAPS } from './capabilities.js';
import { DELIM, FLUSH, pkt, PktReader, sideband, trimLf } from './pkt-line.js';
import { parseFilter, type Filter } from './filter.js';
import { PackCache } from '../services/pack-cache.js';
import { commitCache } from '../services/commit-cache.js';
import { noteWholeClone, type CloneShape } from '../services/clone-warmth.js';
import { repoFinder } from '../services/objects.js';

export interface FetchRequest {
  wants: string[];
  haves: string[];
  shallows: string[];
  depth: number;
  deepenRelative: boolean;
  deepenSince: number | null;
  deepenNot: string[];
  filter: Filter | null;
  done: boolean;
  caps: Set<string>;
}

const badRequest = (m: string) => new GitwellError('VALIDATION_ERROR', `protocol error: ${m}`);

function emptyRequest(): FetchRequest {
  return { wants: [], haves: [], shallows: [], depth: 0, deepenRelative: false, deepenSince: null, deepenNot: [], filter: null, done: false, caps: new Set() };
}

/** One argument line of a fetch request; shared by v0 and v2. Returns false if unknown. */
function fetchArg(req: FetchRequest, line: string): boolean {
  const sp = line.indexOf(' ');
  const key = sp < 0 ? line : line.slice(0, sp);
  const val = sp < 0 ? '' : line.slice(sp + 1);
  switch (key) {
    case 'want':
    case 'have':
    case 'shallow': {
      const oid = val.slice(0, 40);
      if (!isOidHex(oid)) throw badRequest(`bad ${key} line`);
      (key === 'want' ? req.wants : key === 'have' ? req.haves : req.shallows).push(oid);
      return true;
    }
    case 'deepen': {
      const n = Number(val);
      if (!Number.isInteger(n) || n <= 0) throw badRequest('bad deepen value');
      req.depth = n;
      return true;
    }
    case 'deepen-relative':
      req.deepenRelative = true;
      return true;
    case 'deepen-since': {
      const t = Number(val);
      if (!Number.isInteger(t)) throw badRequest('bad deepen-since value');
      req.deepenSince = t;
      return true;
    }
    case 'deepen-not':
      req.deepenNot.push(val);
      return true;
    case 'filter':
      req.filter = parseFilter(val);
      return true;
    case 'done':
      req.done = true;
      return true;
    default:
      return false;
  }
}

export function refAdvertisement(store: Store, repo: RepoRecord): { refs: Array<{ name: string; oid: string; peeled?: string }>; head: string | null; headTarget: string } {
  const g = new CommitGraph(repoFinder(store, repo), commitCache(repo.id));
  const refs = store.listRefs(repo.id).map((r) => {
    if (!r.name.startsWith('refs/tags/')) return r;
    const p = g.peel(r.oid);
    return p && p.tags.length > 0 ? { ...r, peeled: p.target } : r;
  });
  const headTarget = `refs/heads/${repo.defaultBranch}`;
  const head = refs.find((r) => r.name === headTarget)?.oid ?? null;
  return { refs, head, headTarget };
}

/** The v0 advertisement body (without the "# service=" preamble the HTTP layer adds). */
export function advertiseV0(store: Store, repo: RepoRecord): Buffer {
  const { refs, head, headTarget } = refAdvertisement(store, repo);
  const caps = uploadPackCapsV0(head ? headTarget : null);
  const lines: Buffer[] = [];
  const all: Array<{ name: string; oid: string }> = [];
  if (head) all.push({ name: 'HEAD', oid: head });
  for (const r of refs) {
    all.push(r);
    if (r.peeled) all.push({ name: `${r.name}^{}`, oid: r.peeled });
  }
  if (all.length === 0) lines.push(pkt(`${ZERO_OID} capabilities^{}\0${caps}\n`));
  all.forEach((r, i) => lines.push(pkt(i === 0 ? `${r.oid} ${r.name}\0${caps}\n` : `${r.oid} ${r.name}\n`)));
  lines.push(FLUSH);
  return Buffer.concat(lines);
}

export function advertiseV2(): Buffer {
  return Buffer.concat([...V2_CAPS.map((c) => pkt(`${c}\n`)), FLUSH]);
}


interface Plan {
  shallowLines: string[];
  objects: Buffer; // 20 bytes per oid
  count: number;
}

/** Everything but the framing: which shallow lines to send and which objects go in the pack. */
async function planPack(store: Store, repo: RepoRecord, req: FetchRequest, common: string[]): Promise<Plan> {
  const finder = repoFinder(store, repo);
  const g = new CommitGraph(finder, commitCache(repo.id));
  const clientShallow = new Set(req.shallows);
  const deepening = req.depth > 0 || req.deepenSince !== null || req.deepenNot.length > 0;

  // peel wants: tags are sent as themselves, the walk starts from what they name
  const commitWants: string[] = [];
  const otherWants: string[] = [];
  const tagObjects: string[] = [];
  for (const w of req.wants) {
    const p = g.peel(w);
    if (!p) throw new GitwellError('NOT_FOUND', `not our ref ${w}`);
    tagObjects.push(...p.tags);
    if (p.type === 1) commitWants.push(p.target);
    else otherWants.push(p.target);
  }

  let wantCut: Set<string> | undefined;
  let excludeSince: number | undefined;
  let excluded: Set<string> | undefined;
  const shallowLines: string[] = [];
  let extraParents: string[] = [];
  let newShallow = new Set<string>();
  if (req.depth > 0) {
    const starts = req.deepenRelative ? req.shallows : commitWants;
    const extra = req.deepenRelative ? 1 : 0;
    const { boundary } = shallowByDepth(g, starts, req.depth + extra);
    newShallow = boundary;
    wantCut = boundary;
  }
  if (req.deepenSince !== null) excludeSince = req.deepenSince;
  if (req.deepenNot.length > 0) {
    excluded = new Set();
    for (const name of req.deepenNot) {
      const full = name.startsWith('refs/') ? name : store.getRef(repo.id, `refs/heads/${name}`) ? `refs/heads/${name}` : `refs/tags/${name}`;
      const oid = store.getRef(repo.id, full);
      if (!oid) throw badRequest(`deepen-not: unknown ref ${name}`);
      const peeled = g.peel(oid);
      if (peeled?.type === 1) for (const c of (await selectCommits(g, [peeled.target], [])).send) excluded.add(c.oid);
    }
  }
  // client shallow commits now inside the new depth get their history
  if (deepening) {
    for (const s of clientShallow) {
      if (!newShallow.has(s) && (req.depth > 0 || req.deepenSince !== null || req.deepenNot.length > 0)) {
        const c = g.get(s);
        if (!c) continue;
        const parentsWanted = c.parents.filter((p) => g.get(p) && (excludeSince === undefined || g.get(p)!.time >= excludeSince) && !excluded?.has(p));
        if (parentsWanted.length === 0) continue;
        shallowLines.push(`unshallow ${s}`);
        extraParents.push(...parentsWanted);
      }
    }
  }

  const sel = await selectCommits(g, [...commitWants, ...extraParents], common, {
    haveCut: clientShallow,
    wantCut,
    excludeSince,
    excluded,
  });
  if (deepening && (req.deepenSince !== null || req.deepenNot.length > 0)) {
    if (sel.send.length === 0 && commitWants.length > 0 && extraParents.length === 0) throw badRequest('no commits selected for shallow requests');
    newShallow = shallowByExclusion(g, sel.send);
  }
  for (const s of newShallow) if (!clientShallow.has(s)) shallowLines.unshift(`shallow ${s}`);

  // objects: the trees of the edge commits (and of client-shallow commits) bound the walk
  const haveRoots = sel.edges.map((c) => oidFromHex(c.tree));
  for (const s of clientShallow) {
    const c = g.get(s);
    if (c && !extraParents.includes(s)) haveRoots.push(oidFromHex(c.tree));
  }
  // objects go out grouped by type, commits first, as git's pack-objects writes them: the
  // client's index-pack checks links as it goes and is quickest on that order
  const byType: Buffer[][] = [[], [], [], [], []];
  const filter = req.filter;
  // The walk starts from commits and tags of this repo (wants and haves are checked members)
  // and membership is closed under reachability: every way in (receive-pack's connectivity
  // check, the API's commits and ref updates) refuses links to objects the repo does not
  // hold. So what the walk reaches needs no membership read of its own.
  const objects = { get: (oid: Uint8Array) => store.viewObject(oid), info: (oid: Uint8Array) => store.objectInfo(oid) };
  await walkObjectsAsync(objects, [...sel.send.map((c) => oidFromHex(c.oid)), ...otherWants.map(oidFromHex), ...tagObjects.map(oidFromHex)], {
    followParents: false,
    haveRoots,
    wantBlob: filter ? (oid) => filter.wantBlob(oid, objects) : undefined,
    visit: (oid, type) => byType[type].push(oid),
    checkBlobs: false,
    onMissing: () => {
      throw new GitwellError('INTERNAL_ERROR', 'repository is missing an object it references');
    },
  });

  const out = [...byType[1], ...byType[4], ...byType[2], ...byType[3]];

  // include-tag: annotated tags whose target is being sent
  if (req.caps.has('include-tag')) {
    const sending = new Set(out.map((o) => o.toString('latin1')));
    for (const r of store.listRefs(repo.id, 'refs/tags/')) {
      const p = g.peel(r.oid);
      if (!p || p.tags.length === 0) continue;
      if (!sending.has(oidFromHex(p.target).toString('latin1'))) continue;
      for (const t of p.tags) {
        const key = oidFromHex(t).toString('latin1');
        if (!sending.has(key)) {
          sending.add(key);
          out.push(oidFromHex(t));
        }
      }
    }
  }
  return { shallowLines, objects: Buffer.concat(out), count: out.length };
}

/**
 * The bytes of the pack for a plan. An object that came in a pushed pack goes out as it came
 * (its zlib stream, and its delta when the base goes out too); others are deflated here. A
 * reused delta's base is written first, so that it can be an OFS_DELTA. Chains of stored
 * entries cannot loop: an entry is stored once, after its base, and never replaced.
 */
async function* packBytes(store: Store, plan: Plan, ofsDelta: boolean): AsyncGenerator<Buffer> {
  const index = new OidIndex(plan.objects, plan.count);
  // where each object's entry starts once written (-1: not written yet)
  const offsets = new Float64Array(plan.count).fill(-1);
  const w = new PackWriter(plan.count);
  /** An entry taken off the store and kept until its base is out (a copy: views do not last). */
  interface Held {
    i: number;
    type: number;
    size: number;
    base: Buffer;
    z: Buffer;
    b: number;
  }
  const held: Held[] = [];

  for (let i = 0; i < plan.count; i++) {
    if (offsets[i] >= 0) continue;
    // one read per object: a delta whose base goes out later is held, and its base written first
    for (let j = i; ; ) {
      const oid = plan.objects.subarray(j * 20, j * 20 + 20);
      const p = store.viewPacked(oid); // a view, valid until the next store read
      const b = p?.base ? index.indexOf(p.base) : -1;
      if (p && b >= 0 && offsets[b] < 0) {
        if (held.length > plan.count) throw new GitwellError('INTERNAL_ERROR', 'a delta chain of the store loops');
        held.push({ i: j, type: p.type, size: p.size, base: Buffer.from(p.base!), z: Buffer.from(p.z), b });
        j = b;
        continue;
      }
      offsets[j] = w.written;
      let chunk: Buffer | null;
      if (p && b >= 0) chunk = w.addEntry(p.type, p.size, p.base, p.z, ofsDelta ? offsets[b] : -1);
      else if (p && !p.base) chunk = w.addEntry(p.type, p.size, null, p.z);
      else {
        // no entry, or a delta whose base does not go out: the whole object, deflated here
        const o = store.viewObject(oid);
        if (!o) throw new GitwellError('INTERNAL_ERROR', 'object vanished while packing');
        chunk = w.add(o.type, o.data);
      }
      if (chunk) yield chunk;
      break;
    }
    while (held.length > 0) {
      const h = held.pop()!;
      offsets[h.i] = w.written;
      const chunk = w.addEntry(h.type, h.size, h.base, h.z, ofsDelta ? offsets[h.b] : -1);
      if (chunk) yield chunk;
    }
  }
  yield w.finish();
}

/**
 * The pack cache's key for a clone of `wants`: what those reach is fixed by content
 * addressing, the rest of the key is what changes the bytes sent for them.
 */
export function clonePackKey(store: Store, repo: RepoRecord, wants: Iterable<string>, filter: string, ofsDelta: boolean, includeTag: boolean): string {
  const parts = [`repo ${repo.id}`, `filter ${filter}`, `ofs ${ofsDelta}`, ...[...new Set(wants)].sort()];
  // include-tag adds the repo's tags that point into the pack: the tags are part of the key
  if (includeTag) for (const r of store.listRefs(repo.id, 'refs/tags/')) parts.push(`${r.name} ${r.oid}`);
  return PackCache.key(parts);
}

/** What a clone of every branch and tag asks for: their tips, each once. */
function wholeCloneWants(store: Store, repo: RepoRecord): string[] {
  return [...new Set(store.listRefs(repo.id).filter((r) => r.name.startsWith('refs/heads/') || r.name.startsWith('refs/tags/')).map((r) => r.oid))];
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  return sa.size === b.length && b.every((x) => sa.has(x));
}

/**
 * Makes the repo's whole-clone pack now, in the cache, for the clones expected after a push
 * (services/clone-warmth.ts decides when).
 */
export function warmClonePack(store: Store, repo: RepoRecord, cache: PackCache, shape: CloneShape): void {
  if (!store.getRepo(repo.id)) return;
  const wants = wholeCloneWants(store, repo);
  if (wants.length === 0) return;
  const filter = shape.filter ? parseFilter(shape.filter) : null;
  const caps = new Set([...(shape.ofsDelta ? ['ofs-delta'] : []), ...(shape.includeTag ? ['include-tag'] : [])]);
  const req: FetchRequest = { ...emptyRequest(), wants, filter, caps };
  const key = clonePackKey(store, repo, wants, shape.filter, shape.ofsDelta, shape.includeTag);
  cache.warm(key, async () => {
    const plan = await planPack(store, repo, req, []);
    return { count: plan.count, bytes: packBytes(store, plan, shape.ofsDelta), keep: plan.count >= CACHE_MIN_OBJECTS };
  });
}

/** Smaller packs are quicker to make than to look up. */
const CACHE_MIN_OBJECTS = 1000;

export interface PackPlan {
  shallowLines: string[];
  count: number;
  bytes: AsyncIterable<Buffer>;
}

/**
 * What to send: the shallow lines and the pack. A clone (no haves, no shallow, no deepen) is
 * served from the pack cache when it can be: what a set of wants reaches never changes.
 */
export async function preparePack(store: Store, repo: RepoRecord, req: FetchRequest, common: string[], cache?: PackCache): Promise<PackPlan> {
  const cacheable = cache && common.length === 0 && req.shallows.length === 0 && req.depth === 0 && req.deepenSince === null && req.deepenNot.length === 0;
  let key = '';
  if (cacheable) {
    const shape: CloneShape = { filter: req.filter?.spec ?? '', ofsDelta: req.caps.has('ofs-delta'), includeTag: req.caps.has('include-tag') };
    key = clonePackKey(store, repo, req.wants, shape.filter, shape.ofsDelta, shape.includeTag);
    if (sameSet(req.wants, wholeCloneWants(store, repo))) noteWholeClone(cache, repo.id, shape);
    // from the cache, from a fill another request started, or planned here and shared
    const shared = await cache.share(key, async () => {
      const plan = await planPack(store, repo, req, common);
      return { count: plan.count, bytes: packBytes(store, plan, req.caps.has('ofs-delta')), keep: plan.count >= CACHE_MIN_OBJECTS };
    });
    if (shared) return { shallowLines: [], count: shared.count, bytes: shared.chunks };
  }
  const plan = await planPack(store, repo, req, common);
  return { shallowLines: plan.shallowLines, count: plan.count, bytes: packBytes(store, plan, req.caps.has('ofs-delta')) };
}

/**
 * The pack framed for the wire: side-band channel 1 when `band`, progress on channel 2. A pack
 * that fails part way (a pack cache whose disk filled) is ended with the reason on channel 3,
 * which git shows and fails on; without side-band the cut connection is all it can say.
 */
async function* framePack(pack: PackPlan, band: boolean, progress: boolean): AsyncGenerator<Buffer> {
  if (band && progress) yield Buffer.concat(sideband(2, Buffer.from(`Enumerating objects: ${pack.count}, done.\n`)));
  try {
    for await (const chunk of pack.bytes) yield band ? Buffer.concat(sideband(1, chunk)) : chunk;
  } catch (e) {
    if (!band) throw e;
    if (!(e instanceof GitwellError)) console.error('gitwell: a pack failed while it was sent:', e);
    yield Buffer.concat(sideband(3, Buffer.from(`upload-pack: ${e instanceof GitwellError ? e.message : 'internal error'}\n`)));
    return;
  }
  if (band && progress) yield Buffer.concat(sideband(2, Buffer.from(`Total ${pack.count}, reused ${pack.count}\n`)));
}

function errPkt(e: unknown): Buffer {
  const msg = e instanceof GitwellError ? e.message : 'internal error';
  return pkt(`ERR upload-pack: ${msg}\n`);
}

function checkWants(store: Store, repo: RepoRecord, wants: string[]): void {
  for (const w of wants) {
    if (!store.hasRepoObject(repo.id, oidFromHex(w))) throw new GitwellError('NOT_FOUND', `not our ref ${w}`);
  }
}

/** Haves this repo has, in the order given. */
function commonHaves(store: Store, repo: RepoRecord, haves: string[]): string[] {
  return haves.filter((h) => store.hasRepoObject(repo.id, oidFromHex(h)));
}

/** git's ok_to_give_up: every want reaches a commit the client has. */
function readyToGiveUp(store: Store, repo: RepoRecord, wants: string[], common: string[]): boolean {
  if (common.length === 0) return false;
  const g = new CommitGraph(repoFinder(store, repo), commitCache(repo.id));
  const set = new Set(common);
  return wants.every((w) => {
    const p = g.peel(w);
    return p !== null && p.type === 1 && g.reaches(p.target, set);
  });
}

/** Protocol v0/v1 upload-pack request. */
export async function* uploadPackV0(store: Store, repo: RepoRecord, body: Buffer, cache?: PackCache): AsyncGenerator<Buffer> {
  if (body.length === 0) {
    // git's upload-pack dies at EOF before a flush: an empty request is an error, not a no-op
    yield pkt('ERR upload-pack: empty request\n');
    return;
  }
  const r = new PktReader(body);
  const req = emptyRequest();
  let first = true;
  let negotiating = false;
  try {
    for (;;) {
      const p = r.next();
      if (!p) break;
      if (p.kind !== 'data') break;
      let line = trimLf(p.payload.toString('utf8'));
      if (first && line.startsWith('want ')) {
        const rest = line.slice(46);
        for (const c of rest.split(' ')) if (c) req.caps.add(c);
        for (const c of req.caps) if (c.startsWith('object-format=')) checkObjectFormat(c.slice(14));
        line = line.slice(0, 45);
        first = false;
      }
      if (!fetchArg(req, line)) throw badRequest(`unexpected line "${line.slice(0, 60)}"`);
    }
    if (req.caps.has('deepen-relative')) req.deepenRelative = true;
    if (req.wants.length === 0) {
      yield FLUSH;
      return;
    }
    checkWants(store, repo, req.wants);
    // haves and done follow the first flush; a request that ends right after the wants is the
    // client asking only for the shallow list (it reads that, then sends its haves)
    while (!r.done) {
      const p = r.next();
      if (!p) break;
      if (p.kind !== 'data') {
        negotiating = true;
        continue;
      }
      const line = trimLf(p.payload.toString('utf8'));
      if (!fetchArg(req, line)) throw badRequest(`unexpected line "${line.slice(0, 60)}"`);
      if (req.done) negotiating = true;
    }
  } catch (e) {
    yield errPkt(e);
    return;
  }

  const multiAck = req.caps.has('multi_ack_detailed') ? 2 : req.caps.has('multi_ack') ? 1 : 0;
  const band = req.caps.has('side-band-64k') || req.caps.has('side-band');
  const common = commonHaves(store, repo, req.haves);
  const out: Buffer[] = [];
  const deepening = req.depth > 0 || req.deepenSince !== null || req.deepenNot.length > 0;
  // the pack is planned only when it (or its shallow list) is about to be sent
  let pack: PackPlan | null = null;
  const ready = negotiating && !req.done && multiAck === 2 && readyToGiveUp(store, repo, req.wants, common);
  const willSend = negotiating && (req.done || (ready && req.caps.has('no-done')));
  if (deepening || willSend) {
    try {
      pack = await preparePack(store, repo, req, common, willSend ? cache : undefined);
    } catch (e) {
      yield errPkt(e);
      return;
    }
  }
  if (deepening) {
    for (const l of pack!.shallowLines) out.push(pkt(`${l}\n`));
    out.push(FLUSH);
  }
  if (!negotiating) {
    yield Buffer.concat(out);
    return;
  }
  if (!req.done) {
    const last = common[common.length - 1];
    for (const c of common) {
      if (multiAck === 2) out.push(pkt(`ACK ${c} common\n`));
      else if (multiAck === 1) out.push(pkt(`ACK ${c} continue\n`));
    }
    if (ready) out.push(pkt(`ACK ${last} ready\n`));
    out.push(pkt('NAK\n'));
    if (!(ready && req.caps.has('no-done'))) {
      yield Buffer.concat(out);
      return;
    }
    out.push(pkt(`ACK ${last}\n`));
  } else {
    out.push(pkt(common.length > 0 && multiAck ? `ACK ${common[common.length - 1]}\n` : common.length > 0 ? `ACK ${common[0]}\n` : 'NAK\n'));
  }
  yield Buffer.concat(out);
  yield* framePack(pack!, band, !req.caps.has('no-progress'));
  if (band) yield FLUSH;
}

/**
 * The arguments of a v2 fetch that are not fetchArg's, as git's upload-pack takes them: what
 * git sends of what we advertise (thin-pack, no-progress, include-tag, ofs-delta), and
 * wait-for-done and packfile-uris, which git's upload-pack takes unasked (we send no URIs).
 * Anything else is an error there ("unexpected line"), and here: a client that sends an
 * argument it thinks we took (want-ref, sideband-all) must hear that we did not.
 */
const V2_FETCH_FLAGS = new Set(['thin-pack', 'no-progress', 'include-tag', 'ofs-delta', 'wait-for-done']);
const isV2FetchFlag = (a: string) => V2_FETCH_FLAGS.has(a) || a.startsWith('packfile-uris ');
/** The arguments of ls-refs (anything else is an error there too). */
const LS_REFS_ARG = /^(?:symrefs|peel|unborn|ref-prefix .*)$/;

/**
 * The only object format we serve. A client of a sha256 repository names it (object-format=
 * in v2's capability lines, among v0's capabilities); it must hear no, not get sha1 objects.
 */
function checkObjectFormat(format: string): void {
  if (format !== 'sha1') throw badRequest(`object-format ${format.slice(0, 20)} is not supported: this server keeps sha1 repositories only`);
}

/** Protocol v2: one command per request (ls-refs or fetch). */
export async function* uploadPackV2(store: Store, repo: RepoRecord, body: Buffer, cache?: PackCache): AsyncGenerator<Buffer> {
  const r = new PktReader(body);
  let command = '';
  const args: string[] = [];
  try {
    for (;;) {
      const p = r.next();
      if (!p || p.kind === 'flush') break;
      if (p.kind === 'delim') {
        for (;;) {
          const a = r.next();
          if (!a || a.kind !== 'data') break;
          args.push(trimLf(a.payload.toString('utf8')));
        }
        break;
      }
      if (p.kind !== 'data') break;
      const line = trimLf(p.payload.toString('utf8'));
      if (line.startsWith('command=')) command = line.slice(8);
      else if (line.startsWith('object-format=')) checkObjectFormat(line.slice(14));
    }
  } catch (e) {
    yield errPkt(e);
    return;
  }
  if (command === 'ls-refs') {
    const odd = args.find((a) => !LS_REFS_ARG.test(a));
    yield odd === undefined ? lsRefs(store, repo, args) : errPkt(badRequest(`unexpected line "${odd.slice(0, 60)}"`));
    return;
  }
  if (command !== 'fetch') {
    yield pkt(`ERR unknown command "${command.slice(0, 40)}"\n`);
    return;
  }
  const req = emptyRequest();
  try {
    for (const a of args) {
      if (fetchArg(req, a)) continue;
      if (!isV2FetchFlag(a)) throw badRequest(`unexpected line "${a.slice(0, 60)}"`);
      req.caps.add(a);
    }
    checkWants(store, repo, req.wants);
  } catch (e) {
    yield errPkt(e);
    return;
  }
  const common = commonHaves(store, repo, req.haves);
  const out: Buffer[] = [];
  if (!req.done) {
    out.push(pkt('acknowledgments\n'));
    if (common.length === 0) out.push(pkt('NAK\n'));
    for (const c of common) out.push(pkt(`ACK ${c}\n`));
    // wait-for-done: the client negotiates until it says done, however much we have in common
    const ready = !req.caps.has('wait-for-done') && readyToGiveUp(store, repo, req.wants, common);
    if (!ready) {
      out.push(FLUSH);
      yield Buffer.concat(out);
      return;
    }
    out.push(pkt('ready\n'), DELIM);
  }
  let pack: PackPlan;
  try {
    pack = await preparePack(store, repo, req, common, cache);
  } catch (e) {
    yield errPkt(e);
    return;
  }
  if (req.depth > 0 || req.deepenSince !== null || req.deepenNot.length > 0) {
    out.push(pkt('shallow-info\n'));
    for (const l of pack.shallowLines) out.push(pkt(`${l}\n`));
    out.push(DELIM);
  }
  out.push(pkt('packfile\n'));
  yield Buffer.concat(out);
  yield* framePack(pack, true, !req.caps.has('no-progress'));
  yield FLUSH;
}

function lsRefs(store: Store, repo: RepoRecord, args: string[]): Buffer {
  const symrefs = args.includes('symrefs');
  const peel = args.includes('peel');
  const unborn = args.includes('unborn');
  const prefixes = args.filter((a) => a.startsWith('ref-prefix ')).map((a) => a.slice(11));
  const match = (name: string) => prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const { refs, head, headTarget } = refAdvertisement(store, repo);
  const out: Buffer[] = [];
  if (match('HEAD')) {
    if (head) out.push(pkt(`${head} HEAD${symrefs ? ` symref-target:${headTarget}` : ''}\n`));
    else if (unborn && symrefs) out.push(pkt(`unborn HEAD symref-target:${headTarget}\n`));
  }
  for (const r of refs) {
    if (!match(r.name)) continue;
    out.push(pkt(`${r.oid} ${r.name}${peel && r.peeled ? ` peeled:${r.peeled}` : ''}\n`));
  }
  out.push(FLUSH);
  return Buffer.concat(out);
}
