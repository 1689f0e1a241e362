// What GitHub shows of an integrating root: its pull request fixes the issue only once every
// task of the list is in it, and its check run says it integrates them while they work.
import { describe, expect, it } from "vitest";
import { renderCheckRun } from "../../src/reporter/views/check-run-view.ts";
import { renderPullRequest } from "../../src/reporter/views/pull-request-view.ts";
import { runRecordSchema, toRedisFields } from "../../src/store/records.ts";
import { makeAgentRecord, makeNewRun } from "../support/agent-record.ts";

const run = runRecordSchema.parse(toRedisFields({ ...makeNewRun({ id: "r1" }), isPullRequest: false }));
const root = makeAgentRecord({ name: "issue-7", role: "integrator", state: "succeeded", hasChanges: true });
const child = (name: string, state: "succeeded" | "failed" | "running") =>
  makeAgentRecord({ name, parentId: root.id, depth: 1, state, hasChanges: state === "succeeded" });
const mergeOf = (name: string) => ({
  childId: `r1/${name}`,
  commit: "c".repeat(40),
  outcome: "merged" as const,
  recorded: true,
  files: [],
});

type Item = NonNullable<Parameters<typeof renderPullRequest>[0]["children"]>;
const bodyWith = (children: Item) =>
  renderPullRequest({ run, agent: root, base: "main", summary: "Done.", children }).body;

describe("an integrating root's pull request", () => {
  it("fixes the issue when every task is merged", () => {
    const body = bodyWith(
      ["a", "b"].map((name) => ({ agent: child(name, "succeeded"), merge: mergeOf(name) })),
    );
    expect(body).toContain("Fixes #7");
    expect(body).toContain("`a`: ✅ succeeded · merged");
  });
  it("is only part of the issue when a task failed", () => {
    const body = bodyWith([
      { agent: child("a", "succeeded"), merge: mergeOf("a") },
      { agent: child("b", "failed"), merge: undefined },
    ]);
    expect(body).not.toContain("Fixes #7");
    expect(body).toContain("Part of #7: not every task of its list is in this pull request");
  });
});

describe("an integrating root's check run", () => {
  it("says how many tasks it integrates and how many ended", () => {
    const waiting = { ...root, state: "waiting" as const };
    const children = [child("a", "succeeded"), child("b", "running"), child("c", "running")];
    const content = renderCheckRun({
      run,
      agent: waiting,
      agentsById: new Map([waiting, ...children].map((agent) => [agent.id, agent])),
      resultExcerpt: undefined,
      detailsUrl: undefined,
    });
    expect(content.title).toBe("Integrating 3 tasks into one pull request: 1 of 3 ended");
    expect(content.name).toBe("agent: issue-7");
  });
});
