// Words and names people see for agents: the check run name that shows the tree, and states.
import type { AgentRecord, AgentState } from "../../store/records.ts";

/** `agent: fix-tests › child: update-snapshots` — the path from the run's top-level agent. */
export function checkRunName(agent: AgentRecord, agentsById: ReadonlyMap<string, AgentRecord>): string {
  const names: string[] = [];
  let current: AgentRecord | undefined = agent;
  while (current !== undefined) {
    names.unshift(current.name);
    current = current.parentId === undefined ? undefined : agentsById.get(current.parentId);
  }
  return names.map((name, index) => `${index === 0 ? "agent" : "child"}: ${name}`).join(" › ");
}

export const stateLabels: Record<AgentState, string> = {
  queued: "⏳ queued",
  preparing: "🛠️ preparing",
  running: "🏃 running",
  waiting: "⏸️ waiting for sub-agents",
  finishing: "📦 finishing",
  succeeded: "✅ succeeded",
  failed: "❌ failed",
  cancelled: "🚫 cancelled",
  out_of_budget: "💸 out of budget",
  timed_out: "⌛ timed out",
};
