// What an integrating root's branch holds of its children's work (records.ts `role`): the
// worker decides from it whether the root is done, and its pull request whether it fixes the
// issue or only holds part of the list.
import type { AgentRecord, ChildMerge } from "./records.ts";

/** Whether the child's work is on the parent's branch: merged (a conflict's once resolved), or it had none. */
export function isWorkIn(child: AgentRecord, merges: readonly ChildMerge[]): boolean {
  if (child.state !== "succeeded") return false;
  if (!child.hasChanges) return true;
  const merge = merges.find((candidate) => candidate.childId === child.id);
  return merge?.recorded === true && merge.outcome !== "aborted";
}

/** Whether every child succeeded and its work is on the branch: the list is done. */
export function holdsEveryItem(children: readonly AgentRecord[], merges: readonly ChildMerge[]): boolean {
  return children.length > 0 && children.every((child) => isWorkIn(child, merges));
}
