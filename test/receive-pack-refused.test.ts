// A push that cannot be written is refused in git's protocol, with the reason, never as a bare
// HTTP error (git shows nothing of that): when the ref transaction fails (a full disk), every
// ref gets `ng <ref> <reason>` and the progress channel `error: <reason>`; when even the body
// could not be kept, `refusePush` answers from its first bytes (src/protocol/receive-pack.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { insufficientStorage } from '../src/core/errors.js';
import { receivePack, refusePush } from '../src/protocol/receive-pack.js';
import { FileSource } from '../src/services/spool.js';
import { openStore, type Store } from '../storage/index.js';
import { FLUSH, parseReportStatus, pkt } from './helpers/pktline.js';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const dirs: string[] = [];
const fds: number[] = [];
afterEach(() => {
  for (const fd of fds.splice(0)) fs.closeSync(fd);
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempFile(bytes: Buffer): FileSource {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-refused-'));
  dirs.push(dir);
  const file = path.join(dir, 'body');
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  fds.push(fd);
  return new FileSource(fd);
}

const FULL = "the server's storage is full (ENOSPC): nothing was written";

describe('receive-pack when the ref transaction cannot be written', () => {
  it('every ref is ng with the reason, the progress channel says it, and no ref moved', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-refused-store-'));
    dirs.push(dir);
    const store = openStore(dir);
    try {
      const repo = store.createRepo({ org: 'o', namespace: null, slug: 'r', visibility: 'private', defaultBranch: 'main' });
      await store.updateRefs(repo.id, [{ name: 'refs/heads/main', expect: null, next: A }, { name: 'refs/heads/old', expect: null, next: B }], [], true);
      // the same store, but its disk is full
      const full: Store = Object.create(store);
      full.updateRefs = async () => {
        throw insufficientStorage(FULL, { cause: 'ENOSPC' });
      };
      const body = Buffer.concat([pkt(`${B} ${ZERO} refs/heads/old\0report-status side-band-64k delete-refs\n`), FLUSH]);
      const report = parseReportStatus(await receivePack(full, repo, tempFile(body)));
      expect(report.unpack).toBe('ok');
      expect(report.refs.get('refs/heads/old')).toBe(FULL);
      expect(report.progress).toContain(`error: ${FULL}`);
      expect(store.getRef(repo.id, 'refs/heads/old')).toBe(B);
    } finally {
      store.close();
    }
  });
});

describe('refusePush', () => {
  const commands = Buffer.concat([pkt(`${ZERO} ${A} refs/heads/main\0report-status side-band-64k quiet\n`), pkt(`${ZERO} ${B} refs/heads/dev\n`), FLUSH]);

  it('refuses every command of the head with the reason on the unpack line', () => {
    const report = parseReportStatus(refusePush(Buffer.concat([commands, Buffer.from('PACK...')]), FULL)!);
    expect(report.unpack).toBe(FULL);
    expect([...report.refs]).toEqual([
      ['refs/heads/main', 'unpacker error'],
      ['refs/heads/dev', 'unpacker error'],
    ]);
    // quiet: no progress
    expect(report.progress).toBe('');
  });

  it('is null when the head does not hold the whole command list', () => {
    expect(refusePush(commands.subarray(0, commands.length - 10), FULL)).toBeNull();
    expect(refusePush(Buffer.alloc(0), FULL)).toBeNull();
  });
});
