/** Configuration: flags over environment over defaults, validated in one place. */
import path from 'node:path';
import { z } from 'zod';
import { FSCK_LEVEL_NAMES, FSCK_MSG_IDS, findMsgId, fsckLevels, levelRefusal, type FsckLevel, type FsckMsgId } from './core/object/fsck-ids.js';

/** GITWELL_FSCK_<MSGID>=error|warn|ignore, as git's receive.fsck.<msg-id>; the id in any case. */
export const FSCK_ENV_PREFIX = 'GITWELL_FSCK_';

/** The fsck levels: git's message ids (any case) to error | warn | ignore, over the defaults. */
const FsckSettings = z
  .record(z.string(), z.string())
  .superRefine((raw, ctx) => {
    for (const [name, value] of Object.entries(raw)) {
      const env = FSCK_ENV_PREFIX + name;
      const id = findMsgId(name);
      const level = value.trim().toLowerCase() as FsckLevel;
      if (!id) ctx.addIssue({ code: 'custom', message: `${env}: "${name}" is not one of git's fsck message ids (any case): ${FSCK_MSG_IDS.join(', ')}` });
      else if (!FSCK_LEVEL_NAMES.includes(level)) ctx.addIssue({ code: 'custom', message: `${env}: level "${value}" is not error, warn or ignore` });
      else {
        const refusal = levelRefusal(id, level);
        if (refusal) ctx.addIssue({ code: 'custom', message: `${env}: ${refusal}` });
      }
    }
  })
  .transform((raw) => {
    const overrides: Partial<Record<FsckMsgId, FsckLevel>> = {};
    for (const [name, value] of Object.entries(raw)) overrides[findMsgId(name)!] = value.trim().toLowerCase() as FsckLevel;
    return fsckLevels(overrides);
  });

export const ConfigSchema = z.object({
  dataDir: z.string().min(1),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  /** largest pushed pack (with its commands) */
  maxPushBytes: z.coerce.number().int().positive(),
  /**
   * pushes whose pack is at least ingestLargeBytes are ingested at most
   * ingestLargeConcurrency at a time (each costs a bounded share of memory; see README)
   */
  ingestLargeBytes: z.coerce.number().int().min(0),
  ingestLargeConcurrency: z.coerce.number().int().min(1),
  /** largest upload-pack request (wants and haves), after gunzip */
  maxUploadRequestBytes: z.coerce.number().int().positive(),
  /** whole-clone packs kept on disk (0 turns the cache off) */
  packCacheBytes: z.coerce.number().int().min(0),
  /** REST /v1: replies of hot reads (raw, blob, tree) kept in memory (0 turns the hot path off) */
  hotCacheBytes: z.coerce.number().int().min(0),
  /** REST /v1: largest JSON request body */
  v1MaxBodyBytes: z.coerce.number().int().positive(),
  /** REST /v1 commits: most changes in one commit, largest file written */
  commitMaxFiles: z.coerce.number().int().positive(),
  commitMaxFileBytes: z.coerce.number().int().positive(),
  /** REST /v1: largest blob returned as JSON without a Range (raw has no cap) */
  blobMaxBytes: z.coerce.number().int().positive(),
  /** REST /v1 raw, blob, tree: max-age (seconds) of a URL naming a branch or tag (a full sha is immutable) */
  branchMaxAge: z.coerce.number().int().min(0),
  /** REST /v1: most entries in a recursive tree listing before `truncated` */
  treeRecursiveLimit: z.coerce.number().int().positive(),
  /** REST /v1 watch: how long one event stream stays open before its `rotate`, and the keep-alive period, seconds */
  watchWindowSeconds: z.coerce.number().positive(),
  watchKeepaliveSeconds: z.coerce.number().positive(),
  /** REST /v1 prefetch: the most a request may ask for, in all and per blob (Coregit's hard caps) */
  prefetchMaxBytes: z.coerce.number().int().positive(),
  prefetchMaxBlobBytes: z.coerce.number().int().positive(),
  /** REST /v1 rate limits (token buckets): per credential (each key, each token), and per IP for anonymous callers */
  rateLimitPerMinute: z.coerce.number().int().positive(),
  rateLimitPerHour: z.coerce.number().int().positive(),
  anonRateLimitPerMinute: z.coerce.number().int().positive(),
  anonRateLimitPerHour: z.coerce.number().int().positive(),
  /** git smart HTTP, a budget of its own: every request (a clone is 2-3) per credential, and per IP for anonymous callers */
  gitRateLimitPerMinute: z.coerce.number().int().positive(),
  gitRateLimitPerHour: z.coerce.number().int().positive(),
  anonGitRateLimitPerMinute: z.coerce.number().int().positive(),
  anonGitRateLimitPerHour: z.coerce.number().int().positive(),
  /** usage counters kept in memory (API calls, git transfer) are written at least this often: what a crash can lose */
  usageFlushMs: z.coerce.number().int().min(10).max(60_000),
  /** quotas per org: repositories, bytes written through the API, API calls per calendar month (UTC) */
  quotaRepos: z.coerce.number().int().positive(),
  quotaStorageBytes: z.coerce.number().int().positive(),
  quotaApiCallsPerMonth: z.coerce.number().int().positive(),
  /** bytes of pushes an org may send per calendar month (UTC), accepted or refused */
  quotaTransferBytesPerMonth: z.coerce.number().int().positive(),
  /** online garbage collection: how often it runs (0: only when asked), and how long an
   * object held by no repo is kept before it goes (see services/gc.ts) */
  gcIntervalSeconds: z.coerce.number().int().min(0),
  gcGraceSeconds: z.coerce.number().int().min(0),
  /** fsck level of every message id, for pushes and for objects the REST API writes */
  fsck: FsckSettings,
});

export type Config = z.infer<typeof ConfigSchema>;

export function loadConfig(flags: Partial<Record<keyof Config, string | number | undefined>> = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const pick = (flag: keyof Config, name: string, dflt: string | number) => flags[flag] ?? env[name] ?? dflt;
  const parsed = ConfigSchema.safeParse({
    dataDir: path.resolve(String(pick('dataDir', 'GITWELL_DATA', './data'))),
    host: pick('host', 'GITWELL_HOST', '127.0.0.1'),
    port: pick('port', 'GITWELL_PORT', 8080),
    maxPushBytes: pick('maxPushBytes', 'GITWELL_MAX_PUSH_BYTES', 2 * 1024 ** 3),
    ingestLargeBytes: pick('ingestLargeBytes', 'GITWELL_INGEST_LARGE_BYTES', 16 * 1024 ** 2),
    ingestLargeConcurrency: pick('ingestLargeConcurrency', 'GITWELL_INGEST_LARGE_CONCURRENCY', 1),
    maxUploadRequestBytes: pick('maxUploadRequestBytes', 'GITWELL_MAX_UPLOAD_REQUEST_BYTES', 64 * 1024 ** 2),
    packCacheBytes: pick('packCacheBytes', 'GITWELL_PACK_CACHE_BYTES', 1024 ** 3),
    hotCacheBytes: pick('hotCacheBytes', 'GITWELL_HOT_CACHE_BYTES', 64 * 1024 ** 2),
    v1MaxBodyBytes: pick('v1MaxBodyBytes', 'GITWELL_V1_MAX_BODY_BYTES', 64 * 1024 ** 2),
    commitMaxFiles: pick('commitMaxFiles', 'GITWELL_COMMIT_MAX_FILES', 1000),
    commitMaxFileBytes: pick('commitMaxFileBytes', 'GITWELL_COMMIT_MAX_FILE_BYTES', 10 * 1024 ** 2),
    blobMaxBytes: pick('blobMaxBytes', 'GITWELL_BLOB_MAX_BYTES', 50 * 1024 ** 2),
    branchMaxAge: pick('branchMaxAge', 'GITWELL_BRANCH_MAX_AGE', 60),
    treeRecursiveLimit: pick('treeRecursiveLimit', 'GITWELL_TREE_RECURSIVE_LIMIT', 10_000),
    watchWindowSeconds: pick('watchWindowSeconds', 'GITWELL_WATCH_WINDOW_SECONDS', 25),
    watchKeepaliveSeconds: pick('watchKeepaliveSeconds', 'GITWELL_WATCH_KEEPALIVE_SECONDS', 20),
    prefetchMaxBytes: pick('prefetchMaxBytes', 'GITWELL_PREFETCH_MAX_BYTES', 32 * 1024 ** 2),
    prefetchMaxBlobBytes: pick('prefetchMaxBlobBytes', 'GITWELL_PREFETCH_MAX_BLOB_BYTES', 4 * 1024 ** 2),
    rateLimitPerMinute: pick('rateLimitPerMinute', 'GITWELL_RATE_LIMIT_PER_MINUTE', 600),
    rateLimitPerHour: pick('rateLimitPerHour', 'GITWELL_RATE_LIMIT_PER_HOUR', 15_000),
    anonRateLimitPerMinute: pick('anonRateLimitPerMinute', 'GITWELL_ANON_RATE_LIMIT_PER_MINUTE', 600),
    anonRateLimitPerHour: pick('anonRateLimitPerHour', 'GITWELL_ANON_RATE_LIMIT_PER_HOUR', 15_000),
    gitRateLimitPerMinute: pick('gitRateLimitPerMinute', 'GITWELL_GIT_RATE_LIMIT_PER_MINUTE', 1200),
    gitRateLimitPerHour: pick('gitRateLimitPerHour', 'GITWELL_GIT_RATE_LIMIT_PER_HOUR', 36_000),
    anonGitRateLimitPerMinute: pick('anonGitRateLimitPerMinute', 'GITWELL_ANON_GIT_RATE_LIMIT_PER_MINUTE', 600),
    anonGitRateLimitPerHour: pick('anonGitRateLimitPerHour', 'GITWELL_ANON_GIT_RATE_LIMIT_PER_HOUR', 18_000),
    usageFlushMs: pick('usageFlushMs', 'GITWELL_USAGE_FLUSH_MS', 1000),
    quotaRepos: pick('quotaRepos', 'GITWELL_QUOTA_REPOS', 100_000),
    quotaStorageBytes: pick('quotaStorageBytes', 'GITWELL_QUOTA_STORAGE_BYTES', 1024 ** 4),
    quotaApiCallsPerMonth: pick('quotaApiCallsPerMonth', 'GITWELL_QUOTA_API_CALLS_PER_MONTH', 1_000_000_000),
    gcIntervalSeconds: pick('gcIntervalSeconds', 'GITWELL_GC_INTERVAL_SECONDS', 3600),
    gcGraceSeconds: pick('gcGraceSeconds', 'GITWELL_GC_GRACE_SECONDS', 3600),
    quotaTransferBytesPerMonth: pick('quotaTransferBytesPerMonth', 'GITWELL_QUOTA_TRANSFER_BYTES_PER_MONTH', 10 * 1024 ** 4),
    fsck: Object.fromEntries(
      Object.entries(env)
        .filter(([k, v]) => k.startsWith(FSCK_ENV_PREFIX) && v !== undefined)
        .map(([k, v]) => [k.slice(FSCK_ENV_PREFIX.length), v!]),
    ),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // fsck messages name their environment variable already
    const where = issue.path.length === 0 || issue.path[0] === 'fsck' ? '' : `${issue.path.join('.')}: `;
    throw new Error(`invalid configuration: ${where}${issue.message}`);
  }
  return parsed.data;
}
