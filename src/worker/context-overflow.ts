// An agent whose conversation outgrew the model's context window (400 "prompt is too long")
// gets one fresh session, seeded with a bounded handoff: its task, where its work so far is
// (committed on its branch), and its last steps. A second overflow fails it with that reason.
// The handoff holds no output of git run by the worker in the agent's worktree (a hostile agent
// controls that repository's configuration); the agent reads its own branch.
import { randomUUID } from "node:crypto";
import type { UpstreamTrouble } from "../gateway/upstream-trouble.ts";
import type { Services } from "../services.ts";
import type { AgentRecord } from "../store/records.ts";
import { oneLine } from "../text/one-line.ts";
import { type AgentWorkspace, checkpointWorkspace } from "../workspace/agent-workspace.ts";

/** Fresh sessions an agent gets after its conversation grew too long; then it fails. */
export const maxContextResets = 1;

export function contextOverflowFailure(trouble: UpstreamTrouble): string {
  return `prompt is too long, again after a fresh session: the agent's conversation outgrew the model's context window (the model API answered ${trouble.status}${trouble.message === "" ? "" : `: ${trouble.message}`}). Its work so far is on its branch; give it a smaller task, or Retry.`;
}

/** Commits the work so far and makes the agent's next run a fresh session with a handoff. */
export async function startFreshSession(
  deps: Pick<Services, "store" | "reporter" | "log">,
  workspace: AgentWorkspace,
  agent: AgentRecord,
  trouble: UpstreamTrouble,
): Promise<void> {
  const checkpoint = await checkpointWorkspace(
    workspace,
    agent,
    `${agent.name}: work in progress before a fresh session`,
  );
  const steps = agent.recentTools.map((tool) => `- ${oneLine(tool, 200)}`).join("\n");
  const handoff = [
    "## Flotilla started this fresh session for you",
    `Your earlier session on this task ended because its conversation grew longer than the model's context window (${oneLine(trouble.message || "prompt is too long", 300)}).`,
    `Your work so far is committed on your branch \`${agent.branch}\`, which started at ${agent.baseSha}: see it with \`git log --oneline ${agent.baseSha}..HEAD\` and \`git diff --stat ${agent.baseSha}\`.`,
    ...(steps === "" ? [] : ["Your last steps were:", steps]),
    "Continue the task from where that work stands. Keep tool outputs short (read files in parts, limit command output), so this session stays within the context window.",
  ].join("\n");
  await deps.store.updateAgent(agent.id, {
    sessionId: randomUUID(),
    sessionStarted: false,
    contextResets: agent.contextResets + 1,
    handoff,
    pushedSha: checkpoint.pushedSha,
    modelTrouble: `prompt is too long (${trouble.status})`,
    currentStep: "the conversation grew too long: starting a fresh session with a summary of the work so far",
  });
  await deps.store.clearAgentFields(agent.id, ["pendingMessage"]);
  await deps.reporter.changed([{ kind: "check", agentId: agent.id }]);
  deps.log.info({ agentId: agent.id }, "agent's conversation grew too long; starting a fresh session");
}
