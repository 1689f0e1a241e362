// A job that runs for an agent that has already ended (a worker died after recording the
// outcome, and BullMQ handed the stalled job to another) asks the reporter once more for the
// agent's final writes, so its check run, pull request and tracking comment are never left
// behind. A job of an older generation (a retried agent's earlier job) asks for nothing.
import { Worker } from "bullmq";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentJobData, AgentQueue, agentQueueName } from "../../src/queue/agent-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import type { ReportTarget } from "../../src/reporter/report-targets.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { type AgentJobServices, processAgentJob } from "../../src/worker/agent-job.ts";
import { makeNewRun } from "../support/agent-record.ts";
import { createTestRedis, type TestRedis, testRedisUrl } from "../support/test-redis.ts";

let testRedis: TestRedis;

beforeAll(() => {
  testRedis = createTestRedis();
});
afterAll(() => testRedis.cleanup());

describe("a job whose agent already ended", () => {
  it("asks again for the final writes of its own generation, and not for an older one", async () => {
    const store = new RunStore(testRedis.redis, testRedis.keys);
    const newAgent = (name: string, parentId?: string) => ({
      id: `rend/${name}`,
      runId: "rend",
      name,
      depth: parentId === undefined ? 0 : 1,
      task: `task ${name}`,
      branch: `agents/rend/${name}`,
      baseSha: "a".repeat(40),
      sessionId: crypto.randomUUID(),
      budgetTokens: 1_000,
      maxTurns: 10,
      createdAt: 1,
      ...(parentId === undefined ? {} : { parentId }),
    });
    await store.createRun(makeNewRun({ id: "rend" }), [newAgent("root")]);
    await store.addAgent(newAgent("child", "rend/root"));
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
    const connection = createRedisConnection(testRedisUrl, "blocking");
    const results = new Map<string, string>();
    const worker = new Worker<AgentJobData>(
      agentQueueName,
      async (job, token) => processAgentJob(deps, job, token),
      { connection, prefix: testRedis.prefix },
    );
    worker.on("completed", (job, result: string) =>
      results.set(job.data.agentId + job.data.generation, result),
    );
    try {
      await queue.enqueue({ agentId: "rend/child", runId: "rend", generation: 0 });
      await queue.enqueue({ agentId: "rend/root", runId: "rend", generation: 0 });
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error("the jobs did not complete")), 20_000);
        const check = setInterval(() => {
          if (results.size === 2) {
            clearTimeout(deadline);
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
    } finally {
      await worker.close();
      await queue.close();
      connection.disconnect();
    }

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
