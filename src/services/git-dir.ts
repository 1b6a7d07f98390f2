/**
 * A git repository on disk, read without git: its refs (loose and packed, HEAD), its packs and
 * its loose objects, and those of the object directories it borrows from (alternates).
 *
 *   packed-refs    "# pack-refs with: …" header, then "<oid> <refname>" lines, each maybe
 *                  followed by "^<oid>" (the peeled target of an annotated tag)
 *   refs/…         one file per ref: "<oid>\n", or "ref: <other ref>\n" (a symbolic ref)
 *   objects/xx/y…  a loose object: zlib of "<type> <size>\0<content>", named by its id
 *   objects/pack/  packs (*.pack, each with an .idx)
 *   objects/info/alternates   more object directories, one path per line (relative to objects/)
 */
import fs from 'node:fs';
import path from 'node:path';
import { GitwellError } from '../core/errors.js';
import { isOidHex } from '../core/oid.js';

export interface GitDir {
  gitDir: string;
  /** refname -> oid, symbolic refs resolved; HEAD is not among them */
  refs: Map<string, string>;
  /** the branch HEAD names, if it names one */
  head: string | null;
  packs: string[];
  /** paths of loose object files, with their ids */
  loose: Array<{ oid: string; file: string }>;
}

const unusable = (why: string) => new GitwellError('UNPROCESSABLE', why);

/** The repository at `p`: a bare one, a work tree with .git, or a .git file pointing elsewhere. */
export function findGitDir(p: string): string {
  const dotGit = path.join(p, '.git');
  if (fs.existsSync(dotGit)) {
    if (fs.statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
    if (!m) throw unusable(`${dotGit} is neither a directory nor a "gitdir:" file`);
    return path.resolve(p, m[1].trim());
  }
  if (fs.existsSync(path.join(p, 'HEAD')) && fs.existsSync(path.join(p, 'objects'))) return p;
  throw unusable(`${p} is not a git repository (no .git, no HEAD and objects)`);
}

export function readGitDir(p: string): GitDir {
  const gitDir = findGitDir(p);
  checkFormat(gitDir);
  const raw = new Map<string, string>();
  readPackedRefs(gitDir, raw);
  readLooseRefs(gitDir, 'refs', raw);
  const refs = new Map<string, string>();
  for (const name of raw.keys()) {
    const oid = resolve(raw, name);
    if (oid) refs.set(name, oid);
  }
  const headRaw = readText(path.join(gitDir, 'HEAD'))?.trim() ?? '';
  const head = headRaw.startsWith('ref: refs/heads/') ? headRaw.slice(5) : null;
  const packs: string[] = [];
  const loose: Array<{ oid: string; file: string }> = [];
  for (const dir of objectDirs(path.join(gitDir, 'objects'))) {
    const packDir = path.join(dir, 'pack');
    if (fs.existsSync(packDir)) {
      for (const f of fs.readdirSync(packDir).sort()) if (f.endsWith('.pack')) packs.push(path.join(packDir, f));
    }
    for (const sub of fs.readdirSync(dir)) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      for (const f of fs.readdirSync(path.join(dir, sub))) {
        if (/^[0-9a-f]{38}$/.test(f)) loose.push({ oid: sub + f, file: path.join(dir, sub, f) });
      }
    }
  }
  return { gitDir, refs, head, packs, loose };
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Refuses what this reader cannot read rather than reading it wrong. */
function checkFormat(gitDir: string): void {
  const config = readText(path.join(gitDir, 'config')) ?? '';
  const format = /^\s*objectformat\s*=\s*(\S+)/im.exec(config)?.[1];
  if (format && format.toLowerCase() !== 'sha1') throw unusable(`${gitDir} is a ${format} repository: gitwell keeps sha1 repositories`);
  const refStorage = /^\s*refstorage\s*=\s*(\S+)/im.exec(config)?.[1];
  if (refStorage && refStorage.toLowerCase() !== 'files') throw unusable(`${gitDir} keeps its refs in ${refStorage}: run \`git refs migrate --ref-format=files\` first, or import a bundle of it`);
}

function readPackedRefs(gitDir: string, into: Map<string, string>): void {
  const text = readText(path.join(gitDir, 'packed-refs'));
  if (!text) return;
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const oid = line.slice(0, 40);
    const name = line.slice(41);
    if (isOidHex(oid) && line[40] === ' ' && name.startsWith('refs/')) into.set(name, oid);
  }
}

/** Loose refs win over packed ones (git writes a loose ref when one moves after pack-refs). */
function readLooseRefs(gitDir: string, rel: string, into: Map<string, string>): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(gitDir, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const name = `${rel}/${e.name}`;
    if (e.isDirectory()) readLooseRefs(gitDir, name, into);
    else if (e.isFile()) {
      const v = readText(path.join(gitDir, name))?.trim();
      if (v) into.set(name, v);
    }
  }
}

/** A ref's oid, following symbolic refs (at most 5 deep, as git does); null if it dangles. */
function resolve(raw: Map<string, string>, name: string): string | null {
  let v = raw.get(name);
  for (let depth = 0; v !== undefined && depth < 5; depth++) {
    if (isOidHex(v)) return v;
    if (!v.startsWith('ref: ')) return null;
    v = raw.get(v.slice(5).trim());
  }
  return null;
}

/** The object directory and its alternates, each once, alternates of alternates too. */
function objectDirs(first: string): string[] {
  const out: string[] = [];
  const todo = [first];
  while (todo.length > 0 && out.length < 16) {
    const dir = path.resolve(todo.shift()!);
    if (out.includes(dir) || !fs.existsSync(dir)) continue;
    out.push(dir);
    const alt = readText(path.join(dir, 'info', 'alternates'));
    if (alt) for (const line of alt.split('\n')) if (line.trim() && !line.startsWith('#')) todo.push(path.resolve(dir, line.trim()));
  }
  return out;
}
