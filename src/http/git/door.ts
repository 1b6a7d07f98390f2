/**
 * The git smart HTTP door: what every git request passes before smart-http.ts serves it.
 * - who is calling: services/principal.ts, from HTTP Basic (a key or token as the password);
 *   an invalid, expired or revoked credential is 401 with WWW-Authenticate, whatever the repo;
 * - a token from the caller's git bucket (per credential; per IP when anonymous): git has a
 *   budget of its own (GITWELL_GIT_RATE_LIMIT_*), since one clone is a few requests that each
 *   do far more than a REST call; 429 with Retry-After when it is empty; X-RateLimit-* always;
 * - metering: requests and bytes in and out of a served repo count for the org that owns it.
 */
import { quotas } from '../../services/limits.js';
import { authenticate, presentedSecret, type Principal } from '../../services/principal.js';
import { admit, rateLimited } from '../middleware/rate-limit.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { GIT_PATH, gitError, handleGit, type GitCaller } from './smart-http.js';

async function* counted(stream: AsyncIterable<Buffer>, count: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of stream) {
    count(chunk.length);
    yield chunk;
  }
}

export async function gitDoor(ctx: Context): Promise<HttpReply> {
  const h = ctx.req.headers;
  const secret = presentedSecret(h['x-api-key'], h['authorization']);
  let principal: Principal | null = null;
  let refused: unknown = null;
  if (secret !== undefined) {
    try {
      principal = authenticate(ctx.store, secret, ctx.clock.now());
    } catch (e) {
      refused = e;
    }
  }
  const adm = admit(ctx.config, ctx.clock, ctx.req, principal, 'git');
  if (!adm.take.ok) return adm.settle(gitError(rateLimited(adm.take)));
  if (refused !== null) return adm.settle(gitError(refused));

  const caller: GitCaller = { principal };
  const reply = await handleGit(ctx.store, ctx.config, ctx.req, GIT_PATH.exec(ctx.req.path)!, caller, ctx.packCache);
  const repo = caller.repo;
  if (repo && reply.status === 200) {
    const q = quotas(ctx.store, ctx.config);
    const body = typeof reply.body === 'string' ? Buffer.byteLength(reply.body) : (reply.body?.length ?? 0);
    q.countGit(repo.org, { git_requests: 1, git_bytes_in: ctx.req.body.size, git_bytes_out: body });
    if (reply.stream) reply.stream = counted(reply.stream, (n) => q.countGit(repo.org, { git_bytes_out: n }));
  }
  return adm.settle(reply);
}
