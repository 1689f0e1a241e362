// Retry and continue: an agent that has ended gets a new job (a new generation) on the same
// branch and same pull request, and a new check run (a completed one is final on GitHub; the
// reporter makes one per generation). Retry starts a fresh session; continue resumes the same
// session with more budget (by default half as much again, from its parent if it has one), at
// most the most a `--budget` may ask for, as with run.
import { randomUUID } from "node:crypto";
import type { ParentJob } from "../queue/agent-queue.ts";
import type { Services } from "../services.ts";
import { type AgentRecord, isTerminal } from "../store/records.ts";
import { formatTokens } from "../text/format-tokens.ts";

/** What retry and continue use. */
type RestartServices = Pick<Services, "store" | "budgets" | "queue" | "reporter">;

/** The outcome of a retry or continue, in words for the person who asked. */
export interface ActionResult {
  ok: boolean;
  message: string;
}

export async function retryAgent(deps: RestartServices, agent: AgentRecord): Promise<ActionResult> {
  if (!isTerminal(agent.state)) {
    return {
      ok: false,
      message: `\`${agent.name}\` is still ${agent.state}; only an agent that has ended can be retried.`,
    };
  }
  if (agent.state === "out_of_budget") {
    return {
      ok: false,
      message: `\`${agent.name}\` ran out of budget; \`/agents continue ${agent.name}\` resumes it with more.`,
    };
  }
  const reopened = await deps.budgets.addBudget(agent.id, 0);
  if ("refused" in reopened)
    return { ok: false, message: `\`${agent.name}\` cannot be retried: ${reopened.refused}` };
  await requeue(deps, agent, {
    sessionId: randomUUID(),
    sessionStarted: false,
    turns: 0,
    recentTools: [],
  });
  return {
    ok: true,
    message: `retrying \`${agent.name}\` in a fresh session on its branch \`${agent.branch}\`.`,
  };
}

/**
 * `extraTokens`: what was asked for (`--budget`), or undefined for half the budget again.
 * `maxExtraTokens`: the most one `--budget` may ask for here (the repository's `budget.max`,
 * within AGENT_MAX_BUDGET_TOKENS); more is clamped to it, as `run` does, and the reply says so.
 */
export async function continueAgent(
  deps: RestartServices,
  agent: AgentRecord,
  extraTokens: number | undefined,
  maxExtraTokens: number,
): Promise<ActionResult> {
  if (agent.state === "waiting" && agent.waitKind === "model") return resumeFromModelWait(deps, agent);
  if (!isTerminal(agent.state) || agent.state === "succeeded" || agent.state === "cancelled") {
    return {
      ok: false,
      message: `\`${agent.name}\` is ${agent.state}; continue resumes an agent that ran out of budget, timed out or failed.`,
    };
  }
  const asked = extraTokens ?? Math.ceil(agent.budgetTokens / 2);
  const extra = Math.min(asked, maxExtraTokens);
  const raised = await deps.budgets.addBudget(agent.id, extra);
  if ("refused" in raised)
    return { ok: false, message: `\`${agent.name}\` cannot continue: ${raised.refused}` };
  await requeue(deps, agent, {
    pendingMessage: agent.sessionStarted
      ? `Flotilla gave you ${extra} more tokens (your budget is now ${raised.budgetTokens}). Continue your task where you left off.`
      : undefined,
    turns: 0,
  });
  const clamped =
    extra < asked
      ? ` ${formatTokens(asked)} was clamped to ${formatTokens(extra)}, the most one \`--budget\` may ask for here (\`budget.max\` in .github/agents.yml, within the operator's AGENT_MAX_BUDGET_TOKENS).`
      : "";
  return {
    ok: true,
    message: `continuing \`${agent.name}\` in the same session with ${formatTokens(extra)} more tokens (budget now ${formatTokens(raised.budgetTokens)}).${clamped}`,
  };
}

/** An agent parked for the model API resumes now, in its session, even while the brake holds. */
async function resumeFromModelWait(deps: RestartServices, agent: AgentRecord): Promise<ActionResult> {
  await deps.store.updateAgent(agent.id, {
    modelResumeNow: true,
    modelResumeAt: Date.now(),
    currentStep: "resuming now, as asked (it waited for the model)",
  });
  await deps.queue.runNow(agent.id, agent.generation);
  await deps.reporter.changed(
    [
      { kind: "check", agentId: agent.id },
      { kind: "comment", runId: agent.runId },
    ],
    { urgent: true },
  );
  return {
    ok: true,
    message: `resuming \`${agent.name}\` now in its own session (it was waiting for the model: ${agent.modelTrouble ?? "trouble upstream"}). If the model API is still unavailable, it waits again by itself.`,
  };
}

async function requeue(
  deps: RestartServices,
  agent: AgentRecord,
  changes: Partial<
    Pick<AgentRecord, "sessionId" | "sessionStarted" | "turns" | "recentTools" | "pendingMessage">
  >,
): Promise<void> {
  const generation = agent.generation + 1;
  await deps.store.clearAgentFields(agent.id, [
    "error",
    "endedAt",
    "waitingFor",
    "waitKind",
    "pendingMessage",
    "ending",
  ]);
  await deps.store.updateAgent(agent.id, {
    ...changes,
    generation,
    state: "queued",
    activeMs: 0,
    cancelRequested: false,
    currentStep: "queued again",
  });
  await deps.reporter.changed(
    [
      { kind: "check", agentId: agent.id },
      { kind: "comment", runId: agent.runId },
    ],
    { urgent: true },
  );
  await deps.queue.enqueue(
    { agentId: agent.id, runId: agent.runId, generation },
    await parentJob(deps, agent),
  );
}

/** A restarted child of a parent that still works is waited for by the parent's current job. */
async function parentJob(
  deps: Pick<Services, "store" | "queue">,
  agent: AgentRecord,
): Promise<ParentJob | undefined> {
  if (agent.parentId === undefined) return undefined;
  const parent = await deps.store.getAgent(agent.parentId);
  if (parent === undefined || isTerminal(parent.state)) return undefined;
  return deps.queue.parentJob(parent.id, parent.generation);
}
