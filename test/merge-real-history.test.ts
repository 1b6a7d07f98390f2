// The merge engine on a real history: for every merge commit of lodash (../shared/bench-data,
// see its README), its two parents are merged in-process, with an ObjectFinder over the real
// repository's objects, and compared with `git merge-tree --write-tree` of the same parents:
// the same tree, the same cleanness, the same conflicted paths, stages and conflicts.
// Skipped, saying why, when the bundle is not there.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CommitGraph } from '../src/core/commit-graph.js';
import { mergeCommits } from '../src/core/merge/ort.js';
import { gitOk, lines, removeTempDirs, tempDir } from './helpers/git.js';
import { repoObjects } from './helpers/git-objects.js';
import { asGitMerge, gitMergeTree } from './helpers/merge-oracle.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUNDLE = process.env.GITWELL_MERGE_BUNDLE ?? path.resolve(here, '../../shared/bench-data/lodash.bundle');
const present = fs.existsSync(BUNDLE);
if (!present) console.log(`merge-real-history: skipped, ${BUNDLE} is not there (see ../shared/bench-data/README.md)`);

afterAll(() => removeTempDirs());

describe.skipIf(!present)('the merge commits of a real history', () => {
  it('every merge of lodash: both parents merged in-process equal git merge-tree', { timeout: 300_000 }, async () => {
    const repo = path.join(tempDir('gw-lodash-'), 'lodash.git');
    await gitOk(['clone', '-q', '--mirror', BUNDLE, repo]);
    const finder = repoObjects(repo);
    const graph = new CommitGraph(finder);
    const merges = lines(await gitOk(['rev-list', '--all', '--merges', '--min-parents=2', '--max-parents=2'], { cwd: repo }));
    let checked = 0;
    let conflicted = 0;
    let unrelated = 0;
    for (const m of merges) {
      const [p1, p2] = graph.get(m)!.parents;
      const theirs = await gitMergeTree(repo, p1, p2, ['--allow-unrelated-histories']);
      const mine = mergeCommits(finder, p1, p2, { graph });
      expect(asGitMerge(mine), `merge ${m}`).toEqual(theirs);
      if (!mine.clean) conflicted++;
      if (mine.mergeBases.length === 0) unrelated++;
      checked++;
    }
    console.log(`merge-real-history: ${checked} of ${merges.length} merge commits checked against git merge-tree (${conflicted} conflicted, ${unrelated} of unrelated histories), ${finder.blobReads} blobs read`);
    expect(checked).toBe(merges.length);
    expect(checked).toBeGreaterThan(150);
    expect(conflicted).toBeGreaterThan(0);
  });
});
