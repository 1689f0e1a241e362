// The agent's own git repository, `.git` inside its worktree: made by the worker before the agent
// first runs, borrowing the mirror's objects (read-only to it) through `alternates`. The agent may
// do anything with it; the worker never runs git in it again (see worktree.ts).
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { git } from "./git.ts";

/**
 * Makes `<worktree>/.git` on `branch` at `commit`, its index a copy of the worker's (same files,
 * same commit: the agent's `git status` starts clean) once `indexWritten` resolves. The worktree
 * must have no `.git` yet.
 */
export async function makeAgentRepository(
  checkout: { mirrorDir: string; worktreeDir: string; indexFile: string; branch: string },
  commit: string,
  indexWritten: Promise<void> = Promise.resolve(),
): Promise<void> {
  const agentGitDir = join(checkout.worktreeDir, ".git");
  // On the agent's branch from the start: HEAD names it, so no symbolic-ref call is needed.
  // No template: git's sample hooks (inactive) and its `description` are a dozen files to copy.
  await git(["init", "--quiet", "--template=", `--initial-branch=${checkout.branch}`], {
    gitDir: agentGitDir,
  });
  await writeFile(
    join(agentGitDir, "objects", "info", "alternates"),
    `${join(checkout.mirrorDir, "objects")}\n`,
  );
  // The agent's branch in its own fresh repository is a loose ref: one file, written by the
  // worker before any process of the agent exists (so nothing of the agent's can be in the way).
  const agentRef = join(agentGitDir, "refs", "heads", ...checkout.branch.split("/"));
  await mkdir(dirname(agentRef), { recursive: true });
  await writeFile(agentRef, `${commit}\n`, { flag: "wx" });
  await indexWritten;
  await copyFile(checkout.indexFile, join(agentGitDir, "index"));
}
