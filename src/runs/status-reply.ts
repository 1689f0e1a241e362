// `/agents status`: the agents of every run started from this issue or pull request.

import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";
import { stateLabelOf } from "../text/agent-state-labels.ts";
import { formatTokens } from "../text/format-tokens.ts";
import type { CommandRequest } from "./command-request.ts";

const maxRunsShown = 10;

export async function statusReply(store: RunStore, request: CommandRequest): Promise<string> {
  const runIds = (await store.runIdsForIssue(request.owner, request.repo, request.issueNumber)).slice(
    -maxRunsShown,
  );
  if (runIds.length === 0) return "no agents have run here yet. Start one with `/agents run <task>`.";
  const sections: string[] = [];
  for (const runId of runIds.reverse()) {
    const agents = await store.listRunAgents(runId);
    sections.push(
      `**Run \`${runId}\`**`,
      ...agents.map(
        (agent) =>
          `- \`${agent.name}\`: ${stateLabelOf(agent)}${agent.host === undefined ? "" : ` on \`${agent.host}\``} · ${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens${
            agent.pullRequestUrl === undefined
              ? ""
              : ` · [#${agent.pullRequestNumber}](${agent.pullRequestUrl})`
          }${integratorNote(agent, agents)}${modelWaitNote(agent)}`,
      ),
      "",
    );
  }
  return `here are the agents of this conversation (newest run first):\n\n${sections.join("\n")}`;
}

/** The implicit root of a task list on an issue: what it is for, since nobody asked for it by name. */
function integratorNote(agent: AgentRecord, agents: readonly AgentRecord[]): string {
  if (agent.role !== "integrator") return "";
  const tasks = agents.filter((other) => other.parentId === agent.id).length;
  return ` · brings the ${tasks} tasks below into one pull request`;
}

/** An agent waiting for the model API (parked, or held by the fleet's brake): until when, and how to resume it now. */
function modelWaitNote(agent: AgentRecord): string {
  if (!agent.currentStep.startsWith("waiting for the model")) return "";
  const resumeNow =
    agent.state === "waiting" && agent.waitKind === "model"
      ? `; \`/agents continue ${agent.name}\` resumes it now`
      : "";
  return ` · ${agent.currentStep}${resumeNow}`;
}
