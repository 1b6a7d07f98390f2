/**
 * git smart HTTP (gitprotocol-http):
 *   GET  /ORG/[NS/]SLUG.git/info/refs?service=git-upload-pack|git-receive-pack
 *   POST /ORG/[NS/]SLUG.git/git-upload-pack     (v0/v1, or v2 with "Git-Protocol: version=2")
 *   POST /ORG/[NS/]SLUG.git/git-receive-pack
 * Auth is HTTP Basic with a key or token as password (any username): git/door.ts makes the
 * principal, and services/principal.ts decides (a token's read scope clones and fetches, its
 * write scope pushes); a 401 carries WWW-Authenticate so that git asks for credentials.
 */
import zlib from 'node:zlib';
import { GitwellError } from '../../core/errors.js';
import type { RepoRecord, Store, WriteContext } from '../../../storage/index.js';
import { authorizeRepo, type Access, type Principal } from '../../services/principal.js';
import { quotas } from '../../services/limits.js';
import { advertiseV0, advertiseV2, uploadPackV0, uploadPackV2 } from '../../protocol/upload-pack.js';
import { receivePack, refusePush } from '../../protocol/receive-pack.js';
import { RECEIVE_PACK_CAPS } from '../../protocol/capabilities.js';
import { FLUSH, pkt } from '../../protocol/pkt-line.js';
import { ZERO_OID } from '../../core/oid.js';
import { SpoolFailed, type HttpReply, type HttpRequest } from '../uws.js';
import { STATUS, toGitwellError } from '../errors.js';
import type { Config } from '../../config.js';
import type { PackCache } from '../../services/pack-cache.js';
import { Gate } from '../../core/gate.js';
import type { Spool } from '../../services/spool.js';
import { tracePush } from '../../services/push-trace.js';

export const GIT_PATH = /^\/([a-z0-9-]+)\/(?:([a-z0-9-]+)\/)?([a-z0-9._-]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export function gitError(e: unknown): HttpReply {
  const err = toGitwellError(e);
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' };
  if (err.code === 'UNAUTHORIZED') headers['www-authenticate'] = 'Basic realm="gitwell", charset="UTF-8"';
  return { status: STATUS[err.code], headers, body: `${err.message}\n` };
}

function isV2(req: HttpRequest): boolean {
  return (req.headers['git-protocol'] ?? '').split(':').includes('version=2');
}

function resolveRepo(store: Store, caller: Principal | null, m: RegExpExecArray, access: Access): RepoRecord {
  const [, org, ns, slug] = m;
  return authorizeRepo(caller, org, ns ?? null, slug, store.findRepo(org, ns ?? null, slug), access);
}

async function requestBody(req: HttpRequest, limit: number): Promise<Buffer> {
  const raw = await req.body.buffer(limit);
  const enc = req.headers['content-encoding'];
  if (!enc || enc === 'identity') return raw;
  if (enc !== 'gzip' && enc !== 'x-gzip') throw new GitwellError('VALIDATION_ERROR', `unsupported content-encoding ${enc}`);
  try {
    return zlib.gunzipSync(raw, { maxOutputLength: limit });
  } catch {
    throw new GitwellError('VALIDATION_ERROR', 'request body is not valid gzip or is too large');
  }
}

/** The caller as the door made it: null when anonymous (an invalid credential never gets here). */
export interface GitCaller {
  principal: Principal | null;
  /** the repo served, once known: what the door meters */
  repo?: RepoRecord;
}

export async function handleGit(store: Store, config: Config, req: HttpRequest, m: RegExpExecArray, caller: GitCaller, cache?: PackCache): Promise<HttpReply> {
  const action = m[4];
  const resolve = (access: Access) => (caller.repo = resolveRepo(store, caller.principal, m, access));
  try {
    if (action === 'info/refs') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new GitwellError('VALIDATION_ERROR', 'info/refs takes GET');
      const service = new URLSearchParams(req.query).get('service');
      if (service !== 'git-upload-pack' && service !== 'git-receive-pack') {
        throw new GitwellError('FORBIDDEN', 'dumb HTTP is not supported: use a git client with smart HTTP');
      }
      const repo = resolve(service === 'git-receive-pack' ? 'write' : 'read');
      const headers = { 'content-type': `application/x-${service}-advertisement`, 'cache-control': 'no-cache' };
      if (service === 'git-upload-pack' && isV2(req)) return { status: 200, headers, body: advertiseV2() };
      const preamble = Buffer.concat([pkt(`# service=${service}\n`), FLUSH]);
      const body = service === 'git-upload-pack' ? advertiseV0(store, repo) : advertiseReceive(store, repo);
      return { status: 200, headers, body: Buffer.concat([preamble, body]) };
    }
    if (req.method !== 'POST') throw new GitwellError('VALIDATION_ERROR', `${action} takes POST`);
    if (action === 'git-upload-pack') {
      const repo = resolve('read');
      const body = await requestBody(req, config.maxUploadRequestBytes);
      const stream = isV2(req) ? uploadPackV2(store, repo, body, cache) : uploadPackV0(store, repo, body, cache);
      return { status: 200, headers: { 'content-type': 'application/x-git-upload-pack-result', 'cache-control': 'no-cache' }, stream };
    }
    const repo = resolve('write');
    if (req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity') {
      throw new GitwellError('VALIDATION_ERROR', 'compressed receive-pack bodies are not supported');
    }
    const headers = { 'content-type': 'application/x-git-receive-pack-result', 'cache-control': 'no-cache' };
    let spool: Spool;
    try {
      spool = await req.body.file(config.maxPushBytes);
    } catch (e) {
      if (!(e instanceof SpoolFailed)) throw e;
      // git shows nothing of an HTTP error's body: the reason goes in the protocol if it can
      const err = toGitwellError(e);
      const refused = refusePush(e.head, err.message);
      if (refused) return { status: 200, headers, body: refused };
      throw err;
    }
    await tracePush(repo, 'received');
    const q = quotas(store, config);
    // the pushed bytes count against the org's transfer of the month, accepted or refused (so
    // refused pushes cannot fill a disk outside every quota), and against its storage: reserved
    // now, added to the store with the push's ref updates (in their transaction), settled after
    try {
      q.countTransfer(repo.org, spool.size);
      q.chargeStorage(repo.org, spool.size);
    } catch (e) {
      const src = spool.source();
      const n = Math.min(src.size, 64 * 1024);
      const refused = refusePush(src.read(0, n).subarray(0, n), toGitwellError(e).message);
      if (refused) return { status: 200, headers, body: refused };
      throw e;
    }
    const write: WriteContext = { actor: caller.principal!.actor('git'), usage: { [repo.org]: { storage_bytes: spool.size } } };
    const opts = { large: { bytes: config.ingestLargeBytes, gate: largeIngests(config) }, packCache: cache, fsck: config.fsck, write };
    try {
      return { status: 200, headers, body: await receivePack(store, repo, spool.source(), opts) };
    } finally {
      q.settleStorage(repo.org, spool.size);
    }
  } catch (e) {
    return gitError(e);
  }
}

const gates = new WeakMap<Config, Gate>();
/** The one gate of large pushes for a server's config. */
function largeIngests(config: Config): Gate {
  let g = gates.get(config);
  if (!g) gates.set(config, (g = new Gate(config.ingestLargeConcurrency)));
  return g;
}

function advertiseReceive(store: Store, repo: RepoRecord): Buffer {
  const refs = store.listRefs(repo.id);
  const lines: Buffer[] = [];
  if (refs.length === 0) lines.push(pkt(`${ZERO_OID} capabilities^{}\0${RECEIVE_PACK_CAPS}\n`));
  refs.forEach((r, i) => lines.push(pkt(i === 0 ? `${r.oid} ${r.name}\0${RECEIVE_PACK_CAPS}\n` : `${r.oid} ${r.name}\n`)));
  lines.push(FLUSH);
  return Buffer.concat(lines);
}
