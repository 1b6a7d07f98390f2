#!/usr/bin/env node
// A stand-in for gitwell built on `git http-backend`, with the same CLI contract:
//
//   reference-server.mjs serve --data DIR --host 127.0.0.1 --port 0 --json
//   reference-server.mjs key create --org ORG [--name NAME] --data DIR --json
//   reference-server.mjs repo create ORG/[NS/]SLUG [--public] [--default-branch B] --data DIR --json
//
// Why: the interop suite must fail only for gitwell's faults. Run it against stock git with
//   GITWELL_CLI=test/helpers/reference-server.mjs npx vitest run test/interop-*.test.ts
// and every case should pass; a case that fails here is a wrong test, not a server bug.
// Repos are bare git repos with receive.fsckObjects and uploadpack.allowFilter on, at gitwell's
// default fsck levels where they differ from git's strict receive (zero-padded modes and a NUL
// in a commit message are warnings), and GITWELL_FSCK_<ID>=<level> as receive.fsck.<id>.
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const has = (name) => argv.includes(name);
const dataDir = flag('--data');
if (!dataDir) fail('--data is required');
const keysFile = path.join(dataDir, 'keys.json');
const reposDir = path.join(dataDir, 'repos');

function fail(msg) {
  process.stderr.write(msg + '\n');
  process.exit(2);
}
function readKeys() {
  try {
    return JSON.parse(fs.readFileSync(keysFile, 'utf8'));
  } catch {
    return [];
  }
}
function gitCfg(repo, ...args) {
  execFileSync('git', ['--git-dir', repo, 'config', ...args], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
}

const [cmd, sub] = argv;
if (cmd === 'key' && sub === 'create') {
  const org = flag('--org') ?? fail('--org is required');
  fs.mkdirSync(dataDir, { recursive: true });
  const keys = readKeys();
  const rec = { id: crypto.randomUUID(), org, key: 'gw_' + crypto.randomBytes(18).toString('hex') };
  keys.push(rec);
  fs.writeFileSync(keysFile + '.tmp', JSON.stringify(keys));
  fs.renameSync(keysFile + '.tmp', keysFile);
  process.stdout.write(JSON.stringify(rec) + '\n');
} else if (cmd === 'repo' && sub === 'create') {
  const full = argv[2];
  if (!full || !/^[\w.-]+(\/[\w.-]+){1,2}$/.test(full)) fail('bad repo name');
  const dir = path.join(reposDir, full + '.git');
  if (fs.existsSync(dir)) fail('repo exists');
  const branch = flag('--default-branch') ?? 'main';
  execFileSync('git', ['init', '-q', '--bare', '-b', branch, dir], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  gitCfg(dir, 'receive.fsckObjects', 'true');
  gitCfg(dir, 'uploadpack.allowFilter', 'true');
  gitCfg(dir, 'uploadpack.allowAnySHA1InWant', 'true');
  gitCfg(dir, 'http.receivepack', 'true');
  gitCfg(dir, 'gitwell.public', has('--public') ? 'true' : 'false');
  process.stdout.write(JSON.stringify({ full_name: full, visibility: has('--public') ? 'public' : 'private', default_branch: branch }) + '\n');
} else if (cmd === 'serve') {
  serve();
} else {
  fail(`unknown command: ${argv.join(' ')}`);
}

function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const m = /^\/(.+?\.git)(\/info\/refs|\/git-upload-pack|\/git-receive-pack)$/.exec(url.pathname);
    const deny = (status, msg) => {
      const h = { 'content-type': 'text/plain' };
      if (status === 401) h['www-authenticate'] = 'Basic realm="gitwell"';
      res.writeHead(status, h).end(msg + '\n');
    };
    if (!m) return deny(404, 'not found');
    const [, repoPath, action] = m;
    const dir = path.join(reposDir, repoPath);
    if (!fs.existsSync(dir)) return deny(404, 'not found');
    const org = repoPath.split('/')[0];
    const write = action === '/git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
    const isPublic = execFileSync('git', ['--git-dir', dir, 'config', 'gitwell.public']).toString().trim() === 'true';
    let keyRec;
    const auth = req.headers.authorization;
    if (auth) {
      const dec = Buffer.from(auth.replace(/^Basic\s+/i, ''), 'base64').toString();
      const pass = dec.slice(dec.indexOf(':') + 1);
      keyRec = readKeys().find((k) => k.key === pass);
      if (!keyRec) return deny(401, 'bad credentials');
    }
    if (write || !isPublic) {
      if (!keyRec) return deny(401, 'authentication required');
      if (keyRec.org !== org) return deny(403, 'forbidden');
    }
    const env = {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: url.pathname,
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: keyRec?.id ?? '',
      REMOTE_ADDR: '127.0.0.1',
    };
    if (req.headers['git-protocol']) env.GIT_PROTOCOL = req.headers['git-protocol'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    const levels = { zeroPaddedFilemode: 'warn', nulInCommit: 'warn' };
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('GITWELL_FSCK_')) levels[k.slice(13)] = v;
    Object.entries(levels).forEach(([id, level], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = `receive.fsck.${id}`;
      env[`GIT_CONFIG_VALUE_${i}`] = level;
    });
    env.GIT_CONFIG_COUNT = String(Object.keys(levels).length);
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      const headers = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => (started ? res.end() : deny(500, 'http-backend failed')));
  });
  server.listen(Number(flag('--port') ?? 0), flag('--host') ?? '127.0.0.1', () => {
    const { port } = server.address();
    process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, port }) + '\n');
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
