// Memory is bounded by configuration, not by the pack: two pushes of a generated 150+ MiB pack
// (50,000 small files, a second commit of deltas on 10,000 of them, and 52 incompressible
// 3 MiB blobs) into one server at the same time, and the server's peak RSS (VmHWM, which
// counts every page it ever had resident, the store's mapped pages included) stays under the
// bound the README states. Then the pushes are checked like any other: refs, objects, fsck.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitwell, type Gitwell } from './helpers/gitwell.js';
import { fsck, git, gitEnv, gitOk, objectIds, repoUrl, tempDir } from './helpers/git.js';

/** The bound the README states for a push (and two at once) under the default configuration. */
const BOUND_MIB = 512;
const SMALL_FILES = 50_000;
const EDITED = 10_000;
const BIG_BLOBS = 52;
const BIG_BYTES = 3 * 1024 * 1024;

let gw: Gitwell;
let key: string;
let src: string;

/** Feeds `git fast-import` a two-commit history (see the header); resolves when it is done. */
async function generate(dir: string): Promise<void> {
  await gitOk(['init', '-q', '--bare', '-b', 'main', dir]);
  const fi = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: dir, env: gitEnv(), stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  fi.stderr.on('data', (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => fi.on('close', resolve));
  const out = fi.stdin;
  let died: Error | null = null;
  out.on('error', (e) => (died = e));
  void exited.then(() => (died ??= new Error(`git fast-import exited early: ${stderr}`)));
  const write = async (chunk: string | Buffer) => {
    if (died) throw died;
    if (!out.write(chunk)) await new Promise((r) => { out.once('drain', r); void exited.then(r); });
  };
  const data = async (body: string | Buffer) => {
    const b = typeof body === 'string' ? Buffer.from(body) : body;
    await write(`data ${b.length}\n`);
    await write(b);
    await write('\n');
  };
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const text = (i: number, rev: number) => {
    const lines = [`// file ${i}, revision ${rev}`];
    for (let k = 0; k < 8; k++) lines.push(`export const v${k} = ${rand() % 100000}; // ${'x'.repeat(rand() % 40)}`);
    return lines.join('\n') + '\n';
  };
  // a second commit on the same branch continues from its tip (no `from` needed in one stream)
  const commit = async (message: string, when: number) => {
    await write(`commit refs/heads/main\ncommitter T <t@e> ${when} +0000\n`);
    await data(message);
  };
  await commit('the files', 1_700_000_000);
  // big blobs are not deltified by the pushing client (they are random anyway)
  await write('M 100644 inline .gitattributes\n');
  await data('*.bin -delta\n');
  for (let i = 0; i < SMALL_FILES; i++) {
    await write(`M 100644 inline src/d${i % 500}/f${i}.ts\n`);
    await data(text(i, 0));
  }
  for (let i = 0; i < BIG_BLOBS; i++) {
    await write(`M 100644 inline assets/blob${i}.bin\n`);
    await data(randomBytes(BIG_BYTES));
  }
  await commit('edits', 1_700_000_100);
  for (let i = 0; i < EDITED; i++) {
    const f = i * 5;
    await write(`M 100644 inline src/d${f % 500}/f${f}.ts\n`);
    await data(text(f, 1));
  }
  await write('done\n');
  out.end();
  const code = await exited;
  if (code !== 0) throw new Error(`git fast-import failed (${code}): ${stderr}`);
}

function vmHwmMiB(pid: number): number {
  const kb = Number(/^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? NaN);
  return kb / 1024;
}

beforeAll(async () => {
  src = path.join(tempDir('gw-mem-src-'), 'src.git');
  await generate(src);
  gw = await startGitwell();
  key = await gw.createKey('acme');
  await gw.createRepo('acme/one');
  await gw.createRepo('acme/two');
}, 300_000);

afterAll(async () => {
  await gw?.stop();
});

describe('memory under large pushes', () => {
  it(`two pushes of a 150+ MiB pack at once keep the server under ${BOUND_MIB} MiB, and both land whole`, async () => {
    const push = (slug: string) =>
      git(['-c', 'pack.compression=1', 'push', '-q', repoUrl(gw.url, `acme/${slug}`, key), 'main'], { cwd: src, timeoutMs: 600_000 });
    const before = vmHwmMiB(gw.pid);
    const [a, b] = await Promise.all([push('one'), push('two')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const peak = vmHwmMiB(gw.pid);
    console.log(`reliability-memory: server VmHWM ${peak.toFixed(0)} MiB after two pushes (${before.toFixed(0)} MiB before)`);
    expect(peak).toBeLessThan(BOUND_MIB);

    // what landed is what was pushed (the pack really was that big: 52 incompressible 3 MiB blobs)
    const head = await gitOk(['rev-parse', 'main'], { cwd: src });
    for (const slug of ['one', 'two']) {
      const r = await git(['ls-remote', repoUrl(gw.url, `acme/${slug}`, key), 'refs/heads/main']);
      expect(r.stdout.split('\t')[0]).toBe(head);
    }
    const clone = path.join(tempDir('gw-mem-clone-'), 'c.git');
    await gitOk(['clone', '-q', '--bare', repoUrl(gw.url, 'acme/two', key), clone], { timeoutMs: 600_000 });
    expect(await objectIds(clone)).toEqual(await objectIds(src));
    const sizePackKiB = Number(/^size-pack: (\d+)$/m.exec(await gitOk(['count-objects', '-v'], { cwd: clone }))?.[1]);
    expect(sizePackKiB / 1024).toBeGreaterThan(150);
    expect((await fsck(clone)).code).toBe(0);
  }, 600_000);
});
