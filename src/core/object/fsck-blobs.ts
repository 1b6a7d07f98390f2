/**
 * Blobs checked for the name a tree gives them (git's fsck_blob): a .gitmodules is parsed as
 * git config and each `[submodule "<name>"]` entry checked (the name, and url / path / update);
 * a .gitattributes must fit git's attribute reader (100 MiB, lines under 2048 bytes, read up to
 * the first NUL). Messages are git's, with the offending value.
 */
import { parseGitConfig } from '../config-file.js';
import { isUpdateCommand, isValidSubmoduleName, isValidSubmoduleUrl, looksLikeOption } from '../submodule-rules.js';
import type { Report } from './fsck-ids.js';

/**
 * git parses a .gitmodules of any size up to core.bigFileThreshold (512 MiB). Here the parse
 * builds strings, so the bound is lower; no real .gitmodules comes near it.
 */
export const MAX_GITMODULES_BYTES = 16 * 1024 * 1024;
/** git's ATTR_MAX_FILE_SIZE and ATTR_MAX_LINE_LENGTH */
export const MAX_GITATTRIBUTES_BYTES = 100 * 1024 * 1024;
export const MAX_GITATTRIBUTES_LINE = 2048;

const shown = (latin1: string) => JSON.stringify(Buffer.from(latin1.slice(0, 300), 'latin1').toString('utf8'));

export function checkGitmodules(data: Uint8Array, report: Report): void {
  if (data.length > MAX_GITMODULES_BYTES) return void report('gitmodulesLarge', '.gitmodules too large to parse');
  let stopped = false;
  const parse = parseGitConfig(data, (name, value) => {
    // "submodule.<sub>.<key>": the key after the last dot, the subsection may hold dots
    if (!name.startsWith('submodule.')) return;
    const dot = name.lastIndexOf('.');
    if (dot === 9) return;
    const sub = name.slice(10, dot);
    const key = name.slice(dot + 1);
    const bad = (id: Parameters<Report>[0], what: string, v: string) => (stopped ||= report(id, `disallowed submodule ${what}: ${shown(v)}`));
    if (!isValidSubmoduleName(sub) && bad('gitmodulesName', 'name', sub)) return true;
    if (value === null) return;
    if (key === 'url' && !isValidSubmoduleUrl(value) && bad('gitmodulesUrl', 'url', value)) return true;
    if (key === 'path' && looksLikeOption(value) && bad('gitmodulesPath', 'path', value)) return true;
    if (key === 'update' && isUpdateCommand(value) && bad('gitmodulesUpdate', 'update setting', value)) return true;
  });
  if (!stopped && parse.errorLine !== null) report('gitmodulesParse', `could not parse gitmodules blob (line ${parse.errorLine})`);
}

export function checkGitattributes(data: Uint8Array, report: Report): void {
  if (data.length > MAX_GITATTRIBUTES_BYTES) return void report('gitattributesLarge', '.gitattributes too large to parse');
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    const c = i < data.length ? data[i] : 0;
    if (c !== 0x0a && c !== 0) continue;
    if (i - start >= MAX_GITATTRIBUTES_LINE) return void report('gitattributesLineLength', '.gitattributes has too long lines to parse');
    if (c === 0) return;
    start = i + 1;
  }
}
