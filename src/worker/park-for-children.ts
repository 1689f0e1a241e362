// A parent that waits for its sub-agents: parking it (its work committed, what it waits for
// recorded) and, once they have ended, merging their branches into its worktree and writing the
// report it resumes with. Its job is parked under theirs meanwhile (unstarted-children.ts).
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import { type AgentWorkspace, checkpointWorkspace } from "../workspace/agent-workspace.ts";
import { integrateChildren } from "./integrate-children.ts";
import { recordChildMerges } from "./record-child-merges.ts";
import { childOutcomes } from "./tools/child-outcomes.ts";
import { childrenReport } from "./tools/children-report.ts";

/** Commits the agent's work, records what it waits for, and shows it as waiting. */
export async function park(
  deps: Pick<Services, "store" | "reporter" | "log">,
  workspace: AgentWorkspace,
  agent: AgentRecord,
  waitingFor: string[],
  waitKind: "asked" | "ended-early",
  mergeDeclined: boolean,
  /** Push the branch even without work of its own: its children's pull requests need it to exist. */
  options: { pushEvenIfUnchanged?: boolean } = {},
): Promise<void> {
  const checkpoint = await checkpointWorkspace(
    workspace,
    agent,
    `${agent.name}: work in progress while waiting`,
    // Its CLI's exit was a checkpoint: usually there is nothing new to push.
    { ...options, pushedSha: agent.pushedSha },
  );
  await recordChildMerges(deps.store, agent.id, checkpoint.recordedMerges);
  await deps.store.updateAgent(agent.id, {
    state: "waiting",
    waitingFor,
    waitKind,
    mergeDeclined,
    pushedSha: checkpoint.pushedSha,
    currentStep: `waiting for ${waitingFor.length} sub-agent${waitingFor.length === 1 ? "" : "s"}`,
  });
  await deps.reporter.changed(targetsShowingAgent(agent));
  deps.log.info({ agentId: agent.id, waitingFor, waitKind }, "agent parked while its sub-agents work");
}

/**
 * Merges the branches of the children the agent waited for into its worktree, then builds the
 * message it is resumed with: a bounded report of those children and of each merge.
 */
export async function prepareResumeAfterWaiting(
  deps: Pick<Services, "store" | "log"> & { reporter: Pick<Services["reporter"], "changed"> },
  agent: AgentRecord,
  workspace: AgentWorkspace,
): Promise<AgentRecord> {
  const children = await deps.store.listChildren(agent.id);
  const awaited =
    agent.waitingFor.length === 0 ? children : children.filter((c) => agent.waitingFor.includes(c.id));
  const merges = agent.mergeDeclined
    ? agent.childMerges
    : await integrateChildren(deps, workspace, agent.id, awaited);
  const intro =
    agent.waitKind === "ended-early"
      ? "You gave your final answer while some of your sub-agents were still working. They have finished now. Review their outcomes below, finish integrating their work on your branch, and end with your final summary again."
      : "Your sub-agents have finished. Here is what each did; continue your task.";
  const outcomes = await childOutcomes(deps.store, awaited, { merges, declined: agent.mergeDeclined });
  const message = childrenReport(intro, outcomes);
  await deps.store.updateAgent(agent.id, { pendingMessage: message, state: "running" });
  // The tracking comment shows what was merged; the parent's pull request, once it has one.
  await deps.reporter.changed([...targetsShowingAgent(agent), { kind: "pull", agentId: agent.id }]);
  return deps.store.requireAgent(agent.id);
}
