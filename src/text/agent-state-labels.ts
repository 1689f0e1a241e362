// The words people see for an agent's state, the same in check runs, the tracking comment,
// `/agents status` and the agent pages. Keyed by the states of store/records.ts: a state
// without a label fails the type check where a label is looked up.

export const stateLabels = {
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
} as const satisfies Record<string, string>;

/**
 * The label of an agent's state: an agent parked for the model API (`waitKind: "model"`) is
 * paused, not waiting for sub-agents; its current step says until when.
 */
export function stateLabelOf(agent: {
  state: keyof typeof stateLabels;
  waitKind?: string | undefined;
}): string {
  return agent.state === "waiting" && agent.waitKind === "model" ? "⏸️ paused" : stateLabels[agent.state];
}
