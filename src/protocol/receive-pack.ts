/**
 * git-receive-pack over smart HTTP (gitprotocol-pack, "Pushing Data To a Server"):
 *   request  = command-list [push-options] [pack]
 *   command  = PKT-LINE(old-id SP new-id SP refname [NUL capability-list] LF), then flush-pkt
 *   response = PKT-LINE("unpack" SP ("ok" / reason) LF) *(PKT-LINE("ok" SP ref LF) /
 *              PKT-LINE("ng" SP ref SP reason LF)) flush-pkt, inside side-band channel 1
 *              when side-band-64k was asked for.
 * Order of work: ref names are checked, the pack is decoded and every object validated, the
 * new history is walked to prove it is connected, then all ref updates commit in one LMDB
 * transaction with the new objects' membership. A failure anywhere before that moves nothing.
 * A failure the client should hear about (a full disk included) is said in the protocol: an
 * `unpack <reason>` or `ng <ref> <reason>` line, and `error: …` on the progress channel.
 * fsck warnings go to the client on side-band 2, as "remote: warning: object <oid>: <id>: ..."
 * lines, at most MAX_WARNING_LINES of them.
 */
import { GitwellError } from '../core/errors.js';
import { refUpdateRefusal } from '../core/refname.js';
import { oidFromHex, ZERO_OID } from '../core/oid.js';
import type { FsckLevels } from '../core/object/fsck-ids.js';
import type { ObjectFinding } from '../core/object/fsck.js';
import { CommitGraph, type CommitInfo } from '../core/commit-graph.js';
import { commitCache } from '../services/commit-cache.js';
import type { RefUpdate, RefUpdateResult, RepoRecord, Store, WriteContext } from '../../storage/index.js';
import { ingestPack } from '../services/ingest.js';
import { connectNewHistory, finderWith, NewObjects } from '../services/connectivity.js';
import type { FileSource } from '../services/spool.js';
import type { PackSource } from '../core/pack/indexer.js';
import { FLUSH, pkt, PktReader, sideband, trimLf } from './pkt-line.js';
import type { Gate } from '../core/gate.js';
import { Slicer } from '../core/slice.js';
import type { PackCache } from '../services/pack-cache.js';
import { clonePackKey, warmClonePack } from './upload-pack.js';
import { afterRefsChanged } from '../services/clone-warmth.js';
import { tracePush } from '../services/push-trace.js';
import { writeGate } from '../services/gc.js';

interface Command {
  old: string;
  next: string;
  ref: string;
  error?: string;
}

const MAX_COMMAND_BYTES = 16 * 1024 * 1024;

interface Commands { commands: Command[]; caps: Set<string>; pushOptions: string[]; packAt: number }

/** The command list is read from the first 64 KiB, or, when it is longer, from up to 16 MiB. */
function readCommands(src: PackSource): Commands {
  const first = Math.min(src.size, 64 * 1024);
  try {
    return parseCommands(src.read(0, first).subarray(0, first));
  } catch (e) {
    const most = Math.min(src.size, MAX_COMMAND_BYTES);
    if (most === first) throw e;
    return parseCommands(src.read(0, most).subarray(0, most));
  }
}

function parseCommands(head: Buffer): Commands {
  const r = new PktReader(head);
  const commands: Command[] = [];
  let caps = new Set<string>();
  for (;;) {
    const p = r.next();
    if (!p) throw new GitwellError('VALIDATION_ERROR', 'protocol error: command list not terminated by a flush');
    if (p.kind !== 'data') break;
    let line = trimLf(p.payload.toString('utf8'));
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0) {
        caps = new Set(line.slice(nul + 1).split(' ').filter(Boolean));
        // a sha256 repository's push (git itself stops before sending one): its ids are not ours
        const format = [...caps].find((c) => c.startsWith('object-format='));
        if (format !== undefined && format !== 'object-format=sha1') {
          throw new GitwellError('VALIDATION_ERROR', `${format.slice(0, 34)} is not supported: this server keeps sha1 repositories only`);
        }
      }
      line = line.slice(0, nul);
    }
    if (line.startsWith('shallow ')) continue;
    const m = /^([0-9a-f]{40}) ([0-9a-f]{40}) (.+)$/.exec(line);
    if (!m) throw new GitwellError('VALIDATION_ERROR', `protocol error: bad command "${line.slice(0, 100)}"`);
    commands.push({ old: m[1], next: m[2], ref: m[3] });
  }
  const pushOptions: string[] = [];
  if (caps.has('push-options')) {
    for (;;) {
      const p = r.next();
      if (!p || p.kind !== 'data') break;
      pushOptions.push(trimLf(p.payload.toString('utf8')));
    }
  }
  return { commands, caps, pushOptions, packAt: r.offset };
}

/** A pack of a million bad trees must not make a reply of a million lines. */
export const MAX_WARNING_LINES = 20;

/** git's own wording ("warning: object <oid>: <id>: <message>"), the client adds "remote: ". */
function warningLines(warnings: ObjectFinding[], count: number): string[] {
  const lines = warnings.slice(0, MAX_WARNING_LINES).map((w) => `warning: object ${w.oid}: ${w.id}: ${w.message.replace(/[\r\n]/g, ' ')}\n`);
  if (count > lines.length) lines.push(`warning: and ${count - lines.length} more fsck warnings\n`);
  return lines;
}

/**
 * The report-status, with progress and messages before it on side-band 2 (when the client
 * asked for side-band-64k). `quiet` silences progress, not warnings.
 */
function report(caps: Set<string>, unpack: string, commands: Command[], progress: string[], messages: string[] = []): Buffer {
  const lines: Buffer[] = [pkt(`unpack ${unpack}\n`)];
  for (const c of commands) lines.push(pkt(c.error ? `ng ${c.ref} ${c.error}\n` : `ok ${c.ref}\n`));
  lines.push(FLUSH);
  const status = Buffer.concat(lines);
  if (!caps.has('side-band-64k')) return status;
  const out: Buffer[] = [];
  if (!caps.has('quiet')) for (const m of progress) out.push(...sideband(2, Buffer.from(m)));
  for (const m of messages) out.push(...sideband(2, Buffer.from(m)));
  out.push(...sideband(1, status), FLUSH);
  return Buffer.concat(out);
}

/** What the client is told of an error it did not cause: a GitwellError's message, else nothing of it. */
function reasonOf(e: unknown, doing: string): string {
  if (e instanceof GitwellError) return e.message.replace(/\n/g, ' ');
  console.error(`gitwell: unexpected error while ${doing}:`, e);
  return `internal error while ${doing}`;
}

/**
 * The report for a push whose body could not even be kept (the temp dir is full): every
 * command refused, `reason` on the unpack line. Read from the body's first bytes; null when
 * they do not hold the whole command list.
 */
export function refusePush(head: Buffer, reason: string): Buffer | null {
  let parsed: ReturnType<typeof readCommands>;
  try {
    parsed = readCommands({ size: head.length, read: (offset, min, want = min) => head.subarray(offset, offset + Math.max(min, want)) });
  } catch {
    return null;
  }
  if (parsed.commands.length === 0) return null;
  for (const c of parsed.commands) c.error = 'unpacker error';
  return report(parsed.caps, reason, parsed.commands, [`error: ${reason}\n`]);
}

export interface ReceiveOptions {
  /** Pushes whose pack has at least `bytes` run through `gate`: large ingests, a few at a time. */
  large?: { bytes: number; gate: Gate };
  /** where a first push's pack is kept as the repo's clone pack (see seedClonePack) */
  packCache?: PackCache;
  /** fsck levels (the server's configuration) */
  fsck?: FsckLevels;
  /** who pushes, and what to count with the ref updates (their audit entries are written with them) */
  write?: WriteContext;
}

export async function receivePack(store: Store, repo: RepoRecord, body: FileSource, opts: ReceiveOptions = {}): Promise<Buffer> {
  const { commands, caps, packAt } = readCommands(body);
  if (commands.length === 0) return Buffer.from(FLUSH);

  const pack = body.slice(packAt);
  // from its first object to its ref transaction a push holds objects no repo holds yet: the
  // collector keeps out meanwhile (services/gc.ts)
  const push = () => writeGate(store).write(() => applyPush(store, repo, commands, caps, pack, opts));
  const large = opts.large;
  if (large && pack.size >= large.bytes) return large.gate.run(push);
  return push();
}

async function applyPush(store: Store, repo: RepoRecord, commands: Command[], caps: Set<string>, pack: FileSource, opts: ReceiveOptions): Promise<Buffer> {
  const wasEmpty = store.listRefs(repo.id).length === 0;
  const progress: string[] = [];
  const messages: string[] = [];

  for (const c of commands) {
    const refusal = refUpdateRefusal(repo.defaultBranch, c.ref, c.next === ZERO_OID);
    if (refusal) c.error = refusal.kind === 'name' ? `funny refname: ${refusal.reason}` : refusal.reason;
    else if (commands.filter((d) => d.ref === c.ref).length > 1) c.error = 'ref listed more than once';
  }

  // the pack: decode and validate every object before any ref may move
  const fresh = new NewObjects();
  let packedCount = 0;
  let packObjects = 0;
  if (pack.size === 0 && commands.some((c) => c.next !== ZERO_OID)) {
    // git sends a pack (maybe of no objects) with every push that is not only deletions
    for (const c of commands) c.error ??= 'unpacker error';
    return report(caps, 'eof before pack header was fully read', commands, progress);
  }
  if (pack.size > 0) {
    try {
      await tracePush(repo, 'ingest-began');
      const r = await ingestPack(store, repo.id, pack, { fsck: opts.fsck });
      await tracePush(repo, 'ingest-done');
      fresh.add(r.index, r.types, r.objectSizes);
      packObjects = r.objects;
      packedCount = r.thin === 0 ? r.objects : 0;
      messages.push(...warningLines(r.warnings, r.warningCount));
      progress.push(`Resolved ${r.objects} objects (${r.deltas} deltas${r.thin ? `, ${r.thin} thin bases` : ''}).\n`);
    } catch (e) {
      // whatever went wrong (a full disk too), the client gets an unpack error in the protocol, not a bare 500
      const why = reasonOf(e, 'unpacking');
      for (const c of commands) c.error ??= 'unpacker error';
      progress.push(`error: ${why}\n`);
      return report(caps, why, commands, progress);
    }
  }

  // connectivity: everything reachable from the new tips is in the pack or already in the
  // repo; only what the walk reached joins the repo (services/connectivity.ts)
  const finder = finderWith(store, repo.id, fresh);
  const tips = commands.filter((c) => !c.error && c.next !== ZERO_OID);
  let connectError: string | null = null;
  for (const c of tips) {
    const o = finder.get(oidFromHex(c.next));
    if (!o) {
      c.error = 'missing necessary objects';
      continue;
    }
    if (c.ref.startsWith('refs/heads/') && o.type !== 1) c.error = 'refusing to point a branch at a non-commit object';
  }
  let reached: Buffer[] = [];
  let newCommits: CommitInfo[] = [];
  try {
    ({ reached, commits: newCommits } = await connectNewHistory(store, repo.id, fresh, tips.filter((c) => !c.error).map((c) => oidFromHex(c.next))));
  } catch (e) {
    if (!(e instanceof GitwellError)) throw e;
    connectError = e.message;
  }
  if (connectError) {
    for (const c of commands) c.error ??= 'missing necessary objects';
    progress.push(`error: connectivity check failed: ${connectError}\n`);
  } else await tracePush(repo, 'connected');

  if (repo.denyNonFastForwards) {
    const graph = new CommitGraph(finder);
    for (const c of commands) {
      if (c.error || c.old === ZERO_OID || c.next === ZERO_OID || !c.ref.startsWith('refs/heads/')) continue;
      if (!graph.reaches(c.next, new Set([c.old]), 1_000_000)) c.error = 'non-fast-forward';
    }
  }

  const atomic = caps.has('atomic');
  if (atomic && commands.some((c) => c.error)) {
    for (const c of commands) c.error ??= 'atomic push failed';
    return report(caps, 'ok', commands, progress, messages);
  }
  const todo = commands.filter((c) => !c.error);
  const updates: RefUpdate[] = todo.map((c) => ({
    name: c.ref,
    expect: c.old === ZERO_OID ? null : c.old,
    next: c.next === ZERO_OID ? null : c.next,
  }));
  if (updates.length > 0) {
    let results: RefUpdateResult[];
    try {
      const write: WriteContext = { ...opts.write, push: { bytes: pack.size, objects: packObjects } };
      results = await store.updateRefs(repo.id, updates, reached, atomic, undefined, write);
    } catch (e) {
      // nothing moved (a full disk fails the whole transaction): each ref says why
      const why = reasonOf(e, 'updating refs');
      for (const c of todo) c.error = why;
      progress.push(`error: ${why}\n`);
      return report(caps, 'ok', commands, progress);
    }
    if (results.some((r) => r.ok)) await tracePush(repo, 'refs-committed');
    results.forEach((r, i) => {
      if (!r.ok) todo[i].error = r.reason === 'atomic push failed' ? r.reason : `failed to update ref: it is now ${r.current ?? 'absent'} (fetch first)`;
    });
    // the commits joined the repo (its membership) if any update landed
    if (results.some((r) => r.ok)) {
      const shared = commitCache(repo.id);
      for (const c of newCommits) shared.set(c.oid, c);
    }
    const cache = opts.packCache;
    if (cache && wasEmpty && packedCount > 0 && packedCount === reached.length && commands.every((c) => !c.error)) {
      await seedClonePack(store, repo, cache, commands, pack, packedCount);
    } else if (cache && results.some((r) => r.ok)) {
      afterRefsChanged(cache, repo.id, (shape) => warmClonePack(store, repo, cache, shape));
    }
  }
  return report(caps, 'ok', commands, progress, messages);
}

/**
 * The first push into an empty repo usually carries exactly what a clone of it sends: every
 * object the new refs reach and nothing else (the connectivity walk reached every object of
 * the pack). Then that pack, checked already, is kept as the clone pack of those refs, so
 * the clones that follow a first push (a CI fleet, say) are served from a file at once
 * instead of one of them walking and packing the repo first. Only when the repo's refs are
 * then exactly the pushed ones, all branches and tags (a clone wants nothing else), and under
 * the keys a modern client's clone asks for (ofs-delta, with and without include-tag).
 */
async function seedClonePack(store: Store, repo: RepoRecord, cache: PackCache, commands: Command[], pack: FileSource, count: number): Promise<void> {
  const refs = store.listRefs(repo.id);
  const pushed = new Map(commands.filter((c) => c.next !== ZERO_OID).map((c) => [c.ref, c.next]));
  if (refs.length !== pushed.size || !refs.every((r) => pushed.get(r.name) === r.oid && /^refs\/(heads|tags)\//.test(r.name))) return;
  if (pack.size < 32 || pack.read(8, 4).readUInt32BE(0) !== count) return;
  const wants = refs.map((r) => r.oid);
  const keys = [true, false].map((includeTag) => clonePackKey(store, repo, wants, '', true, includeTag));
  const slicer = new Slicer();
  async function* bytes(): AsyncGenerator<Buffer> {
    for (let at = 0; at < pack.size; ) {
      const n = Math.min(1024 * 1024, pack.size - at);
      yield pack.read(at, n).subarray(0, n);
      at += n;
      if (slicer.due()) await slicer.pause();
    }
  }
  try {
    await cache.adopt(keys, bytes());
  } catch (e) {
    // the push stands; the first clone will pack the repo itself
    console.error('gitwell: could not keep a first push as the clone pack:', e);
  }
}

