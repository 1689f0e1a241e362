// Merges another branch's commit (a sub-agent's work) into an agent's checkout, as the worker.
// The merge is git's own (merge-ort, through `git merge-tree --write-tree`), computed in the
// mirror alone: only `--git-dir` is given, so it reads nothing of the agent's worktree (no
// `.gitattributes`, no `.git`), and the mirror's config, which no agent can write, defines no
// merge driver, filter or hook. `git merge` itself is not used: it keeps its state (HEAD,
// MERGE_HEAD, MERGE_MSG) in the repository, which here is the mirror that every agent of the
// host shares. The result reaches the worktree through the worker's index (`read-tree -u`).
//
// A clean merge is committed with both parents, like `git merge --no-ff`. A conflicting one
// leaves git's conflict markers in the worktree's files and commits nothing: the merge is
// recorded by the checkpoint that commits the resolution (see commitAll's `mergeParents`).
import { git, isGitExit } from "./git.ts";
import { worktreeGitOptions } from "./sparse-checkout.ts";
import { type Checkout, commitOnBranch, headCommitAndTree, isAncestor, stageWorktree } from "./worktree.ts";

export type MergeOutcome =
  /** `commit` is undefined when the merge waits, uncommitted, for an earlier conflict's resolution. */
  | { kind: "merged"; commit: string | undefined }
  | { kind: "already-merged" }
  | { kind: "conflicted"; files: string[] }
  | { kind: "aborted"; reason: string };

/**
 * Merges `theirs` into the checkout's branch. `pendingHeads` are merges whose conflicts the agent
 * has not resolved yet: the worktree holds them, uncommitted, and a new merge goes on top of them.
 */
export async function mergeIntoCheckout(
  checkout: Checkout,
  theirs: string,
  message: string,
  pendingHeads: readonly string[],
): Promise<MergeOutcome> {
  const head = await headCommitAndTree(checkout);
  if (pendingHeads.includes(theirs) || (await isAncestor(checkout, theirs, head.commit)))
    return { kind: "already-merged" };
  if (pendingHeads.length > 0) return mergeOnPending(checkout, theirs, head.commit, pendingHeads);
  const worktree = await stageWorktree(checkout);
  let ours = head.commit;
  let merged = await mergeTrees(checkout, ours, theirs);
  // The worktree already holding this very merge means a worker died after writing its files
  // (below) and before the branch or the record said so: go on from there. Merging again would
  // take the conflict markers it left for the parent's own work and nest new ones in them.
  if (worktree !== merged.tree) {
    // What the worktree holds is what the merge starts from: committed first.
    if (worktree !== head.tree) {
      ours = await commitOnBranch(checkout, worktree, [ours], "work in progress before merging");
      merged = await mergeTrees(checkout, ours, theirs);
    }
    await writeToWorktree(checkout, merged.tree);
  }
  if (!merged.clean) return { kind: "conflicted", files: merged.files };
  return { kind: "merged", commit: await commitOnBranch(checkout, merged.tree, [ours, theirs], message) };
}

/**
 * Merges on top of merges whose conflicts wait for the agent: a clean one stays uncommitted
 * with them; a conflicting one is aborted, so that conflict markers never nest.
 */
async function mergeOnPending(
  checkout: Checkout,
  theirs: string,
  ours: string,
  pendingHeads: readonly string[],
): Promise<MergeOutcome> {
  const merged = await mergeTrees(checkout, await unresolvedState(checkout, ours, pendingHeads), theirs);
  if (!merged.clean) {
    return {
      kind: "aborted",
      reason: `it conflicts with the merge whose conflicts are still to be resolved (in ${merged.files.join(", ")})`,
    };
  }
  await writeToWorktree(checkout, merged.tree);
  return { kind: "merged", commit: undefined };
}

/**
 * The files first, the branch second: a worker that dies between the two leaves the merged
 * files, found again by the next attempt, never the branch ahead of its files.
 */
async function writeToWorktree(checkout: Checkout, tree: string): Promise<void> {
  await git(["read-tree", "-u", "--reset", tree], worktreeGitOptions(checkout));
}

/** A commit (on no branch) of the worktree as it is, with its unresolved merges as parents. */
async function unresolvedState(
  checkout: Checkout,
  ours: string,
  pendingHeads: readonly string[],
): Promise<string> {
  const tree = await stageWorktree(checkout);
  const parents = [ours, ...pendingHeads].flatMap((parent) => ["-p", parent]);
  return (
    await git(["commit-tree", tree, ...parents, "-m", "unresolved merge"], { gitDir: checkout.mirrorDir })
  ).trim();
}

export interface MergedTree {
  tree: string;
  clean: boolean;
  /** The files with conflicts, when not clean. */
  files: string[];
}

export async function mergeTrees(checkout: Checkout, ours: string, theirs: string): Promise<MergedTree> {
  const args = ["merge-tree", "--write-tree", "--name-only", "--no-messages", ours, theirs];
  try {
    const output = await git(args, { gitDir: checkout.mirrorDir });
    return { tree: firstLine(output), clean: true, files: [] };
  } catch (error) {
    // Exit 1: conflicts. The tree (with the markers) comes first, then one conflicted file a line.
    if (!isGitExit(error, 1)) throw error;
    const [tree = "", ...files] = error.stdout.split("\n").filter((line) => line !== "");
    return { tree, clean: false, files: [...new Set(files)] };
  }
}

function firstLine(output: string): string {
  return (output.split("\n")[0] ?? "").trim();
}
