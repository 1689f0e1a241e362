// The consumer that runs agent jobs in this process. A job whose machinery keeps failing
// (after its attempts) marks the agent failed, so no agent is left looking busy forever.
import type { Redis } from "ioredis";
import { type AgentJob, type AgentJobConsumer, consumeAgentJobs } from "../queue/agent-job-consumer.ts";
import { isRedisConnectionError } from "../redis/redis-outage.ts";
import type { Services } from "../services.ts";
import { isTerminal } from "../store/records.ts";
import { type AgentJobServices, processAgentJob } from "./agent-job.ts";
import { finishAgent } from "./finish-agent.ts";

export interface AgentWorker {
  consumer: AgentJobConsumer;
  /** Stops taking jobs, hands running agents back to the queue, and waits (bounded). */
  close(): Promise<void>;
}

export function startAgentWorker(deps: AgentJobServices, connection: Redis): AgentWorker {
  const consumer = consumeAgentJobs(connection, {
    prefix: deps.config.redisPrefix,
    concurrency: deps.config.workerConcurrency,
    lockDurationMs: deps.config.lockDurationMs,
    stalledIntervalMs: deps.config.stalledIntervalMs,
    process: (job) => processAgentJob(deps, job),
    onFailed: (job, error) => void markFailedIfFinal(deps, job, error),
    onError: (error) => {
      // Redis being away is reported once for the whole process (redis/redis-outage.ts).
      if (isRedisConnectionError(error)) return;
      deps.metrics.error("worker");
      deps.log.error({ err: error }, "agent worker error");
    },
  });

  return {
    consumer,
    close: async () => {
      const closing = consumer.close();
      await deps.runningAgents.shutdown();
      await Promise.race([
        closing,
        new Promise((resolve) => setTimeout(resolve, deps.config.shutdownGraceMs)),
      ]);
    },
  };
}

async function markFailedIfFinal(
  deps: Pick<Services, "store" | "reporter" | "budgets" | "metrics" | "log" | "config">,
  job: AgentJob,
  error: Error,
): Promise<void> {
  const final = job.attemptsMade >= job.attempts || error.name === "UnrecoverableError";
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
