// The git a `--stack` run needs on top of an agent's own branch: the first-parent history of the
// integrating root's branch (where each item's merge was recorded), and a push of one of those
// commits to an item's own branch. Both run on the mirror only, with the worker's credentials.
import { credentialEnvironment, git } from "./git.ts";
import type { RepositorySource } from "./mirror.ts";
import { classifyPushFailure } from "./push-refusal.ts";

/** One commit of a branch's first-parent history, with all its parents (first parent first). */
export interface ChainCommit {
  commit: string;
  parents: readonly string[];
}

/** The first-parent history from `baseSha` (excluded) to `head`, oldest first. */
export async function firstParentChain(
  mirrorDir: string,
  baseSha: string,
  head: string,
): Promise<ChainCommit[]> {
  const out = await git(["rev-list", "--first-parent", "--parents", "--reverse", `${baseSha}..${head}`], {
    gitDir: mirrorDir,
  });
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [commit = "", ...parents] = line.trim().split(" ");
      return { commit, parents };
    });
}

/**
 * Moves `branch` on the repository to `commit`, which must descend from what it holds: not
 * forced, so an item's branch that moved on since (a retried item) is refused, never rewritten.
 */
export async function pushCommitToBranch(
  mirrorDir: string,
  source: RepositorySource,
  commit: string,
  branch: string,
): Promise<void> {
  await git(["push", "--quiet", source.cloneUrl, `${commit}:refs/heads/${branch}`], {
    gitDir: mirrorDir,
    env: credentialEnvironment(source.cloneUrl, await source.token?.()),
  }).catch((error: unknown) => {
    throw classifyPushFailure(error);
  });
}
