// A task list on an issue: when it fans out, which lists the run's limits refuse (and in words
// that say which limit), and the agents it records, root first.
import { describe, expect, it } from "vitest";
import { fanOutAgents, fanOutRefusal, fansOut, stackRefusal } from "../../src/runs/fan-out-plan.ts";
import { makeNewRun } from "../support/agent-record.ts";

const limits = makeNewRun({ id: "r1" }).limits;
let sessions = 0;
const plan = (items: string[]) =>
  fanOutAgents({
    runId: "rfan",
    issueNumber: 7,
    items,
    headSha: "b".repeat(40),
    budgetTokens: 100_000,
    maxTurns: 20,
    model: undefined,
    createdAt: 5,
    newSessionId: () => `session-${++sessions}`,
    stack: false,
  });

describe("fansOut", () => {
  it("fans out a list of two or more on an issue, never on a pull request or for one task", () => {
    expect(fansOut(false, ["a", "b"])).toBe(true);
    expect(fansOut(true, ["a", "b"])).toBe(false);
    expect(fansOut(false, ["a"])).toBe(false);
  });
});

describe("fanOutRefusal", () => {
  it("accepts a list within both limits", () => {
    expect(fanOutRefusal(8, limits)).toBeUndefined();
  });
  it("refuses more items than an agent may have sub-agents, naming the setting", () => {
    const refusal = fanOutRefusal(9, limits);
    expect(refusal).toContain("9 items");
    expect(refusal).toContain("at most 8 sub-agents");
    expect(refusal).toContain("limits.max_children");
  });
  it("counts the integrating root against the agents a run may have", () => {
    const refusal = fanOutRefusal(4, { ...limits, maxAgentsPerRun: 4 });
    expect(refusal).toContain("makes 5 agents");
    expect(refusal).toContain("limits.max_agents_per_run");
    expect(fanOutRefusal(3, { ...limits, maxAgentsPerRun: 4 })).toBeUndefined();
  });
});

describe("fanOutAgents", () => {
  it("records the integrating root first, then one child per item below it", () => {
    const [root, ...children] = plan(["write a.md", "write b.md\nwith details", "write a.md"]);
    expect(root).toMatchObject({
      id: "rfan/issue-7",
      name: "issue-7",
      role: "integrator",
      depth: 0,
      branch: "agents/rfan/issue-7",
      budgetTokens: 400_000,
      baseSha: "b".repeat(40),
    });
    expect(root?.parentId).toBeUndefined();
    expect(root?.task.split("\n")[0]).toBe("#7: the 3 tasks of its task list, in one pull request");
    expect(root?.task).toContain("- write b.md\n");
    expect(children.map((child) => [child.name, child.parentId, child.depth, child.budgetTokens])).toEqual([
      ["write-a-md", "rfan/issue-7", 1, 100_000],
      ["write-b-md-with-details", "rfan/issue-7", 1, 100_000],
      ["write-a-md-2", "rfan/issue-7", 1, 100_000],
    ]);
    expect(children[1]?.task).toBe("write b.md\nwith details");
    expect(new Set([root, ...children].map((agent) => agent?.sessionId)).size).toBe(4);
  });

  it("never gives an item the root's name", () => {
    const names = plan(["issue 7", "other"]).map((agent) => agent.name);
    expect(names).toEqual(["issue-7", "issue-7-2", "other"]);
  });
});

describe("stackRefusal", () => {
  it("allows --stack only where a list fans out, and says what to do elsewhere", () => {
    expect(stackRefusal(false, ["a", "b"])).toBeUndefined();
    expect(stackRefusal(true, ["a", "b"])).toContain(
      "on a pull request each item of a list already opens its own pull request",
    );
    expect(stackRefusal(false, ["a"])).toContain("needs a task list of two or more items");
  });
});
