// The agent queue against a real Redis, through Flotilla's own two doors to BullMQ: AgentQueue
// (enqueue once per generation, attach a child to its parent) and consumeAgentJobs (a job
// postponed comes back later, a parent parked under its children comes back once they end).
import { Queue } from "bullmq";
import { afterAll, describe, expect, it } from "vitest";
import { AgentQueue, agentQueueName } from "../../src/queue/agent-queue.ts";
import { consumeTestJobs } from "../support/consume-test-jobs.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();
const queue = new AgentQueue(testRedis.redis, testRedis.prefix);
afterAll(() => queue.close());

describe("AgentQueue", () => {
  it("adds one job per agent generation, however often it is asked", async () => {
    const data = { agentId: "rq/once", runId: "rq", generation: 0 };
    await queue.enqueue(data);
    await queue.enqueue(data);
    await queue.enqueue({ ...data, generation: 1 });
    expect((await queue.jobCounts()).waiting).toBe(2);
    expect(await queue.parentJob("rq/once", 0)).toMatchObject({ id: "rq/once@0" });
    expect(await queue.parentJob("rq/never", 0)).toBeUndefined();

    const seen: string[] = [];
    const consumer = consumeTestJobs(testRedis, async (job) => {
      seen.push(`${job.data.agentId}@${job.data.generation}`);
      return "done";
    });
    try {
      await waitFor(() => seen.length === 2, { what: "both generations' jobs" });
      expect(seen.sort()).toEqual(["rq/once@0", "rq/once@1"]);
      expect(consumer.failures).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });
});

describe("consumeAgentJobs", () => {
  it("runs a postponed job again later, and a parked parent again once its child ended", async () => {
    const completedBefore = (await queue.jobCounts()).completed ?? 0;
    const runs: string[] = [];
    let childMayEnd = false;
    const consumer = consumeTestJobs(testRedis, async (job) => {
      const { agentId } = job.data;
      runs.push(agentId);
      if (agentId === "rq/later" && runs.filter((id) => id === agentId).length === 1)
        return job.postpone(Date.now() + 50);
      if (agentId === "rq/parent") {
        if (runs.filter((id) => id === agentId).length === 1)
          await queue.enqueue({ agentId: "rq/child", runId: "rq", generation: 0 }, job.asParent);
        // Parked while the child works; returns (still active) once no child is pending.
        await job.parkUntilChildrenEnd();
        return "parent done";
      }
      if (agentId === "rq/child") await waitFor(() => childMayEnd, { what: "the test to let the child end" });
      return `${agentId} done`;
    });
    try {
      await queue.enqueue({ agentId: "rq/later", runId: "rq", generation: 0 });
      await queue.enqueue({ agentId: "rq/parent", runId: "rq", generation: 0 });
      await waitFor(() => runs.includes("rq/child"), { what: "the child's job to start" });
      await waitFor(async () => (await queue.jobCounts())["waiting-children"] === 1, {
        what: "the parent to be parked under its child",
      });
      childMayEnd = true;
      await waitFor(() => runs.filter((id) => id === "rq/parent").length === 2, {
        what: "the parent to run again after its child",
      });
      await waitFor(async () => (await queue.jobCounts()).completed === completedBefore + 3, {
        what: "all three jobs done",
      });
      expect(runs.filter((id) => id === "rq/later")).toHaveLength(2);
      expect(consumer.failures).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });

  it("fails a job whose data is not an agent job's at once, without processing it", async () => {
    // Another program's job in the agents queue: not Flotilla's AgentQueue, so BullMQ itself.
    const foreign = new Queue(agentQueueName, { connection: testRedis.redis, prefix: testRedis.prefix });
    const processed: string[] = [];
    const consumer = consumeTestJobs(testRedis, async (job) => {
      processed.push(job.data.agentId);
      return "done";
    });
    try {
      const job = await foreign.add("agent", { agentId: "rq/odd", generation: "one" }, { attempts: 3 });
      // The consumer hears of the failure after BullMQ recorded it: the job is failed by then.
      await waitFor(() => consumer.failures.length > 0, { what: "the consumer to fail the foreign job" });
      expect(await job.getState()).toBe("failed");
      expect((await foreign.getJob(job.id ?? ""))?.attemptsMade).toBe(1);
      expect(processed).toEqual([]);
      expect(consumer.failures).toEqual([
        `job ${job.id} of the "agents" queue is not an agent job (runId: Invalid input: expected string, received undefined; generation: Invalid input: expected number, received string); was it added by another program?`,
      ]);
    } finally {
      await consumer.stop();
      await foreign.close();
    }
  });
});
