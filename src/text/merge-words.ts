// What became of a child's branch in its parent's, in the same words on the parent's pull
// request, in the tracking comment and on the agent pages.

/** What the words need of a child's merge (store/records.ts ChildMerge). */
interface MergeShown {
  outcome: "merged" | "conflicted" | "aborted";
  recorded: boolean;
  files: readonly string[];
}

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
