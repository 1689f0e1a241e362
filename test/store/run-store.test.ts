import { describe, expect, it, vi } from "vitest";
import { type NewAgent, type NewRun, RunStore } from "../../src/store/run-store.ts";
import { makeNewRun } from "../support/agent-record.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const store = new RunStore(testRedis.redis, testRedis.keys);

function newRun(id: string, deliveryId: string): NewRun {
  return makeNewRun({ id, deliveryId });
}

function newAgent(runId: string, name: string, parentId?: string): NewAgent {
  return {
    id: `${runId}/${name}`,
    runId,
    name,
    depth: parentId === undefined ? 0 : 1,
    task: `task of ${name}`,
    branch: `agents/${runId}/${name}`,
    baseSha: "a".repeat(40),
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    budgetTokens: 1000,
    maxTurns: 30,
    createdAt: 2,
    ...(parentId === undefined ? {} : { parentId }),
  };
}

describe("RunStore", () => {
  it("creates a run once per delivery, with its agents queued", async () => {
    const first = await store.createRun(newRun("r1", "delivery-1"), [newAgent("r1", "fix-tests")]);
    const again = await store.createRun(newRun("r1", "delivery-1"), [
      newAgent("r1", "fix-tests"),
      newAgent("r1", "x"),
    ]);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    const agents = await store.listRunAgents("r1");
    expect(agents.map((agent) => agent.id)).toEqual(["r1/fix-tests"]);
    expect(agents[0]).toMatchObject({
      state: "queued",
      budgetTokens: 1000,
      spentTokens: 0,
      sessionStarted: false,
    });
    const run = await store.requireRun("r1");
    expect(run.limits.allowedTools).toEqual(["Read", "Write"]);
    expect(run.isPullRequest).toBe(true);
    expect(await store.runIdsForIssue("octo", "demo", 7)).toEqual(["r1"]);
  });

  it("claims a delivery in the same atomic command that records its run and agents", async () => {
    // A consumer killed between a separate claim and the records would leave a delivery claimed
    // with no agents, and its retry would start nothing.
    const sent = vi.spyOn(testRedis.redis, "sendCommand");
    try {
      await store.createRun(newRun("r9", "delivery-9"), [newAgent("r9", "a"), newAgent("r9", "b")]);
      const claiming = sent.mock.calls.filter(([command]) =>
        command.args.some((arg) => String(arg) === testRedis.keys.delivery("delivery-9")),
      );
      expect(claiming).toHaveLength(1);
      const args = (claiming[0]?.[0].args ?? []).map(String);
      expect(args).toContain(testRedis.keys.run("r9"));
      expect(args).toContain(testRedis.keys.agent("r9/b"));
    } finally {
      sent.mockRestore();
    }
    expect((await store.listRunAgents("r9")).map((agent) => agent.id)).toEqual(["r9/a", "r9/b"]);
    expect(await store.runIdForDelivery("delivery-9")).toBe("r9");
  });

  it("creates one run when the same delivery is processed concurrently", async () => {
    const attempts = await Promise.all(
      Array.from({ length: 8 }, () => store.createRun(newRun("r10", "delivery-10"), [newAgent("r10", "a")])),
    );
    expect(attempts.filter((attempt) => attempt.created)).toHaveLength(1);
    expect((await store.listRunAgents("r10")).map((agent) => agent.id)).toEqual(["r10/a"]);
    expect(await store.runIdsForIssue("octo", "demo", 7)).toEqual(expect.arrayContaining(["r10"]));
    expect((await store.runIdsForIssue("octo", "demo", 7)).filter((id) => id === "r10")).toHaveLength(1);
  });

  it("updates fields independently and clears them", async () => {
    await store.createRun(newRun("r2", "delivery-2"), [newAgent("r2", "a")]);
    await store.updateAgent("r2/a", { state: "running", recentTools: ["Bash: ls"], sessionStarted: true });
    await store.addSpentTokens("r2/a", 150);
    await store.addSpentTokens("r2/a", 50);
    await store.updateAgent("r2/a", { error: "boom" });
    let agent = await store.requireAgent("r2/a");
    expect(agent).toMatchObject({
      state: "running",
      recentTools: ["Bash: ls"],
      sessionStarted: true,
      spentTokens: 200,
    });
    expect(agent.error).toBe("boom");
    await store.clearAgentFields("r2/a", ["error"]);
    agent = await store.requireAgent("r2/a");
    expect(agent.error).toBeUndefined();
  });

  it("keeps children in order and pages through a long result", async () => {
    await store.createRun(newRun("r3", "delivery-3"), [newAgent("r3", "parent")]);
    await store.addAgent(newAgent("r3", "c1", "r3/parent"));
    await store.addAgent(newAgent("r3", "c2", "r3/parent"));
    expect((await store.listChildren("r3/parent")).map((child) => child.name)).toEqual(["c1", "c2"]);
    const text = "x".repeat(150_000);
    await store.saveResult("r3/c1", text);
    const page = await store.readResult("r3/c1", 149_990, 100);
    expect(page).toEqual({ text: "x".repeat(10), totalChars: 150_000 });
  });

  it("explains a missing record", async () => {
    await expect(store.requireAgent("nope/none")).rejects.toThrow(/No agent record "nope\/none"/);
  });
});
