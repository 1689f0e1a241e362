// Cancel: marks each agent of the subtree as cancelled-on-request and tells every worker, over
// Redis pub/sub, to stop it at once if it runs there. An agent that is queued or waiting sees
// the mark when its job next runs; a job delayed for hours (parked for the model, or held for a
// repository slot) is made to run now, so the agent ends as cancelled at once. Its work so far
// stays on its branch.

import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import { isTerminal } from "../store/records.ts";
import { subtreeOf } from "./find-agents.ts";

export async function cancelAgents(
  deps: Pick<Services, "store" | "queue" | "reporter" | "log">,
  roots: readonly AgentRecord[],
  /** Why, when nobody asked (e.g. "its pull request was closed"): shown while they stop. */
  reason?: string,
): Promise<string[]> {
  const cancelled: string[] = [];
  for (const root of roots) {
    for (const agent of await subtreeOf(deps.store, root)) {
      if (isTerminal(agent.state) || cancelled.includes(agent.id)) continue;
      await deps.store.updateAgent(agent.id, {
        cancelRequested: true,
        currentStep: reason === undefined ? "cancelling" : `cancelling: ${reason}`,
      });
      await deps.store.redis.publish(deps.store.keys.cancelChannel(), agent.id);
      await deps.queue.runNow(agent.id, agent.generation);
      cancelled.push(agent.id);
      await deps.reporter.changed([
        { kind: "check", agentId: agent.id },
        { kind: "comment", runId: agent.runId },
      ]);
    }
  }
  deps.log.info({ cancelled, reason }, "cancel requested");
  return cancelled;
}
