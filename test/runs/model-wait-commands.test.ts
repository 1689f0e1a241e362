// `/agents status` and `/agents continue` for an agent parked for the model API: status says
// until when it waits and how to resume it now; continue runs its delayed job at once, in its
// session, even while the fleet's brake holds. An agent held back by the brake before it started
// is listed with the brake's reset, and nothing to resume. Flotilla's Probot app runs in this
// process against a stand-in GitHub, real Redis and a real BullMQ queue.
import { Queue } from "bullmq";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { agentQueueName } from "../../src/queue/agent-queue.ts";
import { brakeText } from "../../src/worker/model-wait.ts";
import { createWebWorld, type WebWorld, worldOwner, worldRepo } from "../support/web-world.ts";

let world: WebWorld;
let queue: Queue;

beforeEach(async () => {
  world = await createWebWorld();
  await world.github.addPullRequest({
    owner: worldOwner,
    repo: worldRepo,
    number: 7,
    head: { ref: "feature/login" },
    base: { ref: "main" },
  });
  world.github.setPermission("alice", "write");
  queue = new Queue(agentQueueName, { connection: world.redis.redis, prefix: world.redis.prefix });
});

afterEach(async () => {
  await queue.close();
  await world.cleanup();
});

describe("an agent waiting for the model", () => {
  it("is listed with its resume time by status, and continue resumes it now", async () => {
    await world.comment("/agents run fix the login");
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
    const [agent] = await world.store.listRunAgents(runId ?? "");
    if (agent === undefined) throw new Error("the run has no agent");
    // As a worker parks it: its job delayed until the reset, its record waiting for the model.
    const jobId = `${agent.id}@0`;
    await queue.remove(jobId);
    await queue.add(
      "agent",
      { agentId: agent.id, runId: agent.runId, generation: 0 },
      { jobId, delay: 3_600_000 },
    );
    const waitText = "waiting for the model: rate limited until 15:00 UTC (resumes by itself)";
    await world.store.updateAgent(agent.id, {
      state: "waiting",
      waitKind: "model",
      modelResumeAt: Date.now() + 3_600_000,
      modelTrouble: "rate limited (429)",
      currentStep: waitText,
      sessionStarted: true,
    });

    await world.comment("/agents status");
    expect(world.comments(7).at(-1)).toContain(`⏸️ paused`);
    expect(world.comments(7).at(-1)).toContain(waitText);
    expect(world.comments(7).at(-1)).toContain(`\`/agents continue ${agent.name}\` resumes it now`);

    await world.comment(`/agents continue ${agent.name}`);
    expect(world.comments(7).at(-1)).toContain(`resuming \`${agent.name}\` now in its own session`);
    expect(await (await queue.getJob(jobId))?.getState()).toBe("waiting");
    const resumed = await world.store.requireAgent(agent.id);
    expect(resumed).toMatchObject({ modelResumeNow: true, generation: 0, sessionId: agent.sessionId });
    expect(resumed.modelResumeAt).toBeLessThanOrEqual(Date.now());
  });

  it("is listed with the brake's reset while the brake holds its start, with nothing to resume", async () => {
    await world.comment("/agents run fix the login");
    const [runId] = await world.store.runIdsForIssue(worldOwner, worldRepo, 7);
    const [agent] = await world.store.listRunAgents(runId ?? "");
    if (agent === undefined) throw new Error("the run has no agent");
    // As a worker holds a new start while the account is rate limited: still queued, its step
    // the brake's words (worker/park-for-model.ts).
    const held = brakeText(Date.parse("2026-12-04T15:00:00Z"));
    await world.store.updateAgent(agent.id, { currentStep: held });

    await world.comment("/agents status");
    const status = world.comments(7).at(-1) ?? "";
    const line = status.split("\n").find((row) => row.startsWith(`- \`${agent.name}\`: `)) ?? "";
    expect(line).toContain("⏳ queued");
    expect(line).toMatch(/ · waiting for the model: rate limited until 15:00 UTC \(resumes by itself\)$/);
    expect(status).not.toContain("/agents continue");

    // Continue is for a parked agent: this one has not started, so it says so and asks nothing.
    await world.comment(`/agents continue ${agent.name}`);
    expect(world.comments(7).at(-1)).toContain(`\`${agent.name}\` is queued`);
    expect(await world.store.requireAgent(agent.id)).toMatchObject({
      modelResumeNow: false,
      state: "queued",
    });
  });
});
