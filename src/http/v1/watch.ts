/**
 * GET /v1/repos/:slug/watch?branch= : server-sent events of a branch's moves, as Coregit sends
 * them (its routes/watch.ts):
 *
 *   event: connected  data: {"sha","branch"}          once, the head the client starts from
 *   event: commit     data: {"sha","branch","ts"}     each time the branch moves (ts: ms)
 *   : keepalive                                       every watchKeepaliveSeconds
 *   event: rotate     data: {"sha","ts"}              when the window (watchWindowSeconds) ends;
 *                                                     the client reconnects
 *
 * Where Coregit polls the ref every 2 s, here a move is pushed the moment it is visible
 * (services/ref-events.ts: every push, API commit, ref write, merge or restore). Each event
 * has an `id:` ("<epoch>.<seq>.<sha>"); a client that reconnects with Last-Event-ID gets
 * `connected` with the head it last saw, then every move it missed, in order. When those moves
 * are no longer kept (more than RECENT of the repo's, or a restart of the server), it gets one
 * `commit` to the current head with `resync: true` (unless the head is what it last saw).
 * `commit` also carries `previous`, the sha the branch moved from. A deletion sends nothing
 * (Coregit's poll cannot see one); a branch that comes back sends a `commit`.
 */
import { notFound } from '../../core/errors.js';
import { refFeed, type RefEvent } from '../../services/ref-events.js';
import { branchRef } from '../../services/refs.js';
import { Channel } from '../channel.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { parseQuery } from './respond.js';
import { WatchQuery } from './schemas.js';

const sse = (id: string | null, event: string, data: unknown) => Buffer.from(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
const KEEPALIVE = Buffer.from(': keepalive\n\n');

/** "<epoch>.<seq>.<sha>" as sent in `id:`; null for anything else. */
function parseEventId(id: string | undefined): { epoch: string; seq: number; sha: string } | null {
  const m = id ? /^([0-9a-f]{8})\.(\d{1,15})\.([0-9a-f]{40})$/.exec(id.trim()) : null;
  return m ? { epoch: m[1], seq: Number(m[2]), sha: m[3] } : null;
}

export function watch(ctx: Context): HttpReply {
  const { repo } = repoFor(ctx, 'read');
  const q = parseQuery(ctx, WatchQuery);
  const branch = q.branch ?? repo.defaultBranch;
  const ref = branchRef(branch);
  const feed = refFeed(ctx.store);
  const idOf = (seq: number, sha: string) => `${feed.epoch}.${seq}.${sha}`;

  // one synchronous block: no move can land between the subscription and the head read here
  const pending: RefEvent[] = [];
  let deliver: (e: RefEvent) => void = (e) => pending.push(e);
  const unsubscribe = feed.subscribe(repo.id, (e) => {
    if (e.ref === ref) deliver(e);
  });
  const head = ctx.store.getRef(repo.id, ref);
  const seqNow = feed.last;
  if (!head) {
    unsubscribe();
    throw notFound(`Branch "${branch}"`, { branch });
  }

  const timers: NodeJS.Timeout[] = [];
  const channel = new Channel(() => {
    unsubscribe();
    for (const t of timers) clearTimeout(t);
  });
  let last = head;
  const send = (e: RefEvent, extra: Record<string, unknown> = {}) => {
    // a ref set to where it was, or deleted, is no move of the branch's head
    if (e.next === null || e.next === last) return;
    channel.push(sse(idOf(e.seq, e.next), 'commit', { sha: e.next, branch, ts: e.ts, previous: last, ...extra }));
    last = e.next;
  };

  const resume = parseEventId(ctx.req.headers['last-event-id']);
  const missed = resume && resume.epoch === feed.epoch ? feed.since(repo.id, resume.seq) : null;
  if (resume && missed) {
    // the client's own baseline, then every move after it, up to now
    last = resume.sha;
    channel.push(sse(idOf(resume.seq, resume.sha), 'connected', { sha: resume.sha, branch }));
    for (const e of missed) if (e.ref === ref && e.seq <= seqNow) send(e);
  } else if (resume) {
    last = resume.sha;
    channel.push(sse(idOf(resume.seq, resume.sha), 'connected', { sha: resume.sha, branch }));
    send({ seq: seqNow, repoId: repo.id, ref, previous: null, next: head, ts: Date.now() }, { resync: true });
  } else {
    channel.push(sse(idOf(seqNow, head), 'connected', { sha: head, branch }));
  }
  for (const e of pending) send(e);
  deliver = (e) => send(e);

  const keepalive = () => {
    channel.push(KEEPALIVE);
    timers.push(setTimeout(keepalive, ctx.config.watchKeepaliveSeconds * 1000).unref());
  };
  timers.push(setTimeout(keepalive, ctx.config.watchKeepaliveSeconds * 1000).unref());
  timers.push(
    setTimeout(() => {
      channel.push(sse(null, 'rotate', { sha: last, ts: Date.now() }));
      channel.end();
    }, ctx.config.watchWindowSeconds * 1000).unref(),
  );

  return {
    status: 200,
    headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
    stream: channel,
  };
}
