// What the tracking comment and the parent's pull request say of each child's branch: merged,
// conflicted and unresolved, aborted, or left unmerged because the parent asked so.
import { describe, expect, it } from "vitest";
import { renderPullRequest } from "../../src/reporter/views/pull-request-view.ts";
import { renderTrackingComment } from "../../src/reporter/views/tracking-comment-view.ts";
import { type ChildMerge, runRecordSchema, toRedisFields } from "../../src/store/records.ts";
import { makeAgentRecord, makeNewRun } from "../support/agent-record.ts";

const run = runRecordSchema.parse(toRedisFields(makeNewRun({ id: "r1" })));
const child = (name: string) =>
  makeAgentRecord({ name, parentId: "r1/lead", depth: 1, state: "succeeded", hasChanges: true });
const merge = (name: string, fields: Partial<ChildMerge>): ChildMerge => ({
  childId: `r1/${name}`,
  commit: "c".repeat(40),
  outcome: "merged",
  recorded: true,
  files: [],
  ...fields,
});

function trackingRowOf(body: string, name: string): string {
  const row = body.split("\n").find((line) => line.includes(`\`${name}\``));
  if (row === undefined) throw new Error(`no row for ${name} in:\n${body}`);
  return row;
}

function tracking(parentDeclined: boolean, merges: ChildMerge[]): string {
  const lead = makeAgentRecord({
    name: "lead",
    state: "running",
    mergeDeclined: parentDeclined,
    childMerges: merges,
  });
  return renderTrackingComment({
    run,
    agents: [lead, child("clean"), child("clash"), child("broken"), child("kept-apart")],
    checkRunUrl: () => undefined,
    runPageUrl: undefined,
  });
}

describe("the tracking comment's tree", () => {
  const merges = [
    merge("clean", {}),
    merge("clash", { outcome: "conflicted", recorded: false, files: ["src/a.ts", "src/b.ts"] }),
    merge("broken", { outcome: "aborted", recorded: false, reason: "unrelated histories" }),
  ];

  it("shows each child's merge: merged, conflicted and unresolved, aborted", () => {
    const body = tracking(false, merges);
    expect(trackingRowOf(body, "clean")).toContain("succeeded · merged |");
    expect(trackingRowOf(body, "clash")).toContain("conflicted in src/a.ts, src/b.ts, unresolved");
    expect(trackingRowOf(body, "broken")).toContain("merge aborted, not merged");
    // Not merged yet, and the parent did not decline: nothing to say.
    expect(trackingRowOf(body, "kept-apart")).not.toContain("merge");
  });

  it("says a child was not merged by its parent's choice when the parent declined", () => {
    const body = tracking(true, []);
    expect(trackingRowOf(body, "kept-apart")).toContain("succeeded · not merged (parent's choice)");
    expect(trackingRowOf(body, "lead")).not.toContain("parent's choice");
  });

  it("says nothing of a declined merge for a child with no work to merge", () => {
    const lead = makeAgentRecord({ name: "lead", state: "running", mergeDeclined: true });
    const idle = makeAgentRecord({ name: "idle", parentId: lead.id, depth: 1, state: "succeeded" });
    const body = renderTrackingComment({
      run,
      agents: [lead, idle],
      checkRunUrl: () => undefined,
      runPageUrl: undefined,
    });
    expect(trackingRowOf(body, "idle")).not.toContain("parent's choice");
  });
});

/** The pull request body of a lead that ended with one unmerged child. */
function pullRequestOf(mergeDeclined: boolean, childName: string): string {
  const lead = makeAgentRecord({ name: "lead", state: "succeeded", hasChanges: true, mergeDeclined });
  return renderPullRequest({
    run,
    agent: lead,
    base: "feature",
    summary: "Done.",
    children: [{ agent: child(childName), merge: undefined }],
  }).body;
}

describe("the parent's pull request", () => {
  it("lists children it declined to merge as its choice", () => {
    expect(pullRequestOf(true, "kept-apart")).toContain(
      "- `kept-apart`: ✅ succeeded · not merged (parent's choice)",
    );
  });

  it("lists an unmerged child without the parent's choice when the parent merges", () => {
    const body = pullRequestOf(false, "late");
    expect(body).toContain("- `late`: ✅ succeeded · not merged");
    expect(body).not.toContain("parent's choice");
  });
});
