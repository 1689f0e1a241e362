// `/agents continue <agent> --budget N` from a comment: like `run`, it may add at most the most a
// `--budget` may ask for (the repository's budget.max, within AGENT_MAX_BUDGET_TOKENS), and the
// reply says when it clamped. Flotilla's Probot app runs in this process against a stand-in
// GitHub, real Redis and a real BullMQ queue.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWebWorld, type WebWorld, worldOwner, worldRepo } from "../support/web-world.ts";

let world: WebWorld;

beforeEach(async () => {
  world = await createWebWorld({ AGENT_MAX_BUDGET_TOKENS: "5000000" });
  await world.github.addPullRequest({
    owner: worldOwner,
    repo: worldRepo,
    number: 7,
    head: { ref: "feature/login" },
    base: { ref: "main" },
  });
  world.github.setPermission("alice", "write");
});

afterEach(() => world.cleanup());

/** Starts one agent and marks it out of budget, as a worker would have. */
async function agentOutOfBudget() {
  await world.comment("/agents run --budget 300k fix the login");
  const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
  const [agent] = await world.store.listRunAgents(runId ?? "");
  if (agent === undefined) throw new Error("the run has no agent");
  await world.store.updateAgent(agent.id, { state: "out_of_budget", spentTokens: 300_000 });
  return agent;
}

function lastReply(): string {
  return world.comments(7).at(-1) ?? "";
}

describe("/agents continue --budget", () => {
  it("clamps an ask above the operator's maximum, and says so", async () => {
    const agent = await agentOutOfBudget();
    await world.comment(`/agents continue ${agent.name} --budget 100m`);
    expect(lastReply()).toContain(`continuing \`${agent.name}\` in the same session with 5.0M more tokens`);
    expect(lastReply()).toContain("100M was clamped to 5.0M");
    expect((await world.store.requireAgent(agent.id)).budgetTokens).toBe(300_000 + 5_000_000);
  });

  it("clamps to the repository's budget.max when it is lower", async () => {
    world.github.setFile(worldOwner, worldRepo, ".github/agents.yml", "budget:\n  max: 1m\n");
    const agent = await agentOutOfBudget();
    await world.comment(`/agents continue ${agent.name} --budget 3m`);
    expect(lastReply()).toContain("3.0M was clamped to 1.0M");
    expect((await world.store.requireAgent(agent.id)).budgetTokens).toBe(300_000 + 1_000_000);
  });

  it("gives what was asked within the maximum, without a word about clamping", async () => {
    const agent = await agentOutOfBudget();
    await world.comment(`/agents continue ${agent.name} --budget 200k`);
    expect(lastReply()).toContain("with 200k more tokens");
    expect(lastReply()).not.toContain("clamped");
    expect((await world.store.requireAgent(agent.id)).budgetTokens).toBe(500_000);
  });
});
