// The pure parts of /v1, without a server: token buckets on a fake clock, surgical text edits,
// Range parsing, If-None-Match matching, path checks.
import { describe, expect, it } from 'vitest';
import { parseRange } from '../src/http/v1/range.js';
import { matches } from '../src/http/middleware/etag.js';
import { checkPath } from '../src/services/commits.js';
import { applyEdits, EditError } from '../src/services/text-edit.js';
import { RateLimiter } from '../src/services/token-bucket.js';
import type { HttpRequest } from '../src/http/uws.js';

describe('RateLimiter', () => {
  it('spends the burst, refills at the per-minute rate, reports reset and retry-after', () => {
    const rl = new RateLimiter(3, 1000);
    const t0 = 1_700_000_000_000;
    expect([1, 2, 3].map(() => rl.take('k', t0).remaining)).toEqual([2, 1, 0]);
    const denied = rl.take('k', t0);
    expect(denied).toMatchObject({ ok: false, remaining: 0, retryAfter: 20 }); // one token per 20 s
    expect(denied.reset).toBe(Math.ceil((t0 + 60_000) / 1000));
    expect(rl.take('k', t0 + 19_000).ok).toBe(false);
    expect(rl.take('k', t0 + 20_000).ok).toBe(true);
    expect(rl.take('other', t0).ok).toBe(true);
  });

  it('the hourly bucket limits sustained use even when the minute bucket has tokens', () => {
    const rl = new RateLimiter(100, 2);
    const t0 = 0;
    expect(rl.take('k', t0).ok).toBe(true);
    expect(rl.take('k', t0).ok).toBe(true);
    const denied = rl.take('k', t0 + 1000);
    expect(denied.ok).toBe(false);
    expect(denied.retryAfter).toBeGreaterThan(1700); // 1,800 s per token, less the second waited
  });

  it('refund gives a token back, never past the cap', () => {
    const rl = new RateLimiter(2, 100);
    rl.take('k', 0);
    rl.refund('k');
    rl.refund('k');
    expect(rl.take('k', 0).remaining).toBe(1);
  });
});

describe('applyEdits', () => {
  const text = 'alpha\nbeta\ngamma\ndelta\n';
  it('replaces a unique string; omitting new_string deletes it', () => {
    expect(applyEdits(text, [{ oldString: 'beta', newString: 'BETA' }])).toBe('alpha\nBETA\ngamma\ndelta\n');
    expect(applyEdits(text, [{ oldString: 'gamma\n' }])).toBe('alpha\nbeta\ndelta\n');
  });
  // changed with Coregit's applyEdits (services/commit-builder.ts): lines are the text split on
  // "\n" (a final newline makes an empty last line) and content is split the same way, so a
  // content ending in "\n" adds an empty line; it kept the line structure before
  it('replaces a line range as Coregit splices lines', () => {
    expect(applyEdits(text, [{ range: [2, 3], content: 'two and three' }])).toBe('alpha\ntwo and three\ndelta\n');
    expect(applyEdits(text, [{ range: [4, 4], content: 'last\n' }])).toBe('alpha\nbeta\ngamma\nlast\n\n');
    expect(applyEdits(text, [{ range: [4, 4], content: 'last' }])).toBe('alpha\nbeta\ngamma\nlast\n');
    expect(applyEdits(text, [{ range: [1, 2], content: '' }])).toBe('gamma\ndelta\n');
    expect(applyEdits('no newline', [{ range: [1, 1], content: 'still none' }])).toBe('still none');
    // the end past the file is clamped; a start one past the last line appends
    expect(applyEdits('a\nb', [{ range: [2, 99], content: 'B' }])).toBe('a\nB');
    expect(applyEdits('a\nb', [{ range: [3, 3], content: 'c' }])).toBe('a\nb\nc');
  });
  it('applies string edits in order, each on the result of the last, then ranges bottom-up on one numbering', () => {
    expect(applyEdits(text, [{ oldString: 'alpha', newString: 'beta2' }, { oldString: 'beta2', newString: 'x' }])).toBe('x\nbeta\ngamma\ndelta\n');
    // both ranges count lines of the same text: edit 1 (line 1) does not move edit 0 (line 4)
    expect(applyEdits(text, [{ range: [4, 4], content: 'D' }, { range: [1, 1], content: 'A1\nA2' }])).toBe('A1\nA2\nbeta\ngamma\nD\n');
    // a string edit given after a range still goes first
    expect(applyEdits(text, [{ range: [1, 1], content: 'first' }, { oldString: 'alpha', newString: 'ALPHA' }])).toBe('first\nbeta\ngamma\ndelta\n');
  });
  it('names the failing edit', () => {
    const fail = (edits: Parameters<typeof applyEdits>[1]) => {
      try {
        applyEdits('a a b', edits);
      } catch (e) {
        return e as EditError;
      }
      throw new Error('no error');
    };
    expect(fail([{ oldString: 'b', newString: 'c' }, { oldString: 'a', newString: 'x' }])).toMatchObject({ index: 1, details: { matches: 'several' } });
    expect(fail([{ oldString: 'zzz', newString: 'c' }])).toMatchObject({ index: 0, details: { matches: 0 } });
    expect(fail([{ range: [3, 3], content: 'x' }])).toMatchObject({ index: 0, context: '' });
    expect(fail([{ oldString: 'zzz', newString: 'c' }])).toMatchObject({ context: 'zzz' });
    // overlapping occurrences count as more than one
    expect(() => applyEdits('aaa', [{ oldString: 'aa', newString: 'b' }])).toThrow(EditError);
  });
});

describe('parseRange', () => {
  // changed with Coregit (routes/files.ts): other forms are malformed (416), not ignored, and
  // an end before the start cannot be satisfied
  it('single ranges, clamped; suffix; open; unsatisfiable; malformed forms', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-1', 100)).toBe('unsatisfiable');
    expect(parseRange(undefined, 100)).toBeNull();
    for (const bad of ['', 'bytes=1-2,4-5', 'lines=1-2', 'bytes=-', 'bytes=a-b']) expect(parseRange(bad, 100), bad).toBe('malformed');
  });
});

describe('If-None-Match', () => {
  const req = (v?: string) => ({ headers: v === undefined ? {} : { 'if-none-match': v } }) as unknown as HttpRequest;
  const sha = 'a'.repeat(40);
  it('matches the quoted sha, weak or in a list, and *', () => {
    for (const v of [`"${sha}"`, `W/"${sha}"`, `"x", "${sha}"`, '*']) expect(matches(req(v), sha), v).toBe(true);
    for (const v of [undefined, sha, `"${'b'.repeat(40)}"`, `"${sha}x"`]) expect(matches(req(v), sha), String(v)).toBe(false);
  });
});

describe('checkPath', () => {
  it('accepts ordinary paths and refuses what git fsck refuses', () => {
    expect(checkPath('a/b c/ü.txt', 'f')).toEqual(['a', 'b c', 'ü.txt']);
    expect(checkPath('.github/workflows/ci.yml', 'f')).toHaveLength(3);
    for (const bad of ['', '/a', 'a/', 'a//b', './a', 'a/..', '.git', 'x/.Git/y', 'GIT~1/x', '.git./x', 'a\0b']) {
      expect(() => checkPath(bad, 'f'), JSON.stringify(bad)).toThrow();
    }
  });
});
