// Events that mark the end of what a change can cause, for tests that check that nothing
// (wrong) happened: once they have happened, a wrong write or model call would have shown up.
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { agentQueueName } from "../../src/queue/agent-queue.ts";
import { waitFor } from "./wait-for.ts";

/**
 * Waits until the job of the agent's generation has completed: its `claude` process has then
 * exited, so nothing of it can reach the model or GitHub any more.
 */
export async function waitForAgentJobDone(
  redis: Redis,
  prefix: string,
  agentId: string,
  generation = 0,
): Promise<void> {
  const queue = new Queue(agentQueueName, { connection: redis, prefix });
  try {
    await waitFor(async () => (await queue.getJobState(`${agentId}@${generation}`)) === "completed", {
      what: `the job of ${agentId} (generation ${generation}) to complete`,
      timeoutMs: 60_000,
    });
  } finally {
    await queue.close();
  }
}
