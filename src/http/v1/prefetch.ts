/**
 * POST /v1/repos/:slug/prefetch {ref?, globs, max_bytes?, max_blob_bytes?} (Coregit's
 * routes/prefetch.ts): the blobs whose paths match the globs, as NDJSON, one line per blob
 *
 *   {"path","sha","size","encoding":"text"|"binary","content_b64"}
 *
 * and one last line {"done":true,"entries","bytes","capped","ref","commit_sha"} (on a failure
 * under way {"done":true,"error","entries","bytes"}). `bytes` counts the blob lines sent; the
 * line that would take it past max_bytes is not sent, and `capped` says so. Blobs over
 * max_blob_bytes are skipped. Caps as Coregit's: max_bytes 16 MiB by default, at most
 * prefetchMaxBytes (32 MiB); max_blob_bytes 1 MiB, at most prefetchMaxBlobBytes (4 MiB).
 *
 * The reply is a stream pulled by the socket: a blob is read, encoded and handed over only when
 * the client has taken the one before, so a slow reader holds one line in memory, not the reply.
 */
import { oidToHex } from '../../core/oid.js';
import { resolveRev } from '../../services/objects.js';
import { prefetchBlobs } from '../../services/prefetch.js';
import type { Context } from '../router.js';
import type { HttpReply } from '../uws.js';
import { repoFor } from './access.js';
import { looksBinary } from './blob-read.js';
import { parseBody } from './respond.js';
import { PrefetchBody } from './schemas.js';

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_BLOB_BYTES = 1024 * 1024;

export async function prefetch(ctx: Context): Promise<HttpReply> {
  const { repo } = repoFor(ctx, 'read');
  const body = await parseBody(ctx, PrefetchBody);
  const ref = body.ref || repo.defaultBranch;
  const r = resolveRev(ctx.store, repo, ref);
  const maxBytes = Math.min(body.max_bytes ?? DEFAULT_MAX_BYTES, ctx.config.prefetchMaxBytes);
  const maxBlob = Math.min(body.max_blob_bytes ?? DEFAULT_MAX_BLOB_BYTES, ctx.config.prefetchMaxBlobBytes);
  const commitSha = r.commit ? oidToHex(r.commit) : null;
  const blobs = prefetchBlobs(ctx.store, r.tree, body.globs, maxBlob);

  async function* lines(): AsyncGenerator<Buffer> {
    let bytes = 0;
    let entries = 0;
    let capped = false;
    try {
      for await (const b of blobs) {
        // encoded before the walk reads the store again (b.data is a view until then)
        const line = Buffer.from(
          `${JSON.stringify({ path: b.path, sha: b.sha, size: b.size, encoding: looksBinary(b.data) ? 'binary' : 'text', content_b64: b.data.toString('base64') })}\n`,
        );
        if (bytes + line.length > maxBytes) {
          capped = true;
          break;
        }
        bytes += line.length;
        entries++;
        yield line;
      }
      yield Buffer.from(`${JSON.stringify({ done: true, entries, bytes, capped, ref, commit_sha: commitSha })}\n`);
    } catch (e) {
      // the status line is long gone: the failure goes in the last line, as Coregit sends it
      console.error('gitwell: prefetch failed:', e);
      yield Buffer.from(`${JSON.stringify({ done: true, error: 'internal error', entries, bytes })}\n`);
    } finally {
      await blobs.return(undefined);
    }
  }

  return { status: 200, headers: { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' }, stream: lines() };
}
