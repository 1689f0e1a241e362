// Which of an agent's children's merges its checkout still holds, when the checkout was restored
// from the pushed branch (another host, or a swept worktree) rather than found as the worker
// left it. A merge is kept on the agent's record as soon as it is made, but reaches the pushed
// branch only with the push that ends the integration (a conflict's markers, and the clean
// merges on top of them, as a commit of work in progress). What the branch lacks is merged again.
import type { ChildMerge } from "../store/records.ts";
import { mergeTrees } from "./merge-commit.ts";
import { type Checkout, hasConflictMarkers, headCommitAndTree, isAncestor } from "./worktree.ts";

/** `merges` without those the checkout does not hold (and, after one, no unrecorded one). */
export async function mergesHeldBy(checkout: Checkout, merges: readonly ChildMerge[]): Promise<ChildMerge[]> {
  if (!merges.some((merge) => merge.outcome !== "aborted")) return [...merges];
  const head = await headCommitAndTree(checkout);
  const held: ChildMerge[] = [];
  let pendingLost = false;
  for (const merge of merges) {
    if (merge.outcome === "aborted" || (await isAncestor(checkout, merge.commit, head.commit))) {
      held.push(merge);
      continue;
    }
    // A merge commit that was never pushed.
    if (merge.recorded) continue;
    // Unrecorded merges were made on top of one another: once one is lost, so are the later ones.
    pendingLost ||= !(await holdsUnrecorded(checkout, head, merge));
    if (!pendingLost) held.push(merge);
  }
  return held;
}

/**
 * Whether the branch holds an unrecorded merge's files: a checkpoint committed its conflict
 * markers (not yet resolved), or the changes of a clean merge made on top of them.
 */
async function holdsUnrecorded(
  checkout: Checkout,
  head: { commit: string; tree: string },
  merge: ChildMerge,
): Promise<boolean> {
  if (merge.outcome === "conflicted") return hasConflictMarkers(checkout, head.tree, merge.files);
  const merged = await mergeTrees(checkout, head.commit, merge.commit);
  return merged.clean && merged.tree === head.tree;
}
