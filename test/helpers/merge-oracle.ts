// Merges checked against git: `git merge-tree --write-tree -z` read into the same shape as the
// engine's result, and repos built from file maps with `git fast-import` (one commit per
// entry, whole trees, so a test states exactly what each side holds).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { kindOf, type TreeMergeResult } from '../../src/core/merge/ort.js';
import { git, gitEnv } from './git.js';

export interface GitMerge {
  code: number;
  tree: string;
  /** "mode oid stage\tpath", as merge-tree lists conflicted entries */
  stages: string[];
  /** "path|kind|paths,...|message" per conflict git reports (notes left out) */
  conflicts: string[];
}

export async function gitMergeTree(repo: string, ours: string, theirs: string, extra: string[] = []): Promise<GitMerge> {
  const g = await git(['merge-tree', '--write-tree', '-z', ...extra, ours, theirs], { cwd: repo });
  if (g.code !== 0 && g.code !== 1) throw new Error(`git merge-tree failed (${g.code}): ${g.stderr}`);
  const parts = g.stdout.split('\0');
  let i = 1;
  const stages: string[] = [];
  while (i < parts.length && parts[i] !== '') stages.push(parts[i++]);
  i++;
  const conflicts: string[] = [];
  while (i < parts.length && /^\d+$/.test(parts[i])) {
    const n = Number(parts[i++]);
    const paths = parts.slice(i, i + n);
    i += n;
    const type = parts[i++];
    const message = parts[i++].replace(/\n$/, '');
    const kind = kindOf(type, message);
    if (kind !== null) conflicts.push(`${paths[0]}|${kind}|${paths.join(',')}|${message}`);
  }
  return { code: g.code, tree: parts[0], stages, conflicts: conflicts.sort() };
}

/** The engine's result in GitMerge's shape. */
export function asGitMerge(r: TreeMergeResult): GitMerge {
  return {
    code: r.clean ? 0 : 1,
    tree: r.tree.toString('hex'),
    stages: r.conflicted.flatMap((c) =>
      c.stages.flatMap((s, k) => (s ? [`${s.mode.toString(8).padStart(6, '0')} ${s.oid!.toString('hex')} ${k + 1}\t${c.path}`] : [])),
    ),
    conflicts: r.conflicts.map((c) => `${c.path}|${c.kind}|${c.paths.join(',')}|${c.message}`).sort(),
  };
}

export function expectSameMerge(mine: TreeMergeResult, theirs: GitMerge, label: string): void {
  expect(asGitMerge(mine), label).toEqual(theirs);
}

export interface FileSpec {
  mode?: '100644' | '100755' | '120000' | '160000';
  /** contents; for 160000 the commit id */
  data: string | Buffer;
}

export type Files = Record<string, string | FileSpec>;

export interface CommitSpec {
  branch: string;
  /** index (0-based) of the first parent in the list, and of further parents */
  parents?: number[];
  files: Files;
  message?: string;
}

/** Writes the commits with fast-import into `repo` (made bare if missing); returns their ids. */
export function buildHistory(repo: string, commits: CommitSpec[]): string[] {
  const env = gitEnv();
  execFileSync('git', ['init', '-q', '--bare', repo], { env });
  const chunks: Buffer[] = [];
  commits.forEach((c, k) => {
    const mark = k + 1;
    let head = `commit refs/heads/${c.branch}\nmark :${mark}\ncommitter T <t@example.com> ${1700000000 + mark * 60} +0000\n`;
    const msg = c.message ?? `commit ${mark}`;
    head += `data ${Buffer.byteLength(msg)}\n${msg}\n`;
    const [first, ...rest] = c.parents ?? [];
    if (first !== undefined) head += `from :${first + 1}\n`;
    for (const p of rest) head += `merge :${p + 1}\n`;
    head += 'deleteall\n';
    chunks.push(Buffer.from(head));
    for (const [file, f] of Object.entries(c.files)) {
      const spec: FileSpec = typeof f === 'string' ? { data: f } : f;
      const mode = spec.mode ?? '100644';
      if (mode === '160000') {
        chunks.push(Buffer.from(`M 160000 ${spec.data.toString()} ${file}\n`));
        continue;
      }
      const data = Buffer.isBuffer(spec.data) ? spec.data : Buffer.from(spec.data);
      chunks.push(Buffer.from(`M ${mode} inline ${file}\ndata ${data.length}\n`), data, Buffer.from('\n'));
    }
    chunks.push(Buffer.from('\n'));
  });
  const marksFile = path.join(repo, 'fast-import-marks');
  execFileSync('git', ['fast-import', '--quiet', `--export-marks=${marksFile}`], { cwd: repo, env, input: Buffer.concat(chunks) });
  const marks = new Map(fs.readFileSync(marksFile, 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]));
  return commits.map((_, k) => marks.get(`:${k + 1}`)!);
}
