/**
 * Objects the REST API is about to write pass the fsck a pushed object passes, at the same
 * levels: an API commit can then never hold what a push would be refused for (a malicious
 * .gitmodules, a spelling of ".git", a date git cannot read). A .gitmodules or .gitattributes
 * named by a new tree is read from the new objects or, when it is an old one, through the
 * repo's membership.
 */
import { unprocessable } from '../core/errors.js';
import { Fsck, type ObjectFinding } from '../core/object/fsck.js';
import type { FsckLevels } from '../core/object/fsck-ids.js';
import { oidToHex, TYPE_NAME } from '../core/oid.js';
import type { NewObject, RepoRecord, Store } from '../../storage/index.js';

const key = (oid: Uint8Array) => Buffer.from(oid.buffer, oid.byteOffset, 20).toString('latin1');

function refused(f: ObjectFinding, type: number | undefined): Error {
  const what = type ? `${TYPE_NAME[type]} ${f.oid}` : `object ${f.oid}`;
  return unprocessable(`the change makes a ${what} that git's fsck refuses: ${f.id}: ${f.message}`, { fsck: f.id, sha: f.oid });
}

/** Throws 422 (details.fsck: git's message id) at the first error; returns the warnings. */
export function fsckNewObjects(store: Store, repo: RepoRecord, objects: NewObject[], levels: FsckLevels): ObjectFinding[] {
  const fsck = new Fsck(levels);
  for (const o of objects) {
    const f = fsck.check(o.type, o.data, o.oid);
    if (f) throw refused({ oid: oidToHex(o.oid), ...f }, o.type);
  }
  if (fsck.pending) {
    const made = new Map(objects.map((o) => [key(o.oid), o]));
    const bad = fsck.finish({
      get: (oid) => made.get(key(oid)) ?? (store.isMember(repo.id, oid) ? store.viewObject(oid) : undefined),
    });
    if (bad) throw refused(bad, made.get(key(Buffer.from(bad.oid, 'hex')))?.type);
  }
  return fsck.warnings;
}
