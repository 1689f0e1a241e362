// Where each item of a `--stack` run is cut from its integrating root's branch: the commit of the
// root's first-parent history that recorded the item's merge (its merged commit as a further
// parent), the last item taking the root's final head so that fixups after the merges go with it.
// Each item's pull request is then that commit on the item's branch, based on the previous item's
// branch, and its diff is exactly the item (and how its conflict was resolved). Pure: tested alone.
import type { ChainCommit } from "../workspace/stacked-branches.ts";

/** An item whose work is on the root's branch, in list order. */
export interface StackItem {
  childId: string;
  branch: string;
  /** The item's commit the root merged (`ChildMerge.commit`). */
  mergedCommit: string;
}

interface StackPoint {
  childId: string;
  /** The root's commit to push to the item's branch. */
  commit: string;
  /** The branch the item's pull request targets: the previous item's, or the run's base. */
  base: string;
}

export interface StackPlan {
  points: StackPoint[];
  /** Items with no pull request of their own, and why (their work is in a later item's). */
  folded: { childId: string; into: string | undefined; reason: string }[];
}

export function stackPoints(
  chain: readonly ChainCommit[],
  items: readonly StackItem[],
  finalHead: string,
  baseBranch: string,
): StackPlan {
  const raw = items.map((item, index) => {
    if (index === items.length - 1) return { item, at: chain.length - 1, commit: finalHead };
    const at = chain.findIndex((entry) => entry.parents.slice(1).includes(item.mergedCommit));
    return { item, at, commit: chain[at]?.commit };
  });
  const points: StackPoint[] = [];
  const folded: StackPlan["folded"] = [];
  let lastAt = -1;
  let base = baseBranch;
  for (const [index, entry] of raw.entries()) {
    const next = raw[index + 1];
    // Not found as a merge on the branch's own history (its commit came in some other way), or
    // recorded in the same commit as the next item (a conflict's resolution records the merges
    // after it too): a pull request of its own would be empty or out of order, so it rides with
    // the next item's.
    const alone =
      entry.commit !== undefined && entry.at > lastAt && (next === undefined || next.commit !== entry.commit);
    if (!alone || entry.commit === undefined) {
      folded.push({
        childId: entry.item.childId,
        into: next?.item.childId,
        reason:
          entry.commit === undefined
            ? "its merge is not a commit of the integrating branch's own history"
            : "its merge was recorded in the same commit as the next item's",
      });
      continue;
    }
    points.push({ childId: entry.item.childId, commit: entry.commit, base });
    base = entry.item.branch;
    lastAt = entry.at;
  }
  return { points, folded };
}
