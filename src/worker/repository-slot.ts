// An agent job's slot in its repository's concurrency limit (`limits.max_concurrent_agents`).
// Without a free slot the job is not failed: it goes back to the queue, delayed for a few
// seconds, and the agent's check run and the tracking comment say it is queued behind the limit.
// The slot is held while the agent prepares, runs and finishes, and given up while it waits for
// its sub-agents.
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import type { AgentRecord, RunRecord } from "../store/records.ts";
import { RepositorySlots } from "../store/repository-slots.ts";

export interface RepositorySlot {
  /** Takes the slot again after `release()`, or postpones the job (which ends its processing). */
  retake(): Promise<void>;
  /** Gives the slot up; safe to call more than once. */
  release(): Promise<void>;
}

const leaseTtlMs = 60_000;
const renewEveryMs = 20_000;

/** Seconds between tries of a queued agent, spread so that queued agents do not all try at once. */
function retryDelayMs(): number {
  return 2_000 + Math.floor(Math.random() * 3_000);
}

/** Takes a slot of the run's repository for the agent, or postpones the job (which ends its processing). */
export async function takeRepositorySlot(
  deps: Pick<Services, "store" | "reporter" | "log">,
  job: AgentJob,
  run: RunRecord,
  agent: AgentRecord,
): Promise<RepositorySlot> {
  const limit = run.limits.maxConcurrentInRepository;
  if (limit === undefined) return { retake: async () => {}, release: async () => {} };
  const slots = new RepositorySlots(deps.store.redis, deps.store.keys);
  const lease = { owner: run.owner, repo: run.repo, holder: agent.id, limit, ttlMs: leaseTtlMs };
  let renewal: NodeJS.Timeout | undefined;

  const take = async (): Promise<void> => {
    const answer = await slots.acquire(lease);
    const current = await deps.store.requireAgent(agent.id);
    if (!answer.acquired) {
      const step = `queued: ${answer.active} agent${answer.active === 1 ? "" : "s"} of ${run.owner}/${run.repo} already running, the most it allows at once (limits.max_concurrent_agents: ${limit}); starts when one ends`;
      // Said once (and again only if it changes), not on every try: each change costs GitHub writes.
      if (current.slotWaitSince === undefined || current.currentStep !== step) {
        await deps.store.updateAgent(agent.id, {
          slotWaitSince: current.slotWaitSince ?? Date.now(),
          currentStep: step,
        });
        await deps.reporter.changed(targetsShowingAgent(current));
        deps.log.info(
          { agentId: agent.id, active: answer.active, limit },
          "agent queued behind its repository's limit",
        );
      }
      return job.postpone(Date.now() + retryDelayMs());
    }
    if (current.slotWaitSince !== undefined) {
      await deps.store.clearAgentFields(agent.id, ["slotWaitSince"]);
      await deps.reporter.changed(targetsShowingAgent(current));
    }
    renewal = setInterval(() => {
      slots
        .renew(lease)
        .catch((error: unknown) =>
          deps.log.warn(
            { err: error, agentId: agent.id },
            "could not renew the repository slot; will try again",
          ),
        );
    }, renewEveryMs);
  };

  const release = async (): Promise<void> => {
    if (renewal === undefined) return;
    clearInterval(renewal);
    renewal = undefined;
    await slots.release(run.owner, run.repo, agent.id);
  };

  await take();
  return { retake: take, release };
}
