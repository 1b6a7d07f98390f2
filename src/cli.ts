#!/usr/bin/env node
/**
 * gitwell serve [--data DIR] [--host H] [--port N] [--json]
 * gitwell key create --org ORG [--name NAME] [--data DIR] [--json]
 * gitwell key list --org ORG [--data DIR] [--json]
 * gitwell key revoke KEY_ID [--data DIR] [--json]     (a running server refuses it from its next request)
 * gitwell key rotate KEY_ID [--data DIR] [--json]     (a new key for the same org and name; the old one revoked)
 * gitwell repo create ORG/[NAMESPACE/]SLUG [--public] [--default-branch B] [--description D] [--deny-non-fast-forwards] [--data DIR] [--json]
 * gitwell repo set ORG/[NAMESPACE/]SLUG --deny-non-fast-forwards true|false [--data DIR] [--json]
 * gitwell gc [--prune-unreachable] [--grace SECONDS] [--data DIR] [--json]   (asks the server on the data dir to run it, if one runs)
 * gitwell import SOURCE ORG/[NAMESPACE/]SLUG [--public] [--data DIR] [--json]
 * Errors go to stderr with exit status 1; --json prints one JSON object on stdout.
 */
import { loadConfig } from './config.js';
import { GitwellError } from './core/errors.js';
import { runningServer, startServer } from './server.js';
import { collectorOf, gcSummary, type GcReport } from './services/gc.js';
import { askServerForGc } from './services/gc-requests.js';
import { openStore } from '../storage/index.js';
import { createKey, revokeKey, rotateKey } from './services/credentials.js';
import type { Actor, KeyRecord } from '../storage/index.js';
import { createRepo, repoIsEmpty } from './services/repos.js';
import * as present from './http/v1/present.js';
import { importRepository, type ImportEvent } from './services/import.js';
import { tellServer } from './services/ref-notices.js';
import { Progress } from './cli-progress.js';
import { holdWriterMark, otherWritersAlive } from './services/other-writers.js';

const BOOLEAN_FLAGS = new Set(['json', 'public', 'private', 'help', 'prune-unreachable']);
/** flags that take true/false, and mean true when given alone */
const SWITCHES = new Set(['deny-non-fast-forwards']);

function parseArgs(argv: string[]): { positional: string[]; flags: Record<string, string | true> } {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) flags[name] = a.slice(eq + 1);
    else if (BOOLEAN_FLAGS.has(name)) flags[name] = true;
    else if (SWITCHES.has(name) && (argv[i + 1] === undefined || argv[i + 1].startsWith('--'))) flags[name] = true;
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`--${name} needs a value`);
      flags[name] = v;
    }
  }
  return { positional, flags };
}

const USAGE = `usage:
  gitwell serve [--data DIR] [--host H] [--port N] [--json]
  gitwell key create --org ORG [--name NAME] [--data DIR] [--json]
  gitwell key list --org ORG [--data DIR] [--json]
  gitwell key revoke KEY_ID [--data DIR] [--json]
  gitwell key rotate KEY_ID [--data DIR] [--json]
  gitwell repo create ORG/[NAMESPACE/]SLUG [--public] [--default-branch main] [--description TEXT] [--deny-non-fast-forwards] [--data DIR] [--json]
  gitwell repo set ORG/[NAMESPACE/]SLUG --deny-non-fast-forwards true|false [--data DIR] [--json]
  gitwell gc [--prune-unreachable] [--grace SECONDS] [--data DIR] [--json]
  gitwell import SOURCE ORG/[NAMESPACE/]SLUG [--public] [--data DIR] [--json]
      SOURCE: a repository (bare or not) or a bundle; every branch and tag is imported`;

function str(v: string | true | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** A switch's value: true when given alone or as "true", false as "false". */
function onOff(name: string, v: string | true | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true') return true;
  if (v === 'false') return false;
  throw new Error(`--${name} takes true or false, not "${v}"`);
}

/** ORG/SLUG or ORG/NAMESPACE/SLUG */
function repoName(full: string | undefined, cmd: string): { org: string; namespace: string | null; slug: string } {
  const parts = full?.split('/') ?? [];
  if (parts.length < 2 || parts.length > 3) throw new Error(`${cmd} needs ORG/SLUG or ORG/NAMESPACE/SLUG`);
  return parts.length === 3 ? { org: parts[0], namespace: parts[1], slug: parts[2] } : { org: parts[0], namespace: null, slug: parts[1] };
}

async function main(argv: string[]): Promise<void> {
  const { positional, flags } = parseArgs(argv);
  const [cmd, sub] = positional;
  if (!cmd || flags.help) {
    console.log(USAGE);
    return;
  }
  const config = loadConfig({ dataDir: str(flags.data), host: str(flags.host), port: str(flags.port) });
  const json = flags.json === true;

  if (cmd === 'serve') {
    // Node ends the process on an unhandled rejection. Every write's failure (a full disk) is
    // answered where it happens; one that slips through is a bug to log, not a reason to stop
    // serving every other client
    process.on('unhandledRejection', (e) => console.error('gitwell: unhandled rejection (still serving):', e));
    const server = await startServer(config);
    if (json) console.log(JSON.stringify({ url: server.url, port: server.port }));
    else console.log(`gitwell listening on ${server.url} (data: ${config.dataDir})`);
    const stop = () => {
      void server.close().finally(() => process.exit(0));
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }

  const baseUrl = `http://${config.host}:${config.port}`;
  if (cmd === 'key') {
    keyCommand(config.dataDir, sub, positional[2], flags, json);
    return;
  }

  if (cmd === 'repo' && sub === 'create') {
    const full = positional[2];
    const { org, namespace, slug } = repoName(full, 'repo create');
    const store = openStore(config.dataDir);
    try {
      const repo = createRepo(store, {
        org,
        namespace,
        slug,
        visibility: flags.public === true ? 'public' : 'private',
        defaultBranch: str(flags['default-branch']),
        description: str(flags.description),
        denyNonFastForwards: onOff('deny-non-fast-forwards', flags['deny-non-fast-forwards']),
      }, CLI_ACTOR);
      const out = present.repo(repo, repoIsEmpty(store, repo), baseUrl);
      if (json) console.log(JSON.stringify(out));
      else console.log(`created ${repo.visibility} repo ${full}: ${out.git_url}`);
    } finally {
      store.close();
    }
    return;
  }
  // receive-pack reads the setting from the store; the server is told anyway (its repo records and
  // hot replies follow the repo's generation, and the repo JSON shows the setting)
  if (cmd === 'repo' && sub === 'set') {
    const full = positional[2];
    const { org, namespace, slug } = repoName(full, 'repo set');
    const deny = onOff('deny-non-fast-forwards', flags['deny-non-fast-forwards']);
    if (deny === undefined) throw new Error('repo set needs --deny-non-fast-forwards true|false');
    const store = openStore(config.dataDir);
    try {
      const found = store.findRepo(org, namespace, slug);
      if (!found) throw new Error(`no repository ${full}`);
      const repo = store.updateRepo(found.id, { denyNonFastForwards: deny }, CLI_ACTOR);
      tellServer(config.dataDir, { repoId: repo.id, updates: [] });
      const out = present.repo(repo, repoIsEmpty(store, repo), baseUrl);
      if (json) console.log(JSON.stringify(out));
      else console.log(`${full}: deny-non-fast-forwards ${deny}`);
    } finally {
      store.close();
    }
    return;
  }
  if (cmd === 'gc') {
    const prune = flags['prune-unreachable'] === true;
    const grace = str(flags.grace);
    if (grace !== undefined && !/^\d+$/.test(grace)) throw new Error('--grace takes a number of seconds');
    const graceMs = grace === undefined ? null : Number(grace) * 1000;
    // with a server on the data dir, only it knows which pushes are in flight: it collects
    const pid = runningServer(config.dataDir);
    let r: GcReport;
    if (pid !== null) {
      r = await askServerForGc(config.dataDir, pid, { graceMs, pruneUnreachable: prune }, 30 * 60_000);
    } else {
      const store = openStore(config.dataDir);
      try {
        // nothing is in flight without a server: what no repo holds goes now unless told otherwise
        r = await collectorOf(store).run({ graceMs: graceMs ?? 0, pruneUnreachable: prune, othersWriting: () => otherWritersAlive(config.dataDir) });
      } finally {
        store.close();
      }
    }
    if (json) console.log(JSON.stringify(r));
    else console.log(`gc: ${gcSummary(r)}`);
    return;
  }
  if (cmd === 'import') {
    const source = positional[1];
    const full = positional[2];
    if (!source || !full) throw new Error(`import needs SOURCE and ORG/[NAMESPACE/]SLUG\n${USAGE}`);
    const { org, namespace, slug } = repoName(full, 'import');
    const store = openStore(config.dataDir);
    const progress = new Progress();
    // while it writes, no collector (the server's, or an offline gc) takes its objects
    const release = holdWriterMark(config.dataDir);
    try {
      // the server on the data dir, if one runs, is told of the moves (services/ref-notices.ts)
      const on = (e: ImportEvent) => (e.kind === 'changed' ? tellServer(config.dataDir, e) : json ? undefined : progress.onImport(e));
      const r = await importRepository(store, config, source, { org, namespace, slug, visibility: flags.public === true ? 'public' : undefined }, on, CLI_ACTOR);
      progress.end();
      if (json) console.log(JSON.stringify(r));
      else {
        console.log(`${r.created ? 'created and imported' : 'imported into'} ${r.repo}: ${r.refs} branches and tags (${r.updated} set), ` +
          `${r.objects} objects in ${r.packs} pack${r.packs === 1 ? '' : 's'} (${r.deltas} deltas), ${r.joined} new to the repo, ` +
          `${r.warnings} fsck warnings, in ${r.seconds.toFixed(1)} s`);
      }
    } finally {
      release();
      store.close();
    }
    return;
  }
  throw new Error(`unknown command "${positional.join(' ')}"\n${USAGE}`);
}

/** What the CLI does is audited as done through its own door, with no credential. */
const CLI_ACTOR: Actor = { credentialId: null, kind: null, door: 'cli' };

const keyJson = (k: KeyRecord) => ({ id: k.id, org: k.org, name: k.name, created_at: k.createdAt, revoked_at: k.revokedAt ?? null });

/** key create | list | revoke | rotate: on the data dir, whether or not a server runs on it (see credentials.ts). */
function keyCommand(dataDir: string, sub: string | undefined, id: string | undefined, flags: Record<string, string | true>, json: boolean): void {
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke' && sub !== 'rotate') throw new Error(`unknown command "key ${sub ?? ''}"\n${USAGE}`);
  if ((sub === 'revoke' || sub === 'rotate') && !id) throw new Error(`key ${sub} needs the KEY_ID (gitwell key list --org ORG shows them)`);
  const org = str(flags.org);
  if ((sub === 'create' || sub === 'list') && !org) throw new Error(`key ${sub} needs --org ORG`);
  const store = openStore(dataDir);
  try {
    if (sub === 'create') {
      const { record, key } = createKey(store, org!, str(flags.name) ?? 'default', CLI_ACTOR);
      if (json) console.log(JSON.stringify({ id: record.id, org: record.org, name: record.name, key }));
      else console.log(`created key ${record.id} for org ${org}; it is shown only once:\n${key}`);
    } else if (sub === 'list') {
      const keys = store.listKeys(org!).map(keyJson);
      if (json) console.log(JSON.stringify({ keys }));
      else for (const k of keys) console.log(`${k.id}  ${k.name}  created ${k.created_at}${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}`);
    } else if (sub === 'revoke') {
      const k = revokeKey(store, null, id!, CLI_ACTOR);
      if (json) console.log(JSON.stringify(keyJson(k)));
      else console.log(`revoked key ${k.id} of org ${k.org}`);
    } else {
      const { old, record, key } = rotateKey(store, id!, CLI_ACTOR);
      if (json) console.log(JSON.stringify({ id: record.id, org: record.org, name: record.name, key, revoked: old.id }));
      else console.log(`revoked key ${old.id}; its replacement ${record.id} for org ${record.org} is shown only once:\n${key}`);
    }
  } finally {
    store.close();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const msg = e instanceof GitwellError || e instanceof Error ? e.message : String(e);
  console.error(`gitwell: ${msg}`);
  process.exit(1);
});
