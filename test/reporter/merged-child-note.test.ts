// When a child's pull request is closed as merged into its parent's branch: only once the
// parent's branch holds the merge and the parent has a pull request to point at, never in
// `children: stack` mode, never twice, and never for a child that moved on after the merge.
import { describe, expect, it } from "vitest";
import { mergedChildNote, mergedChildNoteMarker } from "../../src/reporter/views/merged-child-note.ts";
import type { ChildMerge, RunRecord } from "../../src/store/records.ts";
import { makeAgentRecord, makeNewRun } from "../support/agent-record.ts";

const run: RunRecord = makeNewRun({ id: "r1" });
const child = makeAgentRecord({ name: "left", parentId: "r1/root", state: "succeeded", pushedSha: "c1" });
const merged: ChildMerge = { childId: "r1/left", outcome: "merged", commit: "c1", recorded: true, files: [] };

function parentWith(merge: Partial<ChildMerge> | undefined, hasPullRequest = true) {
  return makeAgentRecord({
    name: "root",
    branch: "agents/r1/root",
    childMerges: merge === undefined ? [] : [{ ...merged, ...merge }],
    ...(hasPullRequest ? { pullRequestUrl: "https://github.com/o/r/pull/9" } : {}),
  });
}

describe("mergedChildNote", () => {
  it("points at the parent's branch, agent and pull request, with a marker to find it again", () => {
    const note = mergedChildNote(run, child, parentWith({}));
    expect(note).toContain(mergedChildNoteMarker("r1/left"));
    expect(note).toContain(
      "Merged into `agents/r1/root` by Flotilla agent `root`, see https://github.com/o/r/pull/9",
    );
    expect(mergedChildNote(run, child, parentWith({ outcome: "conflicted", files: ["a.ts"] }))).toBeDefined();
  });

  it("says nothing until the merge is on the parent's branch and the parent has a pull request", () => {
    expect(mergedChildNote(run, child, undefined)).toBeUndefined();
    expect(mergedChildNote(run, child, parentWith(undefined))).toBeUndefined();
    expect(mergedChildNote(run, child, parentWith({ recorded: false }))).toBeUndefined();
    expect(mergedChildNote(run, child, parentWith({ outcome: "aborted", recorded: false }))).toBeUndefined();
    expect(mergedChildNote(run, child, parentWith({}, false))).toBeUndefined();
  });

  it("keeps the pull request open in stack mode, once closed, or when the child moved on", () => {
    const stacked = { ...run, limits: { ...run.limits, childPullRequests: "stack" as const } };
    expect(mergedChildNote(stacked, child, parentWith({}))).toBeUndefined();
    expect(mergedChildNote(run, { ...child, closedAsMerged: true }, parentWith({}))).toBeUndefined();
    expect(mergedChildNote(run, { ...child, pushedSha: "c2" }, parentWith({}))).toBeUndefined();
  });
});
