// What an integrating root does next, from its children and merges alone, and the summary and
// outcome it ends with when no model is needed.
import { describe, expect, it } from "vitest";
import type { AgentRecord, ChildMerge } from "../../src/store/records.ts";
import { integrationEnding, integratorStep, mayCallModel } from "../../src/worker/integrator-step.ts";
import { makeAgentRecord } from "../support/agent-record.ts";

const child = (name: string, overrides: Partial<AgentRecord> = {}) =>
  makeAgentRecord({
    name,
    parentId: "r1/issue-7",
    depth: 1,
    state: "succeeded",
    hasChanges: true,
    pushedSha: `${name}-sha`,
    ...overrides,
  });
const merged = (name: string, overrides: Partial<ChildMerge> = {}): ChildMerge => ({
  childId: `r1/${name}`,
  commit: `${name}-sha`,
  outcome: "merged",
  recorded: true,
  files: [],
  ...overrides,
});
const root = { name: "issue-7" };

describe("integratorStep", () => {
  it("waits while a child works", () => {
    expect(integratorStep([child("a"), child("b", { state: "running" })], [merged("a")])).toBe("wait");
  });
  it("waits (to merge) when an ended child's work is not merged yet", () => {
    expect(integratorStep([child("a"), child("b")], [merged("a")])).toBe("wait");
  });
  it("hands a conflict left unresolved to a model", () => {
    const merges = [merged("a"), merged("b", { outcome: "conflicted", recorded: false, files: ["x.md"] })];
    expect(integratorStep([child("a"), child("b")], merges)).toBe("resolve");
  });
  it("finishes when every merge is recorded, a child failed, or one had nothing to merge", () => {
    const children = [
      child("a"),
      child("b", { state: "failed", hasChanges: false }),
      child("c", { hasChanges: false }),
      child("d"),
    ];
    const merges = [merged("a"), merged("d", { outcome: "aborted", recorded: false, reason: "no" })];
    expect(integratorStep(children, merges)).toBe("finish");
  });
});

describe("integrationEnding", () => {
  it("succeeds with a summary quoting each item's answer", () => {
    const ending = integrationEnding(
      root,
      7,
      [child("a"), child("b")],
      [merged("a"), merged("b")],
      new Map([
        ["r1/a", "Wrote a.md."],
        ["r1/b", "x".repeat(3_000)],
      ]),
    );
    expect(ending.state).toBe("succeeded");
    expect(ending.error).toBeUndefined();
    expect(ending.resultText).toContain("the work of 2 agents, one for each task listed in #7");
    expect(ending.resultText).toContain("#### `a`\n\nWrote a.md.");
    expect(ending.resultText).toContain(`${"x".repeat(1_499)}…`);
    expect(ending.resultText).not.toContain("Not in this pull request");
  });
  it("says which items are not in it, and how to bring them in", () => {
    const ending = integrationEnding(
      root,
      7,
      [child("a"), child("b", { state: "timed_out" }), child("c")],
      [merged("a"), merged("c", { outcome: "aborted", recorded: false, reason: "disk full" })],
      new Map(),
    );
    expect(ending.state).toBe("succeeded");
    expect(ending.resultText).toContain(
      "it ended timed out. `/agents retry b`, then `/agents retry issue-7`",
    );
    expect(ending.resultText).toContain("merging its branch `agents/r1/c` was aborted (disk full)");
  });
  it("fails when no item succeeded", () => {
    const ending = integrationEnding(
      root,
      7,
      [child("a", { state: "failed" }), child("b", { state: "cancelled" })],
      [],
      new Map(),
    );
    expect(ending.state).toBe("failed");
    expect(ending.error).toContain("none of the 2 tasks of #7 succeeded (a: failed, b: cancelled)");
  });
});

describe("mayCallModel", () => {
  it("is false only for an integrating root whose session never started", () => {
    expect(mayCallModel({ role: "integrator", sessionStarted: false })).toBe(false);
    expect(mayCallModel({ role: "integrator", sessionStarted: true })).toBe(true);
    expect(mayCallModel({ role: "agent", sessionStarted: false })).toBe(true);
  });
});
