// Ends an agent: commits and pushes what it left, keeps its whole answer, records the outcome,
// and asks the reporter for the final check run, tracking comment and pull request.
import type { ReportTarget } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import {
  type AgentWorkspace,
  checkpointWorkspace,
  removeAgentWorkspace,
} from "../workspace/agent-workspace.ts";
import type { FinalState } from "./classify-exit.ts";

export interface Ending {
  state: FinalState;
  resultText: string;
  error?: string | undefined;
}

export async function finishAgent(
  deps: Pick<Services, "store" | "reporter" | "budgets" | "metrics">,
  agent: AgentRecord,
  workspace: AgentWorkspace | undefined,
  ending: Ending,
): Promise<void> {
  await deps.store.saveResult(agent.id, ending.resultText);
  await deps.store.recordEnding(agent.id, { state: ending.state, error: ending.error });
  await deps.store.updateAgent(agent.id, { state: "finishing", currentStep: "committing and pushing" });
  await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
  const checkpoint =
    workspace === undefined
      ? { pushedSha: agent.pushedSha, commits: agent.hasChanges ? 1 : 0 }
      : await checkpointWorkspace(workspace, agent, `${agent.name}: ${firstLine(agent.task)}`);
  await deps.store.updateAgent(agent.id, {
    state: ending.state,
    endedAt: Date.now(),
    hasChanges: checkpoint.commits > 0,
    pushedSha: checkpoint.pushedSha,
    currentStep: "",
    error: ending.error,
  });
  if (ending.error === undefined) await deps.store.clearAgentFields(agent.id, ["error"]);
  // What a child did not spend goes back to its parent.
  if (agent.parentId !== undefined) await deps.budgets.releaseChild(agent.parentId, agent.id);
  await deps.reporter.changed(targetsOfEndedAgent(agent), { urgent: true });
  deps.metrics.agentEnded(
    ending.state,
    agent.startedAt === undefined ? undefined : Date.now() - agent.startedAt,
  );
  // A failed agent's worktree is kept for inspection until the retention sweep removes it.
  if (workspace !== undefined && ending.state === "succeeded") await removeAgentWorkspace(workspace, agent);
}

/** What shows an agent's ending: its pull request, check run, tracking comment and parent's check run. */
export function targetsOfEndedAgent(agent: AgentRecord): ReportTarget[] {
  return [
    { kind: "pull", agentId: agent.id },
    { kind: "check", agentId: agent.id },
    { kind: "comment", runId: agent.runId },
    ...(agent.parentId === undefined ? [] : [{ kind: "check" as const, agentId: agent.parentId }]),
  ];
}

function firstLine(text: string): string {
  const line = (text.split("\n")[0] ?? "").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || "work";
}
