// What became of a child's branch in its parent's, in the same words on the parent's pull
// request, in the tracking comment and on the agent pages.

/** What the words need of a child's merge (store/records.ts ChildMerge). */
interface MergeShown {
  outcome: "merged" | "conflicted" | "aborted";
  recorded: boolean;
  files: readonly string[];
}

/** Said of a child whose parent asked `wait_for_agents` not to merge its children's branches. */
const declinedMergeWords = "not merged (parent's choice)";

export function mergeWords(merge: MergeShown | undefined): string {
  if (merge === undefined) return "not merged";
  switch (merge.outcome) {
    case "merged":
      return merge.recorded ? "merged" : "merged, waiting for a conflict's resolution";
    case "conflicted":
      return merge.recorded
        ? "merged (conflicts resolved)"
        : `conflicted in ${merge.files.join(", ")}, unresolved`;
    case "aborted":
      return "merge aborted, not merged";
  }
}

/** What a child and its parent need to say whether the parent declined to merge it. */
interface ChildShown {
  id: string;
  state: string;
  hasChanges: boolean;
}

/**
 * The merge words a tree shows beside a child, or undefined when there is nothing to say yet:
 * its merge once the parent merged it, or the parent's choice when it declined to merge a
 * child whose succeeded work it could have merged.
 */
export function childMergeWords(
  child: ChildShown,
  parent: { mergeDeclined: boolean } | undefined,
  merge: MergeShown | undefined,
): string | undefined {
  if (merge !== undefined) return mergeWords(merge);
  if (parent?.mergeDeclined === true && child.state === "succeeded" && child.hasChanges)
    return declinedMergeWords;
  return undefined;
}
