// A worker may die between recording a child (spawn_agent writes the child's record first) and
// adding the child's job to the queue. The child then exists, queued, with no job: nothing would
// ever start it, and its parent, parked under the jobs it has, would resume without it. So
// before a parent parks under its children, every child that never started gets its job under
// the parent's; adding a job that already exists does nothing (AgentQueue.enqueue).
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import type { AgentQueue } from "../queue/agent-queue.ts";
import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";

/** A child that has not run yet: a job of generation 0 starts it. */
export function neverStarted(child: AgentRecord): boolean {
  return child.state === "queued" && child.generation === 0;
}

/**
 * Adds the missing jobs of the agent's never-started children under the agent's job, when it is
 * the job of the agent's current generation (an older one, of a retried agent, adopts nothing).
 */
async function enqueueUnstartedChildren(
  deps: { store: RunStore; queue: AgentQueue },
  job: AgentJob,
): Promise<void> {
  const parent = await deps.store.getAgent(job.data.agentId);
  if (parent === undefined || parent.generation !== job.data.generation) return;
  const unstarted = (await deps.store.listChildren(job.data.agentId)).filter(neverStarted);
  for (const child of unstarted)
    await deps.queue.enqueue({ agentId: child.id, runId: child.runId, generation: 0 }, job.asParent);
}

/** Parks the job under its children (see AgentJob.parkUntilChildrenEnd), each of them queued. */
export async function parkUnderChildren(
  deps: { store: RunStore; queue: AgentQueue },
  job: AgentJob,
): Promise<void> {
  await enqueueUnstartedChildren(deps, job);
  await job.parkUntilChildrenEnd();
}
