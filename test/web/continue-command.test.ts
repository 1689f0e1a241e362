// `/agents continue <agent> --budget N` from a comment: like `run`, it may add at most the most a
// `--budget` may ask for (the repository's budget.max, within AGENT_MAX_BUDGET_TOKENS), and the
// reply says when it clamped. Flotilla's Probot app runs in this process against a stand-in
// GitHub, real Redis and a real BullMQ queue.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createWebWorldWithPullRequest,
  type WebWorld,
  worldInstallation,
  worldOwner,
  worldRepo,
} from "../support/web-world.ts";
import { checkRunRerequested } from "../support/webhooks.ts";

let world: WebWorld;

beforeEach(async () => {
  world = await createWebWorldWithPullRequest({ AGENT_MAX_BUDGET_TOKENS: "5000000" });
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

describe("GitHub's Re-run link (check_run.rerequested)", () => {
  const rerun = (agentId: string, login = "alice") =>
    world.receive(
      checkRunRerequested({
        owner: worldOwner,
        repo: worldRepo,
        cloneUrl: world.remote.cloneUrl,
        installationId: worldInstallation,
        checkRunId: 1,
        externalId: agentId,
        headSha: "a".repeat(40),
        login,
      }),
    );

  it("continues an agent that ran out of budget with half its budget again (a fresh session would run out too)", async () => {
    const agent = await agentOutOfBudget();
    const jobsBefore = await world.jobCount();
    await rerun(agent.id);
    const continued = await world.store.requireAgent(agent.id);
    expect(continued.state).toBe("queued");
    expect(continued.generation).toBe(1);
    expect(continued.sessionId).toBe(agent.sessionId);
    expect(continued.budgetTokens).toBe(450_000);
    expect(await world.jobCount()).toBe(jobsBefore + 1);
  });

  it("leaves a working agent alone and says why on its check run", async () => {
    const agent = await agentOutOfBudget();
    await world.store.updateAgent(agent.id, { state: "running" });
    await rerun(agent.id);
    const still = await world.store.requireAgent(agent.id);
    expect(still.generation).toBe(0);
    expect(still.currentStep).toContain("rerun: `");
    expect(still.currentStep).toContain("only an agent that has ended can be retried");
  });

  it("does nothing for someone without the permission", async () => {
    const agent = await agentOutOfBudget();
    world.github.setPermission("mallory", "read");
    await rerun(agent.id, "mallory");
    expect((await world.store.requireAgent(agent.id)).state).toBe("out_of_budget");
  });
});
