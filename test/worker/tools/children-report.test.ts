import { describe, expect, it } from "vitest";
import type { AgentRecord } from "../../../src/store/records.ts";
import { childrenReport } from "../../../src/worker/tools/children-report.ts";
import { makeAgentRecord } from "../../support/agent-record.ts";

function child(name: string, overrides: Partial<AgentRecord> = {}): AgentRecord {
  return makeAgentRecord({
    name,
    parentId: "r1/root",
    depth: 1,
    state: "succeeded",
    sessionStarted: true,
    spentTokens: 500,
    hasChanges: true,
    pullRequestNumber: 12,
    pullRequestUrl: "https://github.com/o/r/pull/12",
    ...overrides,
  });
}

describe("childrenReport", () => {
  it("stays under its bound however much seven children returned, and says how to read the rest", () => {
    const huge = "x".repeat(150_000);
    const children = Array.from({ length: 7 }, (_, index) => ({
      agent: child(`c${index}`),
      resultStart: huge,
      resultChars: huge.length,
    }));
    const report = childrenReport("Your sub-agents have finished.", children, { maxChars: 16_000 });
    expect(report.length).toBeLessThanOrEqual(16_000);
    for (let index = 0; index < 7; index += 1) {
      expect(report).toContain(`read_agent_result {"id": "r1/c${index}", "offset": `);
    }
    expect(report).toContain("https://github.com/o/r/pull/12");
  });

  it("shows a short result whole, and says which child failed and why", () => {
    const report = childrenReport("Done.", [
      { agent: child("ok"), resultStart: "All tests pass.", resultChars: 15 },
      {
        agent: child("broken", {
          state: "failed",
          error: "API Error: 402 budget",
          hasChanges: false,
          pullRequestUrl: undefined,
        }),
        resultStart: "",
        resultChars: 0,
      },
    ]);
    expect(report).toContain("## ok (id r1/ok) succeeded");
    expect(report).toContain("All tests pass.");
    expect(report).not.toContain("read_agent_result");
    expect(report).toContain("## broken (id r1/broken) FAILED");
    expect(report).toContain("Why: API Error: 402 budget");
    expect(report).toContain("Pull request: none (no changes)");
  });

  it("says per child what became of its branch: merged, conflicted with its files, aborted and why, or not merged", () => {
    const merge = (childId: string, outcome: "merged" | "conflicted" | "aborted", extra = {}) => ({
      childId,
      outcome,
      commit: "c0ffee",
      recorded: outcome === "merged",
      files: [],
      ...extra,
    });
    const report = childrenReport("Done.", [
      { agent: child("clean"), resultStart: "", resultChars: 0, merge: merge("r1/clean", "merged") },
      {
        agent: child("clash"),
        resultStart: "",
        resultChars: 0,
        merge: merge("r1/clash", "conflicted", { files: ["src/a.ts", "README.md"] }),
      },
      {
        agent: child("late"),
        resultStart: "",
        resultChars: 0,
        merge: merge("r1/late", "aborted", { reason: "it conflicts with the merge still to resolve" }),
      },
      { agent: child("kept"), resultStart: "", resultChars: 0, mergeDeclined: true },
      { agent: child("broken", { state: "failed", error: "boom" }), resultStart: "", resultChars: 0 },
    ]);
    expect(report).toContain("## clean (id r1/clean) succeeded\nMerge: merged into your branch");
    expect(report).toContain("Merge: CONFLICT");
    expect(report).toContain("in these files of your worktree: src/a.ts, README.md");
    expect(report).toContain(
      "Merge: aborted, nothing of its branch is in your worktree: it conflicts with the merge still to resolve",
    );
    expect(report).toContain("Merge: not merged, as you asked");
    expect(report.split("\n").filter((line) => line.startsWith("Merge:"))).toHaveLength(4);
    expect(report).toContain("the merged changes show as uncommitted changes. Keep them");
  });
});
