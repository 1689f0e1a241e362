// The BullMQ worker that runs agent jobs in this process. A job whose machinery keeps failing
// (after its attempts) marks the agent failed, so no agent is left looking busy forever.
import { type Job, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type AgentJobData, agentQueueName } from "../queue/agent-queue.ts";
import type { Services } from "../services.ts";
import { isTerminal } from "../store/records.ts";
import { type AgentJobServices, processAgentJob } from "./agent-job.ts";
import { finishAgent } from "./finish-agent.ts";

export interface AgentWorker {
  worker: Worker<AgentJobData>;
  /** Stops taking jobs, hands running agents back to the queue, and waits (bounded). */
  close(): Promise<void>;
}

export function startAgentWorker(deps: AgentJobServices, connection: Redis): AgentWorker {
  const worker = new Worker<AgentJobData>(agentQueueName, (job, token) => processAgentJob(deps, job, token), {
    connection,
    prefix: deps.config.redisPrefix,
    concurrency: deps.config.workerConcurrency,
    lockDuration: deps.config.lockDurationMs,
    stalledInterval: deps.config.stalledIntervalMs,
    // Workers may be killed at any moment (deploys, OOM): a stalled agent job is resumed, not failed.
    maxStalledCount: 1_000,
  });
  worker.on("failed", (job, error) => {
    if (job !== undefined) void markFailedIfFinal(deps, job, error);
  });
  worker.on("error", (error) => {
    deps.metrics.error("worker");
    deps.log.error({ err: error }, "agent worker error");
  });

  return {
    worker,
    close: async () => {
      const closing = worker.close();
      await deps.runningAgents.shutdown();
      await Promise.race([
        closing,
        new Promise((resolve) => setTimeout(resolve, deps.config.shutdownGraceMs)),
      ]);
    },
  };
}

async function markFailedIfFinal(
  deps: Pick<Services, "store" | "reporter" | "budgets" | "metrics" | "log">,
  job: Job<AgentJobData>,
  error: Error,
): Promise<void> {
  const attempts = job.opts.attempts ?? 1;
  const final = job.attemptsMade >= attempts || error.name === "UnrecoverableError";
  deps.metrics.error("agent_job");
  const log = deps.log.child({ runId: job.data.runId, agentId: job.data.agentId });
  log.error({ err: error, attempt: job.attemptsMade, final }, "agent job failed");
  if (!final) return;
  const agent = await deps.store.getAgent(job.data.agentId);
  if (agent === undefined || isTerminal(agent.state)) return;
  await finishAgent(deps, agent, undefined, {
    state: "failed",
    resultText: "",
    error: `Flotilla could not run this agent: ${error.message}`,
  }).catch((finishError: unknown) => log.error({ err: finishError }, "could not record the failure"));
}
