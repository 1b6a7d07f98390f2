#!/usr/bin/env node
/**
 * gitwell serve [--data DIR] [--host H] [--port N] [--json]
 * gitwell key create --org ORG [--name NAME] [--data DIR] [--json]
 * gitwell repo create ORG/[NAMESPACE/]SLUG [--public] [--default-branch B] [--description D] [--data DIR] [--json]
 * Errors go to stderr with exit status 1; --json prints one JSON object on stdout.
 */
import { loadConfig } from './config.js';
import { GitwellError } from './core/errors.js';
import { startServer } from './server.js';
import { openStore } from '../storage/index.js';
import { createKey } from './services/auth.js';
import { createRepo, repoJson } from './services/repos.js';

const BOOLEAN_FLAGS = new Set(['json', 'public', 'private', 'help']);

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
  gitwell repo create ORG/[NAMESPACE/]SLUG [--public] [--default-branch main] [--description TEXT] [--data DIR] [--json]`;

function str(v: string | true | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
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
    const server = await startServer(config);
    if (json) console.log(JSON.stringify({ url: server.url, port: server.port }));
    else console.log(`gitwell listening on ${server.url} (data: ${config.dataDir})`);
    const stop = () => {
      server.close();
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }

  const baseUrl = `http://${config.host}:${config.port}`;
  if (cmd === 'key' && sub === 'create') {
    const org = str(flags.org);
    if (!org) throw new Error('key create needs --org ORG');
    const store = openStore(config.dataDir);
    try {
      const { record, key } = createKey(store, org, str(flags.name) ?? 'default');
      if (json) console.log(JSON.stringify({ id: record.id, org: record.org, name: record.name, key }));
      else console.log(`created key ${record.id} for org ${org}; it is shown only once:\n${key}`);
    } finally {
      store.close();
    }
    return;
  }

  if (cmd === 'repo' && sub === 'create') {
    const full = positional[2];
    const parts = full?.split('/') ?? [];
    if (parts.length < 2 || parts.length > 3) throw new Error('repo create needs ORG/SLUG or ORG/NAMESPACE/SLUG');
    const [org, namespace, slug] = parts.length === 3 ? parts : [parts[0], null, parts[1]];
    const store = openStore(config.dataDir);
    try {
      const repo = createRepo(store, {
        org,
        namespace,
        slug: slug!,
        visibility: flags.public === true ? 'public' : 'private',
        defaultBranch: str(flags['default-branch']),
        description: str(flags.description),
      });
      const out = repoJson(store, repo, baseUrl);
      if (json) console.log(JSON.stringify(out));
      else console.log(`created ${repo.visibility} repo ${full}: ${out.git_url}`);
    } finally {
      store.close();
    }
    return;
  }
  throw new Error(`unknown command "${positional.join(' ')}"\n${USAGE}`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const msg = e instanceof GitwellError || e instanceof Error ? e.message : String(e);
  console.error(`gitwell: ${msg}`);
  process.exit(1);
});
