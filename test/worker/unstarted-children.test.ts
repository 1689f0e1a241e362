// A worker that dies between recording a child (spawn_agent) and queueing the child's job leaves
// a child that is queued with no job. When the parent's job parks under its children, the
// missing job is added under it: the child runs, and the parent comes back only after it.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { AgentQueue } from "../../src/queue/agent-queue.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { type AgentJobServices, processAgentJob } from "../../src/worker/agent-job.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { consumeTestJobs } from "../support/consume-test-jobs.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();

describe("a child whose job was never queued", () => {
  it("is queued under its parent when the parent parks, and runs before the parent resumes", async () => {
    const store = new RunStore(testRedis.redis, testRedis.keys);
    // The parent ended; its child "lost" was recorded by spawn_agent, but its job never added.
    await store.createRun(makeNewRun({ id: "runq" }), [makeNewAgent("runq", "root")]);
    await store.addAgent(makeNewAgent("runq", "lost", "runq/root"));
    await store.updateAgent("runq/root", { state: "succeeded", endedAt: 2 });

    const queue = new AgentQueue(testRedis.redis, testRedis.prefix);
    const deps = {
      store,
      queue,
      reporter: { changed: async () => {} },
      log: pino({ level: "silent" }),
    } as unknown as AgentJobServices;
    const processed: string[] = [];
    const consumer = consumeTestJobs(testRedis, async (job) => {
      processed.push(job.data.agentId);
      if (job.data.agentId === "runq/lost") {
        // Stands in for the child's whole run: it ends.
        await store.updateAgent("runq/lost", { state: "succeeded", endedAt: 3 });
        return "child ran";
      }
      return processAgentJob(deps, job);
    });
    try {
      await queue.enqueue({ agentId: "runq/root", runId: "runq", generation: 0 });
      await waitFor(() => processed.filter((id) => id === "runq/root").length === 2 || undefined, {
        what: "the parent's job to come back after its child",
      });
      expect(processed).toEqual(["runq/root", "runq/lost", "runq/root"]);
      expect(consumer.failures).toEqual([]);
    } finally {
      await consumer.stop();
      await queue.close();
    }
  });
});
