// Where each item of a `--stack` run is cut from its root's first-parent history: at the commit
// that recorded its merge, the last at the root's final head (fixups included); an item whose
// merge shares a commit with the next one, or is not on that history, rides with the next.
import { describe, expect, it } from "vitest";
import { type StackItem, stackPoints } from "../../src/worker/stack-points.ts";

const items: StackItem[] = ["a", "b", "c"].map((name) => ({
  childId: `r/${name}`,
  branch: `agents/r/${name}`,
  mergedCommit: `${name}-head`,
}));

describe("stackPoints", () => {
  it("cuts each item at its merge commit and the last at the final head, each on the previous branch", () => {
    const chain = [
      { commit: "m1", parents: ["base", "a-head"] },
      { commit: "m2", parents: ["m1", "b-head"] },
      { commit: "m3", parents: ["m2", "c-head"] },
      { commit: "fixup", parents: ["m3"] },
    ];
    expect(stackPoints(chain, items, "fixup", "main")).toEqual({
      points: [
        { childId: "r/a", commit: "m1", base: "main" },
        { childId: "r/b", commit: "m2", base: "agents/r/a" },
        { childId: "r/c", commit: "fixup", base: "agents/r/b" },
      ],
      folded: [],
    });
  });

  it("folds an item recorded in the same commit as the next (a resolved conflict) into the next", () => {
    const chain = [
      { commit: "m1", parents: ["base", "a-head"] },
      { commit: "resolved", parents: ["m1", "b-head", "c-head"] },
    ];
    const plan = stackPoints(chain, items, "resolved", "main");
    expect(plan.points).toEqual([
      { childId: "r/a", commit: "m1", base: "main" },
      { childId: "r/c", commit: "resolved", base: "agents/r/a" },
    ]);
    expect(plan.folded).toEqual([
      { childId: "r/b", into: "r/c", reason: "its merge was recorded in the same commit as the next item's" },
    ]);
  });

  it("folds an item whose merge is not on the first-parent history into the next", () => {
    const chain = [{ commit: "m2", parents: ["base", "b-head"] }];
    const plan = stackPoints(chain, items.slice(0, 2), "m2", "main");
    expect(plan.points).toEqual([{ childId: "r/b", commit: "m2", base: "main" }]);
    expect(plan.folded.map((entry) => [entry.childId, entry.into])).toEqual([["r/a", "r/b"]]);
  });

  it("stacks a lone item on the base", () => {
    expect(
      stackPoints([{ commit: "m1", parents: ["base", "a-head"] }], items.slice(0, 1), "m1", "main"),
    ).toEqual({
      points: [{ childId: "r/a", commit: "m1", base: "main" }],
      folded: [],
    });
  });
});
