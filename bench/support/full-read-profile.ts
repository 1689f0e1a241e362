// The step that bounds a pooled worktree's reset: git reading back every file of the worktree.
// The worker's reset (src/workspace/worktree-pool.ts) starts from an index with no stat data,
// trusting none of the previous agent's, so `update-index --refresh` hashes every file; timed
// here alone, with git's own commands, on a worktree the benchmark made.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { timeIt } from "./time-it.ts";

export async function timeFullRead(mirrorDir: string, worktree: string, commit: string): Promise<number> {
  const scratch = await mkdtemp(join(tmpdir(), "flotilla-bench-full-read-"));
  const env = { GIT_INDEX_FILE: join(scratch, "index") };
  const location = [`--git-dir=${mirrorDir}`, `--work-tree=${worktree}`];
  try {
    await execa("git", [...location, "read-tree", commit], { env });
    const refreshed = await timeIt(() =>
      execa("git", [...location, "update-index", "-q", "--refresh"], { env }),
    );
    return refreshed.ms;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
