// Interop: ref updates are compare-and-swaps. An atomic push where one command fails changes
// nothing; stale old values are refused; two pushes racing for one branch give one winner and
// one clean rejection, through the stock client and through raw POSTs sent at the same instant.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { git, gitOk, lsRemote, makeFixture, removeTempDirs, tempDir, type Fixture } from './helpers/git.js';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { childOf, expectHealthy, pushFixture } from './helpers/interop.js';
import { packRevs } from './helpers/objects.js';
import { refStatus } from './helpers/pktline.js';
import { ZERO_OID, emptyPack, infoRefs, parseAdvertisement, receivePack } from './helpers/raw-git.js';

let fx: Fixture;
let scratch: string; // a bare copy of the fixture where hand-made objects are written
let main: string;
let gw: Gitwell;

beforeAll(async () => {
  fx = await makeFixture();
  scratch = path.join(path.dirname(fx.dir), 'scratch.git');
  await gitOk(['clone', '-q', '--bare', fx.dir, scratch]);
  main = await gitOk(['rev-parse', 'main'], { cwd: scratch });
});
beforeEach(async () => {
  gw = await startGitwell();
});
afterEach(async () => {
  await gw?.stop();
  removeTempDirs();
});

describe('atomic pushes', () => {
  it('advertises atomic; git push --atomic with a stale lease changes nothing', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const adv = parseAdvertisement((await infoRefs(gw.url, repo.fullName, 'git-receive-pack', { key: repo.key })).body);
    expect(adv.caps).toContain('atomic');
    expect(adv.caps).toContain('report-status');
    expect(adv.caps).toContain('delete-refs');
    const before = (await lsRemote(repo.url)).refs;
    const feature = await gitOk(['rev-parse', 'feature/x'], { cwd: scratch });
    const r = await git(
      ['push', '--atomic', `--force-with-lease=refs/heads/release-1.0:${main}`, repo.url, 'main:refs/heads/ok', `${feature}:refs/heads/release-1.0`],
      { cwd: scratch },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/stale info|atomic/);
    expect((await lsRemote(repo.url)).refs).toEqual(before);
  });

  it('server side: one stale command fails the whole atomic push; without atomic only that one', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const release = await gitOk(['rev-parse', 'release-1.0'], { cwd: scratch });
    const feature = await gitOk(['rev-parse', 'feature/x'], { cwd: scratch });
    const commands = [
      { old: ZERO_OID, new: main, ref: 'refs/heads/ok' },
      { old: main /* stale: release-1.0 is not at main */, new: feature, ref: 'refs/heads/release-1.0' },
    ];
    const atomic = await receivePack(gw.url, repo.fullName, repo.key, commands, emptyPack(), [
      'report-status',
      'side-band-64k',
      'atomic',
    ]);
    expect(atomic.status, atomic.text).toBeLessThan(500);
    expect(refStatus(atomic.report, 'refs/heads/ok'), atomic.text).toMatch(/^ng/);
    expect(refStatus(atomic.report, 'refs/heads/release-1.0'), atomic.text).toMatch(/^ng/);
    expect((await lsRemote(repo.url)).refs).toEqual(before);

    const plain = await receivePack(gw.url, repo.fullName, repo.key, commands, emptyPack());
    expect(refStatus(plain.report, 'refs/heads/ok'), plain.text).toBe('ok');
    expect(refStatus(plain.report, 'refs/heads/release-1.0'), plain.text).toMatch(/^ng/);
    expect((await lsRemote(repo.url)).refs).toEqual([...before, `${main}\trefs/heads/ok`].sort());
    expect((await lsRemote(repo.url)).refs).toContain(`${release}\trefs/heads/release-1.0`);

    // and when every command is good, an atomic push applies them all
    const all = await receivePack(
      gw.url,
      repo.fullName,
      repo.key,
      [
        { old: main, new: feature, ref: 'refs/heads/ok' },
        { old: release, new: main, ref: 'refs/heads/release-1.0' },
        { old: ZERO_OID, new: release, ref: 'refs/heads/new-one' },
      ],
      emptyPack(),
      ['report-status', 'atomic'],
    );
    expect(all.report.lines, all.text).toEqual(['unpack ok', 'ok refs/heads/ok', 'ok refs/heads/release-1.0', 'ok refs/heads/new-one']);
    const after = (await lsRemote(repo.url)).refs;
    expect(after).toContain(`${feature}\trefs/heads/ok`);
    expect(after).toContain(`${main}\trefs/heads/release-1.0`);
    expect(after).toContain(`${release}\trefs/heads/new-one`);
  });
});

describe('compare-and-swap (raw POST)', () => {
  it('refuses stale old values for create, update and delete; a delete-only push needs no pack', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const before = (await lsRemote(repo.url)).refs;
    const release = await gitOk(['rev-parse', 'release-1.0'], { cwd: scratch });
    const feature = await gitOk(['rev-parse', 'feature/x'], { cwd: scratch });
    const cases: Record<string, { old: string; new: string; ref: string }> = {
      'create over an existing ref': { old: ZERO_OID, new: main, ref: 'refs/heads/release-1.0' },
      'update with a wrong old value': { old: feature, new: main, ref: 'refs/heads/release-1.0' },
      'update of a ref that does not exist': { old: release, new: main, ref: 'refs/heads/nope' },
      'delete with a wrong old value': { old: feature, new: ZERO_OID, ref: 'refs/heads/release-1.0' },
      'delete of a ref that does not exist': { old: release, new: ZERO_OID, ref: 'refs/heads/nope' },
    };
    const got: Record<string, string> = {};
    const details: string[] = [];
    for (const [name, c] of Object.entries(cases)) {
      const pack = c.new === ZERO_OID ? undefined : emptyPack();
      const r = await receivePack(gw.url, repo.fullName, repo.key, [c], pack, ['report-status', 'delete-refs']);
      const st = refStatus(r.report, c.ref);
      got[name] = r.status >= 500 ? `HTTP ${r.status}` : st === 'ok' ? 'accepted' : st?.startsWith('ng') ? 'ng' : 'no report';
      details.push(`${name}: HTTP ${r.status} ${JSON.stringify(r.report.lines)}`);
    }
    expect(got, details.join('\n')).toEqual(Object.fromEntries(Object.keys(cases).map((k) => [k, 'ng'])));
    expect((await lsRemote(repo.url)).refs).toEqual(before);

    // the right old value deletes, with no pack in the body at all (what git sends)
    const del = await receivePack(gw.url, repo.fullName, repo.key, [{ old: release, new: ZERO_OID, ref: 'refs/heads/release-1.0' }], undefined, [
      'report-status',
      'delete-refs',
    ]);
    expect(refStatus(del.report, 'refs/heads/release-1.0'), del.text).toBe('ok');
    expect((await lsRemote(repo.url)).refs).toEqual(before.filter((l) => !l.endsWith('\trefs/heads/release-1.0')));
  });
});

describe('concurrent pushes to one branch', () => {
  it('git push from two clones at once: one wins, the other is rejected cleanly', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    const tmp = tempDir();
    const a = path.join(tmp, 'a');
    const b = path.join(tmp, 'b');
    await gitOk(['clone', '-q', '--single-branch', '--no-tags', repo.url, a]);
    await gitOk(['clone', '-q', '--single-branch', '--no-tags', repo.url, b]);
    for (let round = 0; round < 3; round++) {
      for (const [dir, who] of [[a, 'a'], [b, 'b']] as const) {
        await gitOk(['fetch', '-q', 'origin'], { cwd: dir });
        await gitOk(['reset', '-q', '--hard', 'origin/main'], { cwd: dir });
        fs.writeFileSync(path.join(dir, `race-${who}.txt`), `round ${round} by ${who}\n`);
        await gitOk(['add', '.'], { cwd: dir });
        await gitOk(['commit', '-q', '-m', `race ${round} ${who}`], { cwd: dir });
      }
      const heads = await Promise.all([a, b].map((d) => gitOk(['rev-parse', 'HEAD'], { cwd: d })));
      const results = await Promise.all([a, b].map((d) => git(['push', repo.url, 'HEAD:refs/heads/main'], { cwd: d })));
      const winners = results.flatMap((r, i) => (r.code === 0 ? [i] : []));
      expect(winners.length, results.map((r) => r.stderr).join('\n---\n')).toBe(1);
      const loser = results[1 - winners[0]!]!;
      expect(loser.stderr).toMatch(/rejected|failed to push|fetch first|non-fast-forward|stale|lock/i);
      expect(loser.stderr).not.toMatch(/internal error|\b500\b|corrupt/i);
      const served = (await lsRemote(repo.url)).refs;
      expect(served).toContain(`${heads[winners[0]!]}\trefs/heads/main`);
    }
    await expectHealthy(repo.url);
  });

  it('raw: two updates of main from the same old value at once, exactly one ok', async () => {
    const repo = await pushFixture(gw, fx, 'acme/fixture');
    let tip = main;
    for (let round = 0; round < 5; round++) {
      const x = await childOf(scratch, tip, `x-${round}.txt`, `x ${round}\n`);
      const y = await childOf(scratch, tip, `y-${round}.txt`, `y ${round}\n`);
      const [px, py] = await Promise.all([packRevs(scratch, [x.commit], [tip]), packRevs(scratch, [y.commit], [tip])]);
      const [rx, ry] = await Promise.all([
        receivePack(gw.url, repo.fullName, repo.key, [{ old: tip, new: x.commit, ref: 'refs/heads/main' }], px),
        receivePack(gw.url, repo.fullName, repo.key, [{ old: tip, new: y.commit, ref: 'refs/heads/main' }], py),
      ]);
      const sx = refStatus(rx.report, 'refs/heads/main');
      const sy = refStatus(ry.report, 'refs/heads/main');
      const oks = [sx, sy].filter((s) => s === 'ok').length;
      expect(oks, `round ${round}: ${rx.text} | ${ry.text}`).toBe(1);
      expect([sx, sy].find((s) => s !== 'ok'), `round ${round}`).toMatch(/^ng /);
      tip = sx === 'ok' ? x.commit : y.commit;
      expect((await lsRemote(repo.url)).refs).toContain(`${tip}\trefs/heads/main`);
    }
    await expectHealthy(repo.url);
  });
});
