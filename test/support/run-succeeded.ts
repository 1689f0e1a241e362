// Waits for a run's agents to end in success, saying where each stands when they do not: the
// wait every end-to-end test of a whole run has.
import type { AgentRecord } from "../../src/store/records.ts";
import type { RunStore } from "../../src/store/run-store.ts";
import { waitFor } from "./wait-for.ts";

/** Each agent's name, state, host, current step and error, as one line. */
export async function describeRunAgents(store: RunStore, runId: string): Promise<string> {
  const agents = await store.listRunAgents(runId);
  return JSON.stringify(agents.map((a) => [a.name, a.state, a.host, a.currentStep, a.error]));
}

/** The run's `count` agents once every one has succeeded. */
export function runSucceeded(
  store: RunStore,
  runId: string,
  count: number,
  timeoutMs: number,
): Promise<AgentRecord[]> {
  return waitFor(
    async () => {
      const agents = await store.listRunAgents(runId);
      return agents.length === count && agents.every((agent) => agent.state === "succeeded")
        ? agents
        : undefined;
    },
    {
      timeoutMs,
      intervalMs: 1_000,
      what: `all ${count} agents of the run to succeed`,
      describe: () => describeRunAgents(store, runId),
    },
  );
}
