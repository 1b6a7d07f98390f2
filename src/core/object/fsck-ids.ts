/**
 * fsck message ids and their levels, as git's fsck.h names them (FOREACH_FSCK_MSG_ID, the
 * object checks; the ref checks of `git refs verify` are left out). git spells an id in
 * camelCase in messages and config (`receive.fsck.zeroPaddedFilemode`), and matches it
 * case-insensitively.
 *
 * git's own default types: FATAL (an error that cannot be lowered), ERROR, WARN, INFO
 * (reported as a warning) and IGNORE. gitwell keeps three levels, error | warn | ignore, and
 * starts from git's defaults for a non-strict receive, with two departures:
 *   - the WARN checks that can hurt a client start as errors (CLIENT_PROTECTING);
 *   - a few checks cannot be lowered at all: git's FATAL ones, and those whose failure leaves
 *     an object gitwell itself cannot read (FIXED).
 */
export const GIT_MSG_TYPES = {
  // fatal: the object cannot be scanned safely at all
  nulInHeader: 'fatal',
  unterminatedHeader: 'fatal',
  // errors
  badDate: 'error',
  badDateOverflow: 'error',
  badEmail: 'error',
  badName: 'error',
  badObjectSha1: 'error',
  badParentSha1: 'error',
  badTimezone: 'error',
  badTree: 'error',
  badTreeSha1: 'error',
  badType: 'error',
  duplicateEntries: 'error',
  missingAuthor: 'error',
  missingCommitter: 'error',
  missingEmail: 'error',
  missingNameBeforeEmail: 'error',
  missingObject: 'error',
  missingSpaceBeforeDate: 'error',
  missingSpaceBeforeEmail: 'error',
  missingTag: 'error',
  missingTagEntry: 'error',
  missingTree: 'error',
  missingType: 'error',
  missingTypeEntry: 'error',
  multipleAuthors: 'error',
  treeNotSorted: 'error',
  unknownType: 'error',
  zeroPaddedDate: 'error',
  gitmodulesMissing: 'error',
  gitmodulesBlob: 'error',
  gitmodulesLarge: 'error',
  gitmodulesName: 'error',
  gitmodulesSymlink: 'error',
  gitmodulesUrl: 'error',
  gitmodulesPath: 'error',
  gitmodulesUpdate: 'error',
  gitattributesMissing: 'error',
  gitattributesLarge: 'error',
  gitattributesLineLength: 'error',
  gitattributesBlob: 'error',
  // warnings
  emptyName: 'warn',
  fullPathname: 'warn',
  hasDot: 'warn',
  hasDotdot: 'warn',
  hasDotgit: 'warn',
  largePathname: 'warn',
  nullSha1: 'warn',
  nulInCommit: 'warn',
  zeroPaddedFilemode: 'warn',
  // infos: git prints them as warnings
  badFilemode: 'info',
  badTagName: 'info',
  gitattributesSymlink: 'info',
  gitignoreSymlink: 'info',
  gitmodulesParse: 'info',
  mailmapSymlink: 'info',
  missingTaggerEntry: 'info',
  // ignored unless asked for
  extraHeaderEntry: 'ignore',
} as const;

export type FsckMsgId = keyof typeof GIT_MSG_TYPES;
export type FsckLevel = 'error' | 'warn' | 'ignore';
export type FsckLevels = Readonly<Record<FsckMsgId, FsckLevel>>;

export const FSCK_LEVEL_NAMES: readonly FsckLevel[] = ['error', 'warn', 'ignore'];

/** How a check hands over a finding; true when it is an error, where git stops checking the object. */
export type Report = (id: FsckMsgId, message: string) => boolean;

/**
 * WARN in git, errors here: each lets a tree write outside the directory it is checked out in,
 * over the client's own repository (`.git`, and its NTFS/HFS+ spellings), or to a path no
 * client can make (an empty name, a name with "/", an entry pointing at no object).
 */
export const CLIENT_PROTECTING: readonly FsckMsgId[] = ['hasDot', 'hasDotdot', 'hasDotgit', 'fullPathname', 'emptyName', 'nullSha1'];

/**
 * Always errors. git's FATAL ids (git refuses to lower them too), and the checks that keep
 * objects readable by gitwell itself: the REST API, the walks and the commit graph read a
 * commit's tree and parents and a tag's object and type straight from the bytes, and parse
 * every tree; an object that fails these would break them, not just look odd.
 */
export const FIXED: readonly FsckMsgId[] = [
  'nulInHeader',
  'unterminatedHeader',
  'badTree',
  'missingTree',
  'badTreeSha1',
  'badParentSha1',
  'missingObject',
  'badObjectSha1',
  'missingTypeEntry',
  'missingType',
  'badType',
  'unknownType',
];

export const FSCK_MSG_IDS = Object.keys(GIT_MSG_TYPES) as FsckMsgId[];

function defaultLevel(id: FsckMsgId): FsckLevel {
  if (CLIENT_PROTECTING.includes(id)) return 'error';
  const t = GIT_MSG_TYPES[id];
  if (t === 'fatal' || t === 'error') return 'error';
  if (t === 'ignore') return 'ignore';
  return 'warn';
}

export const DEFAULT_FSCK_LEVELS: FsckLevels = Object.freeze(Object.fromEntries(FSCK_MSG_IDS.map((id) => [id, defaultLevel(id)])) as Record<FsckMsgId, FsckLevel>);

// git matches ids ignoring case and underscores (its parse_msg_id compares "zeropaddedfilemode")
const BY_FOLDED = new Map(FSCK_MSG_IDS.map((id) => [id.toLowerCase(), id]));

/** The id `name` means ("ZEROPADDEDFILEMODE", "zero_padded_filemode", "zeroPaddedFilemode"), if any. */
export function findMsgId(name: string): FsckMsgId | undefined {
  return BY_FOLDED.get(name.replace(/_/g, '').toLowerCase());
}

/** Why `id` may not be set to `level`, or null when it may. */
export function levelRefusal(id: FsckMsgId, level: FsckLevel): string | null {
  if (level === 'error' || !FIXED.includes(id)) return null;
  return GIT_MSG_TYPES[id] === 'fatal'
    ? `${id} cannot be lowered to ${level}: git treats it as fatal (the object cannot be scanned safely)`
    : `${id} cannot be lowered to ${level}: gitwell reads this part of every object itself`;
}

/** The defaults with `overrides` applied (already checked with levelRefusal). */
export function fsckLevels(overrides: Partial<Record<FsckMsgId, FsckLevel>> = {}): FsckLevels {
  return Object.freeze({ ...DEFAULT_FSCK_LEVELS, ...overrides });
}
