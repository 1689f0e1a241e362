// The Workspace benchmark's baseline: what an agent without a shared mirror does, a full clone
// of its own. Cloned over `file://`, which makes git copy objects through the pack protocol as
// it would from a server; a plain local path would hard-link the objects instead, which no
// agent on another machine could do.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { git } from "../../src/workspace/git.ts";

export async function clonePerAgent(
  repositoryPath: string,
  cloneDir: string,
  branch: string,
  baseSha: string,
): Promise<void> {
  // A clone, step by step: the worker's git always names its repository (src/workspace/git.ts).
  const gitDir = join(cloneDir, ".git");
  // git makes the `.git` directory, not the folders above it.
  await mkdir(cloneDir, { recursive: true });
  await git(["init", "--quiet"], { gitDir });
  await git(["fetch", "--quiet", `file://${repositoryPath}`, "+refs/heads/*:refs/remotes/origin/*"], {
    gitDir,
    timeoutMs: 3_600_000,
  });
  // One checkout, on the agent's own branch, as the worktree gets.
  await git(["checkout", "--quiet", "-b", branch, baseSha], {
    gitDir,
    workTree: cloneDir,
    timeoutMs: 3_600_000,
  });
}
