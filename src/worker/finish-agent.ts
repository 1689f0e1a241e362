// Ends an agent: commits and pushes what it left, keeps its whole answer, records the outcome,
// and asks the reporter for the final check run, tracking comment and pull request. A push
// GitHub refuses for want of the `workflows` permission ends the agent failed, saying so.
import type { FlotillaConfig } from "../config/env.ts";
import type { ReportTarget } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import {
  type AgentWorkspace,
  type Checkpoint,
  checkpointWorkspace,
  removeAgentWorkspace,
} from "../workspace/agent-workspace.ts";
import { WorkflowPushRefusedError } from "../workspace/push-refusal.ts";
import type { FinalState } from "./classify-exit.ts";
import { recordChildMerges } from "./record-child-merges.ts";
import { stackChildren } from "./stack-children.ts";

export interface Ending {
  state: FinalState;
  resultText: string;
  error?: string | undefined;
}

/**
 * `checkpointed`: the checkpoint made when the agent's last process had ended, with nothing run
 * in its worktree since; it stands for the final one (whose git calls would find nothing new).
 */
export async function finishAgent(
  deps: Pick<Services, "store" | "reporter" | "budgets" | "metrics" | "config" | "log">,
  agent: AgentRecord,
  workspace: AgentWorkspace | undefined,
  given: Ending,
  checkpointed?: Checkpoint,
): Promise<void> {
  let ending = given;
  await deps.store.saveResult(agent.id, ending.resultText);
  await deps.store.recordEnding(agent.id, { state: ending.state, error: ending.error });
  await deps.store.updateAgent(agent.id, { state: "finishing", currentStep: "committing and pushing" });
  await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
  let checkpoint: Checkpoint;
  try {
    checkpoint =
      workspace === undefined
        ? { pushedSha: agent.pushedSha, commits: agent.hasChanges ? 1 : 0, recordedMerges: [] }
        : (checkpointed ??
          (await checkpointWorkspace(workspace, agent, `${agent.name}: ${firstLine(agent.task)}`, {
            pushedSha: agent.pushedSha,
          })));
  } catch (error) {
    if (!(error instanceof WorkflowPushRefusedError) || workspace === undefined) throw error;
    // Nothing of the final work reached GitHub: no pull request; the worktree is kept (failed).
    ending = { ...ending, state: "failed", error: workflowRefusalText(error, workspace, deps.config) };
    await deps.store.recordEnding(agent.id, { state: ending.state, error: ending.error });
    checkpoint = { pushedSha: agent.pushedSha, commits: 0, recordedMerges: [] };
  }
  await recordChildMerges(deps.store, agent.id, checkpoint.recordedMerges);
  // A `--stack` run's items get their pull requests from here, before the root is seen as ended.
  if (workspace !== undefined && ending.state === "succeeded")
    await stackChildren(deps, agent.id, workspace, checkpoint.pushedSha);
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

/** What the check run says when GitHub refused a workflow change: what happened, where the work is, what to grant. */
function workflowRefusalText(
  error: WorkflowPushRefusedError,
  workspace: AgentWorkspace,
  config: Pick<FlotillaConfig, "worktreeRetentionMs" | "workerHostName">,
): string {
  const files = error.files.map((file) => `\`${file}\``).join(", ");
  const hours = Math.round(config.worktreeRetentionMs / 3_600_000);
  return `GitHub refused to push this agent's work: it changes ${files}, and Flotilla's GitHub App has no \`workflows\` permission (app.yml does not ask for it, because workflows run with the repository's secrets). The work is kept, committed, in the agent's worktree ${workspace.paths.worktree} on the worker host ${config.workerHostName} for ${hours} h (WORKTREE_RETENTION_HOURS). To let agents change workflows: an owner of the app grants it "Workflows: Read and write" (the app's settings on GitHub → Permissions & events), an owner of the installation accepts the new permission, then Retry runs the agent again.`;
}

function firstLine(text: string): string {
  const line = (text.split("\n")[0] ?? "").trim();
  return line.length > 60 ? `${line.slice(0, 59)}…` : line || "work";
}
