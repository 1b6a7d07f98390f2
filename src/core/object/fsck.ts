/**
 * Object validation as git's fsck.c does it, each finding a message id (fsck-ids.ts) at the
 * level the server runs it: an error refuses the object, a warning is kept to be told to the
 * client, an ignored finding is dropped.
 *
 * One Fsck checks a set of objects (a pushed pack, the objects of an API commit). Trees name
 * the blobs that must also be checked as .gitmodules or .gitattributes; a blob met after the
 * tree that names it is checked then, and `finish` reads the others (met before their tree,
 * or already stored) through an ObjectFinder, as git's fsck_finish does.
 */
import { checkCommit, checkTag } from './fsck-commit.js';
import { checkGitattributes, checkGitmodules } from './fsck-blobs.js';
import { DEFAULT_FSCK_LEVELS, type FsckLevels, type FsckMsgId, type Report } from './fsck-ids.js';
import { checkTree, SPECIAL_GITATTRIBUTES, SPECIAL_GITMODULES, type TreeCheck } from './fsck-tree.js';
import type { ObjectFinder } from './finder.js';
import { oidToHex } from '../oid.js';

export interface FsckFinding {
  id: FsckMsgId;
  message: string;
}

/** A finding about one object: what git prints as "object <oid>: <id>: <message>". */
export interface ObjectFinding extends FsckFinding {
  oid: string;
}

export const describeFinding = (f: FsckFinding) => `${f.id}: ${f.message}`;

const NO_OID = new Uint8Array(20);
const key = (oid: Uint8Array) => Buffer.from(oid.buffer, oid.byteOffset, 20).toString('latin1');

export class Fsck {
  /** The first `keepWarnings` warnings; `warningCount` counts them all. */
  readonly warnings: ObjectFinding[] = [];
  warningCount = 0;
  /** blobs trees named .gitmodules / .gitattributes and not checked yet: oid (latin1) -> SPECIAL_* bits */
  private readonly wanted = new Map<string, number>();
  private readonly checked = new Map<string, number>();
  private oid: Uint8Array = NO_OID;
  private error: FsckFinding | null = null;

  constructor(
    readonly levels: FsckLevels = DEFAULT_FSCK_LEVELS,
    private readonly keepWarnings = 100,
  ) {}

  private readonly report: Report = (id, message) => {
    const level = this.levels[id];
    if (level === 'ignore') return false;
    if (level === 'warn') {
      if (this.warningCount++ < this.keepWarnings) this.warnings.push({ oid: oidToHex(this.oid), id, message });
      return false;
    }
    this.error ??= { id, message };
    return true;
  };

  private readonly treeCheck: TreeCheck = {
    report: this.report,
    want: (kind, oid) => {
      const k = key(oid);
      const need = kind & ~(this.checked.get(k) ?? 0);
      if (need) this.wanted.set(k, (this.wanted.get(k) ?? 0) | need);
    },
  };

  /** Checks one object (type 1 commit, 2 tree, 3 blob, 4 tag); returns its first error, or null. */
  check(type: number, data: Uint8Array, oid: Uint8Array): FsckFinding | null {
    this.oid = oid;
    this.error = null;
    if (type === 1) checkCommit(data, this.report);
    else if (type === 2) checkTree(data, this.treeCheck);
    else if (type === 4) checkTag(data, this.report);
    else if (type === 3 && this.wanted.size > 0) {
      const k = key(oid);
      const kinds = this.wanted.get(k);
      if (kinds) {
        this.wanted.delete(k);
        this.checked.set(k, (this.checked.get(k) ?? 0) | kinds);
        this.checkSpecial(kinds, data);
      }
    }
    return this.error;
  }

  /** Whether blobs named by the trees checked so far still wait for `finish`. */
  get pending(): boolean {
    return this.wanted.size > 0;
  }

  /**
   * Checks the blobs trees named and `check` did not see, read through `finder` (which must
   * answer only objects the pushed trees may use); returns the first error, or null.
   */
  finish(finder: ObjectFinder): ObjectFinding | null {
    for (const [k, kinds] of this.wanted) {
      this.wanted.delete(k);
      const oid = Buffer.from(k, 'latin1');
      this.oid = oid;
      this.error = null;
      const o = finder.get(oid);
      if (!o) {
        if (kinds & SPECIAL_GITMODULES) this.report('gitmodulesMissing', 'unable to read .gitmodules blob');
        if (kinds & SPECIAL_GITATTRIBUTES) this.report('gitattributesMissing', 'unable to read .gitattributes blob');
      } else if (o.type !== 3) {
        if (kinds & SPECIAL_GITMODULES) this.report('gitmodulesBlob', 'non-blob found at .gitmodules');
        if (kinds & SPECIAL_GITATTRIBUTES) this.report('gitattributesBlob', 'non-blob found at .gitattributes');
      } else {
        this.checked.set(k, (this.checked.get(k) ?? 0) | kinds);
        this.checkSpecial(kinds, o.data);
      }
      // (set by the report callback, which TypeScript cannot see through)
      const error = this.error as FsckFinding | null;
      if (error) return { oid: oidToHex(oid), ...error };
    }
    return null;
  }

  private checkSpecial(kinds: number, data: Uint8Array): void {
    if (kinds & SPECIAL_GITMODULES) checkGitmodules(data, this.report);
    if (kinds & SPECIAL_GITATTRIBUTES && !this.error) checkGitattributes(data, this.report);
  }
}
