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
 */
import { GitwellError } from '../core/errors.js';
import { checkPushRefName } from '../core/refname.js';
import { oidFromHex, oidToHex, ZERO_OID } from '../core/oid.js';
import { OidIndex } from '../core/oid-index.js';
import { CommitGraph, commitInfo, type CommitInfo } from '../core/commit-graph.js';
import { commitCache } from '../services/commit-cache.js';
import { walkObjectsAsync } from '../core/walk.js';
import type { RefUpdate, RepoRecord, Store } from '../../storage/index.js';
import { ingestPack } from '../services/ingest.js';
import type { FileSource } from '../services/spool.js';
import { FLUSH, pkt, PktReader, sideband, trimLf } from './pkt-line.js';

interface Command {
  old: string;
  next: string;
  ref: string;
  error?: string;
}

const MAX_COMMAND_BYTES = 16 * 1024 * 1024;

function readCommands(src: FileSource): { commands: Command[]; caps: Set<string>; pushOptions: string[]; packAt: number } {
  const head = src.read(0, Math.min(src.size, 64 * 1024), Math.min(src.size, MAX_COMMAND_BYTES));
  const r = new PktReader(head.subarray(0, Math.min(head.length, MAX_COMMAND_BYTES)));
  const commands: Command[] = [];
  let caps = new Set<string>();
  for (;;) {
    const p = r.next();
    if (!p) throw new GitwellError('VALIDATION_ERROR', 'protocol error: command list not terminated by a flush');
    if (p.kind !== 'data') break;
    let line = trimLf(p.payload.toString('utf8'));
    const nul = line.indexOf('\0');
    if (nul >= 0) {
      if (commands.length === 0) caps = new Set(line.slice(nul + 1).split(' ').filter(Boolean));
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

function report(caps: Set<string>, unpack: string, commands: Command[], progress: string[]): Buffer {
  const lines: Buffer[] = [pkt(`unpack ${unpack}\n`)];
  for (const c of commands) lines.push(pkt(c.error ? `ng ${c.ref} ${c.error}\n` : `ok ${c.ref}\n`));
  lines.push(FLUSH);
  const status = Buffer.concat(lines);
  if (!caps.has('side-band-64k')) return status;
  const out: Buffer[] = [];
  if (!caps.has('quiet')) for (const m of progress) out.push(...sideband(2, Buffer.from(m)));
  out.push(...sideband(1, status), FLUSH);
  return Buffer.concat(out);
}

export async function receivePack(store: Store, repo: RepoRecord, body: FileSource): Promise<Buffer> {
  const { commands, caps, packAt } = readCommands(body);
  const progress: string[] = [];
  if (commands.length === 0) return Buffer.from(FLUSH);

  for (const c of commands) {
    const why = checkPushRefName(c.ref);
    if (why) c.error = `funny refname: ${why}`;
    else if (c.next === ZERO_OID && c.ref === `refs/heads/${repo.defaultBranch}`) c.error = 'refusing to delete the default branch';
    else if (commands.filter((d) => d.ref === c.ref).length > 1) c.error = 'ref listed more than once';
  }

  // the pack: decode and validate every object before any ref may move
  const pack = body.slice(packAt);
  let packed: OidIndex = new OidIndex(Buffer.alloc(0), 0);
  let packTypes: Uint8Array = new Uint8Array(0);
  let packSizes: Float64Array = new Float64Array(0);
  if (pack.size === 0 && commands.some((c) => c.next !== ZERO_OID)) {
    // git sends a pack (maybe of no objects) with every push that is not only deletions
    for (const c of commands) c.error ??= 'unpacker error';
    return report(caps, 'eof before pack header was fully read', commands, progress);
  }
  if (pack.size > 0) {
    try {
      const r = await ingestPack(store, repo.id, pack);
      packed = new OidIndex(Buffer.concat(r.oids), r.oids.length);
      packTypes = r.types;
      packSizes = r.objectSizes;
      progress.push(`Resolved ${r.objects} objects (${r.deltas} deltas${r.thin ? `, ${r.thin} thin bases` : ''}).\n`);
    } catch (e) {
      // whatever went wrong, the client gets an unpack error in the protocol, not a bare 500
      if (!(e instanceof GitwellError)) console.error('gitwell: unexpected error while unpacking a push:', e);
      const why = e instanceof GitwellError ? e.message.replace(/\n/g, ' ') : 'internal error while unpacking';
      for (const c of commands) c.error ??= 'unpacker error';
      return report(caps, why, commands, progress);
    }
  }

  const inPack = (oid: Uint8Array) => packed.indexOf(oid) >= 0;
  const known = (oid: Uint8Array) => inPack(oid) || store.isMember(repo.id, oid);

  // connectivity: everything reachable from the new tips is in the pack or already in the repo.
  // Only what this walk reached joins the repo: an object of the pack that no new tip reaches
  // had its links checked by nobody, and may name objects of another repo (membership must
  // stay closed under reachability: upload-pack and the REST API rely on it)
  const reached: Buffer[] = [];
  const newCommits: CommitInfo[] = [];
  const finder = {
    get: (oid: Uint8Array) => (known(oid) ? store.viewObject(oid) : undefined),
    info: (oid: Uint8Array) => {
      const i = packed.indexOf(oid);
      if (i >= 0) return { type: packTypes[i], size: packSizes[i] };
      return store.isMember(repo.id, oid) ? store.objectInfo(oid) : undefined;
    },
  };
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
  try {
    await walkObjectsAsync(
      finder,
      tips.filter((c) => !c.error).map((c) => oidFromHex(c.next)),
      {
        stop: (oid) => !inPack(oid) && store.isMember(repo.id, oid),
        visit: (oid, type, data) => {
          reached.push(oid);
          // parsed now, while the bytes are at hand: the first fetch after the push finds them
          if (type === 1) newCommits.push(commitInfo(oidToHex(oid), data));
        },
      },
    );
  } catch (e) {
    if (!(e instanceof GitwellError)) throw e;
    connectError = e.message;
  }
  if (connectError) {
    for (const c of commands) c.error ??= 'missing necessary objects';
    progress.push(`error: connectivity check failed: ${connectError}\n`);
  }

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
    return report(caps, 'ok', commands, progress);
  }
  const todo = commands.filter((c) => !c.error);
  const updates: RefUpdate[] = todo.map((c) => ({
    name: c.ref,
    expect: c.old === ZERO_OID ? null : c.old,
    next: c.next === ZERO_OID ? null : c.next,
  }));
  if (updates.length > 0) {
    const results = await store.updateRefs(repo.id, updates, reached, atomic);
    results.forEach((r, i) => {
      if (!r.ok) todo[i].error = r.reason === 'atomic push failed' ? r.reason : `failed to update ref: it is now ${r.current ?? 'absent'} (fetch first)`;
    });
    // the commits joined the repo (its membership) if any update landed
    if (results.some((r) => r.ok)) {
      const shared = commitCache(repo.id);
      for (const c of newCommits) shared.set(c.oid, c);
    }
  }
  return report(caps, 'ok', commands, progress);
}

