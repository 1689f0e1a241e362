// `/agents status`: the agents of every run started from this issue or pull request.

import type { RunStore } from "../store/run-store.ts";
import { stateLabels } from "../text/agent-state-labels.ts";
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
          `- \`${agent.name}\`: ${stateLabels[agent.state]} · ${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens${
            agent.pullRequestUrl === undefined
              ? ""
              : ` · [#${agent.pullRequestNumber}](${agent.pullRequestUrl})`
          }`,
      ),
      "",
    );
  }
  return `here are the agents of this conversation (newest run first):\n\n${sections.join("\n")}`;
}
