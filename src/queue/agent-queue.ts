// The BullMQ queue of agent jobs. One job is one agent's next stretch of work; its id comes from
// the agent id (which comes from the webhook delivery), so enqueueing twice starts nothing new.
import { type JobsOptions, Queue } from "bullmq";
import type { Redis } from "ioredis";

export const agentQueueName = "agents";

export interface AgentJobData {
  agentId: string;
  runId: string;
  generation: number;
}

export interface ParentJob {
  id: string;
  queueQualifiedName: string;
}

export function agentJobId(agentId: string, generation: number): string {
  return `${agentId}@${generation}`;
}

export function createAgentQueue(connection: Redis, prefix: string): Queue<AgentJobData> {
  return new Queue<AgentJobData>(agentQueueName, { connection, prefix });
}

const jobOptions: JobsOptions = {
  // Agent outcomes (failed, out of budget, …) are results, not job failures: a job fails only
  // when the machinery does (git, Redis, disk), and then it is worth another try.
  attempts: 3,
  backoff: { type: "exponential", delay: 5_000 },
  removeOnComplete: { age: 7 * 86_400 },
  removeOnFail: { age: 30 * 86_400 },
};

export async function enqueueAgent(
  queue: Queue<AgentJobData>,
  data: AgentJobData,
  parent?: ParentJob,
): Promise<void> {
  await queue.add("agent", data, {
    ...jobOptions,
    jobId: agentJobId(data.agentId, data.generation),
    ...(parent === undefined
      ? {}
      : {
          parent: { id: parent.id, queue: parent.queueQualifiedName },
          // A failed child must not fail its parent: the parent is resumed and told what failed.
          ignoreDependencyOnFailure: true,
        }),
  });
}
