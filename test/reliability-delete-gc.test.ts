// Nothing stranded (issue 9):
//  - a push racing the deletion of its repo fails ("ng ... repo deleted") and leaves no ref and
//    no membership of the deleted repo (it used to report ok, and leave a ref and every
//    membership row of the push behind);
//  - deletion and ref transactions serialize in the store, whichever is queued first;
//  - gc drops memberships of repo ids that no longer exist;
//  - the online collector never takes an object a push in flight holds but no repo does yet;
//    a fork, which adds members too, waits for a collector that holds the gate alone;
//  - refused pushes: their objects go after the grace period, with the server running (they
//    used to stay until an offline gc), and their bytes count against the org's transfer quota.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Membership, type NewObject, type Store } from '../storage/index.js';
import { collectorOf, writeGate } from '../src/services/gc.js';
import { forkRepo } from '../src/services/forks.js';
import { WriteGate } from '../src/core/write-gate.js';
import { hashObject } from '../src/core/oid.js';
import { makeBigSource } from './helpers/big-source.js';
import { git, gitOk, lsRemote, repoUrl, tempDir, removeTempDirs } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { packOf, writeBlob } from './helpers/objects.js';
import { receivePack, ZERO_OID } from './helpers/raw-git.js';

let work: string;
const servers: Gitwell[] = [];
const stores: Store[] = [];

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-delgc-'));
});
afterEach(async () => {
  for (const gw of servers.splice(0)) await gw.stop();
  for (const s of stores.splice(0)) s.close();
  removeTempDirs();
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function store(): Store {
  const s = openStore(fs.mkdtempSync(path.join(work, 'store-')));
  stores.push(s);
  return s;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function blob(text: string): NewObject {
  const data = Buffer.from(text);
  return { oid: hashObject('blob', data), type: 3, data };
}

function membersOf(s: Store, repoId: number): number {
  let n = 0;
  let after: Membership | null = { repoId, oid: Buffer.alloc(20) };
  for (let page = s.membershipPage(after, 1000); page.length > 0; page = s.membershipPage(page[page.length - 1]!, 1000)) {
    for (const m of page) if (m.repoId === repoId) n++;
    if (page[page.length - 1]!.repoId !== repoId) break;
    after = page[page.length - 1]!;
  }
  return n;
}

const newRepo = (s: Store, slug: string) => s.createRepo({ org: 'acme', namespace: null, slug, visibility: 'private', defaultBranch: 'main' });

describe('deleting a repo and pushing to it serialize', () => {
  it('store: a ref transaction and a deletion queued in the same turn leave nothing of the repo, in either order', async () => {
    for (const deleteFirst of [false, true]) {
      const s = store();
      const repo = newRepo(s, 'doomed');
      const b = blob(`content ${deleteFirst}\n`);
      const hex = b.oid.toString('hex');
      let p: Promise<unknown>;
      if (deleteFirst) {
        s.deleteRepo(repo.id);
        p = s.updateRefs(repo.id, [{ name: 'refs/tags/t', expect: null, next: hex }], [b.oid], true, [b]);
      } else {
        p = s.updateRefs(repo.id, [{ name: 'refs/tags/t', expect: null, next: hex }], [b.oid], true, [b]);
        s.deleteRepo(repo.id);
      }
      const outcome = await p.then(
        () => 'landed',
        (e: Error) => e.message,
      );
      if (deleteFirst) expect(outcome).toBe('repo deleted');
      expect(s.listRefs(repo.id), `refs of the deleted repo (${outcome})`).toEqual([]);
      expect(membersOf(s, repo.id), `memberships of the deleted repo (${outcome})`).toBe(0);
    }
  });

  it('git push racing DELETE of its repo: "repo deleted", and no ref or membership of it stays', async () => {
    const src = await makeBigSource(work, 'big.git', 3000, 8192, 0x51);
    const gw = await startGitwell({ env: { GITWELL_TRACE_PUSH: '1' } });
    servers.push(gw);
    const key = await gw.createKey('acme');
    await gw.createRepo('acme/doomed');
    const api = (method: string, p: string) => fetch(`${gw.url}${p}`, { method, headers: { 'x-api-key': key } });
    const id = Number(((await (await api('GET', '/v1/repos/doomed')).json()) as { id: string }).id);
    const push = git(['push', '--porcelain', repoUrl(gw.url, 'acme/doomed', key), 'main:refs/heads/main'], { cwd: src, timeoutMs: 60_000 });
    for (let i = 0; i < 600 && !gw.logs().includes('push acme/doomed ingest-began'); i++) await sleep(20);
    expect(gw.logs()).toContain('push acme/doomed ingest-began');
    const del = await api('DELETE', '/v1/repos/doomed');
    expect(del.status).toBe(200);
    const r = await push;
    const context = `${r.stdout}\n${r.stderr}\n--- server ---\n${gw.logs().slice(-2000)}`;
    // the deletion must have come before the refs: the trace says where the push was
    expect(gw.logs(), context).not.toContain('push acme/doomed refs-committed');
    expect(r.code, context).not.toBe(0);
    expect(r.stdout + r.stderr, context).toMatch(/repo deleted/);
    // a new repo of the same name starts empty
    await gw.createRepo('acme/doomed');
    expect((await lsRemote(repoUrl(gw.url, 'acme/doomed', key))).refs).toEqual([]);
    await gw.stop();
    const s = openStore(gw.dataDir);
    stores.push(s);
    expect(s.listRefs(id)).toEqual([]);
    expect(membersOf(s, id)).toBe(0);
  }, 120_000);
});

describe('gc and memberships of deleted repos', () => {
  it('drops memberships whose repo no longer exists (a store written before deletion serialized)', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'orphans-'));
    const s0 = openStore(dir);
    const kept = newRepo(s0, 'kept');
    const b = blob('kept\n');
    await s0.updateRefs(kept.id, [{ name: 'refs/tags/k', expect: null, next: b.oid.toString('hex') }], [b.oid], true, [b]);
    s0.close();
    // what the old code left: membership rows of repo id 999, which never existed here
    const env = open({ path: dir, maxDbs: 16, compression: false });
    const members = env.openDB({ name: 'repo_objects', encoding: 'binary', keyEncoding: 'binary' });
    for (let i = 0; i < 3; i++) {
      const k = Buffer.alloc(24);
      k.writeUInt32BE(999, 0);
      randomBytes(20).copy(k, 4);
      members.putSync(k, Buffer.alloc(0));
    }
    await env.close();
    const s = openStore(dir);
    stores.push(s);
    expect(membersOf(s, 999)).toBe(3);
    const r = await collectorOf(s).run({ graceMs: 0 });
    expect(r.orphanMembers).toBe(3);
    expect(membersOf(s, 999)).toBe(0);
    expect(membersOf(s, kept.id)).toBe(1);
    expect(s.hasObject(b.oid)).toBe(true);
  });
});

describe('the online collector and pushes in flight', () => {
  it('never takes an object a writer holds before its ref transaction; takes one nobody holds', async () => {
    const s = store();
    const repo = newRepo(s, 'busy');
    const inFlight = blob('written, not yet a member\n');
    const stray = blob('held by nobody\n');
    const w = s.objectWriter();
    w.add(stray);
    await w.flush();
    let report: Awaited<ReturnType<ReturnType<typeof collectorOf>['run']>> | undefined;
    let gc: Promise<void> | undefined;
    await writeGate(s).write(async () => {
      const ow = s.objectWriter();
      ow.add(inFlight);
      await ow.flush();
      gc = collectorOf(s).run({ graceMs: 0 }).then((r) => void (report = r));
      await sleep(200);
      expect(report, 'the collector waits for the writer').toBeUndefined();
      expect(s.hasObject(inFlight.oid)).toBe(true);
      await s.updateRefs(repo.id, [{ name: 'refs/tags/t', expect: null, next: inFlight.oid.toString('hex') }], [inFlight.oid], true);
    });
    await gc;
    expect(s.hasObject(inFlight.oid), 'the pushed object survived').toBe(true);
    expect(s.hasObject(stray.oid), 'the stray object went').toBe(false);
    expect(report!.removed).toBe(1);
  });

  it('a fork adds members, so it is a writer too: it waits while the collector holds the gate alone, then holds every object of its source', async () => {
    const s = store();
    const source = newRepo(s, 'source');
    const b = blob('shared by the fork\n');
    await s.updateRefs(source.id, [{ name: 'refs/tags/t', expect: null, next: b.oid.toString('hex') }], [b.oid], true, [b]);
    let fork: ReturnType<typeof forkRepo> | undefined;
    await writeGate(s).alone(async () => {
      fork = forkRepo(s, source, { org: 'acme', namespace: null, slug: 'copy' });
      await sleep(200);
      expect(s.findRepo('acme', null, 'copy'), 'the fork waits for the collector').toBeUndefined();
    }, 60_000);
    const f = await fork!;
    expect(f.shared).toBe(1);
    expect(s.isMember(f.repo.id, b.oid)).toBe(true);
    expect(s.getRef(f.repo.id, 'refs/tags/t')).toBe(b.oid.toString('hex'));
  });

  it('WriteGate: a collector out of patience holds new writers back until it is done', async () => {
    const gate = new WriteGate();
    const order: string[] = [];
    let release!: () => void;
    const first = gate.write(() => new Promise<void>((r) => (release = r)).then(() => void order.push('first writer done')));
    const collector = gate.alone(async () => void order.push('collector'), 50);
    await sleep(100);
    const second = gate.write(async () => void order.push('second writer'));
    await sleep(50);
    expect(order).toEqual([]);
    release();
    await Promise.all([first, collector, second]);
    expect(order).toEqual(['first writer done', 'collector', 'second writer']);
  });
});

describe('refused pushes', () => {
  it('their objects go after the grace period with the server running, and their bytes count against the transfer quota', async () => {
    const scratch = tempDir('gw-refused-');
    await gitOk(['init', '-q', '--bare', scratch]);
    const big = await writeBlob(scratch, randomBytes(2 * 1024 * 1024));
    const pack = await packOf(scratch, [big]);
    const gw = await startGitwell({
      env: { GITWELL_GC_GRACE_SECONDS: '1', GITWELL_GC_INTERVAL_SECONDS: '0', GITWELL_QUOTA_TRANSFER_BYTES_PER_MONTH: String(Math.floor(3.5 * pack.length)) },
    });
    servers.push(gw);
    const key = await gw.createKey('acme');
    await gw.createRepo('acme/target');
    const missing = randomBytes(20).toString('hex');
    const push = () => receivePack(gw.url, 'acme/target', key, [{ old: ZERO_OID, new: missing, ref: 'refs/heads/x' }], pack);
    for (let i = 0; i < 3; i++) {
      const r = await push();
      expect(r.report.refs.get('refs/heads/x'), r.text).toBe('missing necessary objects');
    }
    const held = () => {
      const s = openStore(gw.dataDir);
      try {
        return s.hasObject(Buffer.from(big, 'hex'));
      } finally {
        s.close();
      }
    };
    expect(held(), 'the refused pushes left their blob').toBe(true);
    // the fourth is over the month's transfer, whatever it carries
    const fourth = await push();
    expect(fourth.report.unpack, fourth.text).toMatch(/transfer quota/);
    // within the grace period the blob stays; after it, gc asked of the running server takes it
    const early = JSON.parse((await gw.cli(['gc', '--json'])).stdout) as { removed: number; deferred: number };
    expect(early.removed).toBe(0);
    expect(early.deferred).toBeGreaterThanOrEqual(1);
    await sleep(1100);
    const late = await gw.cli(['gc', '--json']);
    expect(late.code, late.stderr).toBe(0);
    const report = JSON.parse(late.stdout) as { removed: number; removedBytes: number };
    expect(report.removed).toBeGreaterThanOrEqual(1);
    expect(report.removedBytes).toBeGreaterThanOrEqual(pack.length / 2);
    expect(held()).toBe(false);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});
