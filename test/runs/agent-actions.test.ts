// What a person can make happen to agents, against a real Redis: which agents a command names,
// cancel (the unfinished part of a subtree, told to every worker) and retry (an ended agent gets
// its next generation's job in a fresh session; one still working is refused).
import { Queue } from "bullmq";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { AgentQueue, agentQueueName } from "../../src/queue/agent-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { type ReportTarget, targetKey } from "../../src/reporter/report-targets.ts";
import { Reporter } from "../../src/reporter/reporter.ts";
import { WriteLimiter } from "../../src/reporter/write-limiter.ts";
import { cancelAgents } from "../../src/runs/cancel-agents.ts";
import { allAgents, findAgent, subtreeOf } from "../../src/runs/find-agents.ts";
import { retryAgent } from "../../src/runs/restart-agent.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { type NewAgent, RunStore } from "../../src/store/run-store.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();
const store = new RunStore(testRedis.redis, testRedis.keys);
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
const queue = new AgentQueue(testRedis.redis, testRedis.prefix);
afterAll(() => queue.close());
const conversation = { owner: "octo", repo: "demo", issueNumber: 7 };

/** Records run `runId` with a root, two children of it and a grandchild under the first. */
async function recordTree(runId: string): Promise<void> {
  const agent = (name: string, parentId?: string): NewAgent => ({
    ...makeNewAgent(runId, name, parentId),
    budgetTokens: 10_000,
  });
  await store.createRun(makeNewRun({ id: runId, ...conversation }), [agent("root")]);
  await store.addAgent(agent("left", `${runId}/root`));
  await store.addAgent(agent("right", `${runId}/root`));
  await store.addAgent(agent("leaf", `${runId}/left`));
}

// A real reporter that is never started: what the actions ask it to write stays in its dirty set.
const reporter = new Reporter({
  store,
  dirty: new DirtyTargets(testRedis.redis, testRedis.keys, 1_000),
  limiter: new WriteLimiter(testRedis.redis, testRedis.keys, { perMinute: 10, perHour: 100 }),
  clientFor: () => Promise.reject(new Error("this reporter never writes")),
  links: { agentPage: () => undefined, runPage: () => undefined },
  log: pino({ level: "silent" }),
});

/** Whether the reporter was asked to write each of `targets`. */
async function markedForWriting(targets: readonly ReportTarget[]): Promise<boolean[]> {
  const dirty = await testRedis.redis.zrange(testRedis.keys.reportDirty(), "0", "-1");
  return targets.map((target) => dirty.includes(targetKey(target)));
}

describe("finding agents", () => {
  it("names an agent by name (newest run first), by run/name, and lists a subtree parents first", async () => {
    await recordTree("rfind1");
    await recordTree("rfind2");
    expect((await findAgent(store, conversation, "left"))?.id).toBe("rfind2/left");
    expect((await findAgent(store, conversation, "rfind1/left"))?.id).toBe("rfind1/left");
    expect(await findAgent(store, conversation, "rnone/left")).toBeUndefined();
    expect(await findAgent(store, { ...conversation, issueNumber: 8 }, "left")).toBeUndefined();
    const root = await store.requireAgent("rfind1/root");
    expect((await subtreeOf(store, root)).map((agent) => agent.name)).toEqual([
      "root",
      "left",
      "leaf",
      "right",
    ]);
    expect((await allAgents(store, conversation)).length).toBeGreaterThanOrEqual(8);
  });
});

describe("cancel", () => {
  it("marks the unfinished agents of the subtree, tells every worker, and asks for their writes", async () => {
    await recordTree("rcancel");
    await store.updateAgent("rcancel/leaf", { state: "succeeded" });
    const subscriber = createRedisConnection(testRedisUrl, "blocking");
    const heard: string[] = [];
    subscriber.on("message", (_channel: string, agentId: string) => heard.push(agentId));
    await subscriber.subscribe(testRedis.keys.cancelChannel());
    try {
      const cancelled = await cancelAgents({ store, queue, reporter, log: pino({ level: "silent" }) }, [
        await store.requireAgent("rcancel/left"),
      ]);
      expect(cancelled).toEqual(["rcancel/left"]);
      await waitFor(() => heard.length === 1, { what: "the cancel message" });
      expect(heard).toEqual(["rcancel/left"]);
    } finally {
      subscriber.disconnect();
    }
    expect((await store.requireAgent("rcancel/left")).cancelRequested).toBe(true);
    expect((await store.requireAgent("rcancel/leaf")).cancelRequested).toBe(false);
    expect((await store.requireAgent("rcancel/right")).cancelRequested).toBe(false);
    expect(
      await markedForWriting([
        { kind: "check", agentId: "rcancel/left" },
        { kind: "comment", runId: "rcancel" },
        { kind: "check", agentId: "rcancel/right" },
      ]),
    ).toEqual([true, true, false]);
  });

  it("runs the delayed job of an agent parked for the model now, so that it ends without waiting hours", async () => {
    await recordTree("rcparked");
    const parkedId = "rcparked/right";
    // As a worker parks it for the model: its job delayed until the reset.
    const bullQueue = new Queue(agentQueueName, { connection: testRedis.redis, prefix: testRedis.prefix });
    try {
      const job = await bullQueue.add(
        "agent",
        { agentId: parkedId, runId: "rcparked", generation: 0 },
        { jobId: `${parkedId}@0`, delay: 3_600_000 },
      );
      await store.updateAgent(parkedId, { state: "waiting", waitKind: "model" });
      expect(await job.isDelayed()).toBe(true);
      await cancelAgents({ store, queue, reporter, log: pino({ level: "silent" }) }, [
        await store.requireAgent(parkedId),
      ]);
      expect(await bullQueue.getJobState(`${parkedId}@0`)).toBe("waiting");
    } finally {
      await bullQueue.close();
    }
  });
});

describe("retry", () => {
  it("refuses an agent still working, and gives an ended one its next generation in a fresh session", async () => {
    await recordTree("rretry");
    const deps = { store, budgets, queue, reporter };
    const working = await retryAgent(deps, await store.requireAgent("rretry/right"));
    expect(working).toEqual({ ok: false, message: expect.stringContaining("is still queued") });

    await store.updateAgent("rretry/right", { state: "failed", sessionStarted: true, turns: 4 });
    const before = await store.requireAgent("rretry/right");
    const retried = await retryAgent(deps, before);
    expect(retried.ok).toBe(true);
    const after = await store.requireAgent("rretry/right");
    expect(after).toMatchObject({
      state: "queued",
      generation: before.generation + 1,
      turns: 0,
      sessionStarted: false,
    });
    expect(after.sessionId).not.toBe(before.sessionId);
    expect(await queue.parentJob("rretry/right", after.generation)).toMatchObject({
      id: `rretry/right@${after.generation}`,
    });
  });
});
