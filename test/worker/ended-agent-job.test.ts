// A job that runs for an agent that has already ended (a worker died after recording the
// outcome, and BullMQ handed the stalled job to another) asks the reporter once more for the
// agent's final writes, so its check run, pull request and tracking comment are never left
// behind. A job of an older generation (a retried agent's earlier job) asks for nothing.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { AgentQueue } from "../../src/queue/agent-queue.ts";
import type { ReportTarget } from "../../src/reporter/report-targets.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { type AgentJobServices, processAgentJob } from "../../src/worker/agent-job.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { consumeTestJobs } from "../support/consume-test-jobs.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useTestRedis();

describe("a job whose agent already ended", () => {
  it("asks again for the final writes of its own generation, and not for an older one", async () => {
    const store = new RunStore(testRedis.redis, testRedis.keys);
    await store.createRun(makeNewRun({ id: "rend" }), [makeNewAgent("rend", "root")]);
    await store.addAgent(makeNewAgent("rend", "child", "rend/root"));
    await store.updateAgent("rend/child", { state: "succeeded", endedAt: 2 });
    await store.updateAgent("rend/root", { state: "failed", endedAt: 2, generation: 1 });

    const asked: { targets: readonly ReportTarget[]; urgent: boolean | undefined }[] = [];
    const deps = {
      store,
      reporter: {
        changed: async (targets: readonly ReportTarget[], options?: { urgent?: boolean }) => {
          asked.push({ targets, urgent: options?.urgent });
        },
      },
      log: pino({ level: "silent" }),
    } as unknown as AgentJobServices;

    const queue = new AgentQueue(testRedis.redis, testRedis.prefix);
    const results = new Map<string, string>();
    const consumer = consumeTestJobs(
      testRedis,
      async (job) => {
        const result = await processAgentJob(deps, job);
        results.set(job.data.agentId + job.data.generation, result);
        return result;
      },
      1,
    );
    try {
      await queue.enqueue({ agentId: "rend/child", runId: "rend", generation: 0 });
      await queue.enqueue({ agentId: "rend/root", runId: "rend", generation: 0 });
      await waitFor(() => results.size === 2 || consumer.failures.length > 0 || undefined, {
        what: "both jobs processed",
      });
    } finally {
      await consumer.stop();
      await queue.close();
    }

    expect(consumer.failures).toEqual([]);
    expect(results.get("rend/child0")).toBe("agent already succeeded");
    expect(results.get("rend/root0")).toBe("agent already failed");
    // Only the child's job is of its agent's current generation.
    expect(asked).toEqual([
      {
        targets: [
          { kind: "pull", agentId: "rend/child" },
          { kind: "check", agentId: "rend/child" },
          { kind: "comment", runId: "rend" },
          { kind: "check", agentId: "rend/root" },
        ],
        urgent: true,
      },
    ]);
  });
});
