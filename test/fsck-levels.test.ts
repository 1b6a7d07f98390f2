// fsck levels: git's defaults for a non-strict receive, the client-protecting warnings as
// errors, and GITWELL_FSCK_<MSGID>=error|warn|ignore read (and refused) by the one config loader.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { CLIENT_PROTECTING, DEFAULT_FSCK_LEVELS, FIXED, FSCK_MSG_IDS, GIT_MSG_TYPES, findMsgId } from '../src/core/object/fsck-ids.js';

const env = (vars: Record<string, string>) => ({ GITWELL_DATA: '/tmp/unused', ...vars });

describe('default levels', () => {
  it("are git's, except the warnings that can hurt a client", () => {
    expect(DEFAULT_FSCK_LEVELS.zeroPaddedFilemode).toBe('warn');
    expect(DEFAULT_FSCK_LEVELS.badFilemode).toBe('warn');
    expect(DEFAULT_FSCK_LEVELS.gitmodulesParse).toBe('warn');
    expect(DEFAULT_FSCK_LEVELS.missingTaggerEntry).toBe('warn');
    expect(DEFAULT_FSCK_LEVELS.extraHeaderEntry).toBe('ignore');
    for (const id of ['hasDot', 'hasDotdot', 'hasDotgit', 'fullPathname', 'emptyName', 'nullSha1'] as const) expect(DEFAULT_FSCK_LEVELS[id]).toBe('error');
    // every error git has is an error here
    for (const id of FSCK_MSG_IDS) {
      const git = GIT_MSG_TYPES[id];
      if (git === 'error' || git === 'fatal') expect(DEFAULT_FSCK_LEVELS[id], id).toBe('error');
      else if (!CLIENT_PROTECTING.includes(id)) expect(DEFAULT_FSCK_LEVELS[id], id).toBe(git === 'ignore' ? 'ignore' : 'warn');
    }
  });

  it("match ids as git does: any case, underscores ignored", () => {
    expect(findMsgId('ZEROPADDEDFILEMODE')).toBe('zeroPaddedFilemode');
    expect(findMsgId('zero_padded_filemode')).toBe('zeroPaddedFilemode');
    expect(findMsgId('gitmodulesurl')).toBe('gitmodulesUrl');
    expect(findMsgId('nosuchid')).toBeUndefined();
  });
});

describe('GITWELL_FSCK_<MSGID>', () => {
  it('sets levels over the defaults', () => {
    const c = loadConfig({}, env({ GITWELL_FSCK_ZEROPADDEDFILEMODE: 'error', GITWELL_FSCK_hasDotgit: 'warn', GITWELL_FSCK_BAD_FILEMODE: ' IGNORE ' }));
    expect(c.fsck.zeroPaddedFilemode).toBe('error');
    expect(c.fsck.hasDotgit).toBe('warn');
    expect(c.fsck.badFilemode).toBe('ignore');
    expect(c.fsck.gitmodulesUrl).toBe('error');
    expect(loadConfig({}, env({})).fsck).toEqual(DEFAULT_FSCK_LEVELS);
  });

  it('refuses an unknown id, an unknown level, and lowering what cannot be lowered, naming the variable', () => {
    expect(() => loadConfig({}, env({ GITWELL_FSCK_NOSUCHID: 'warn' }))).toThrow(/GITWELL_FSCK_NOSUCHID: "NOSUCHID" is not one of git's fsck message ids/);
    expect(() => loadConfig({}, env({ GITWELL_FSCK_ZEROPADDEDFILEMODE: 'loud' }))).toThrow(/GITWELL_FSCK_ZEROPADDEDFILEMODE: level "loud" is not error, warn or ignore/);
    expect(() => loadConfig({}, env({ GITWELL_FSCK_NULINHEADER: 'warn' }))).toThrow(/nulInHeader cannot be lowered to warn: git treats it as fatal/);
    for (const id of FIXED) {
      expect(() => loadConfig({}, env({ [`GITWELL_FSCK_${id}`]: 'ignore' })), id).toThrow(/cannot be lowered/);
      expect(loadConfig({}, env({ [`GITWELL_FSCK_${id}`]: 'error' })).fsck[id]).toBe('error');
    }
  });
});
