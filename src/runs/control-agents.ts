// `/agents cancel`, `/agents retry` and `/agents continue` from a comment: find the agents the
// command names in this conversation's runs and act on them, answering in words either way.

import type { AgentCommand } from "../commands/agent-command.ts";
import type { Services } from "../services.ts";
import { isTerminal } from "../store/records.ts";
import { cancelAgents } from "./cancel-agents.ts";
import type { CommandRequest } from "./command-request.ts";
import { allAgents, findAgent } from "./find-agents.ts";
import { continueAgent, retryAgent } from "./restart-agent.ts";

type ControlCommand = Extract<AgentCommand, { verb: "cancel" | "retry" | "continue" }>;

/** `maxBudgetTokens`: the most a `--budget` may ask for in this repository (continue is clamped to it). */
export async function runControlCommand(
  deps: Pick<Services, "store" | "budgets" | "queue" | "reporter" | "log">,
  request: CommandRequest,
  command: ControlCommand,
  maxBudgetTokens: number,
): Promise<string> {
  const conversation = { owner: request.owner, repo: request.repo, issueNumber: request.issueNumber };
  if (command.verb === "cancel" && command.target === "all") {
    const running = (await allAgents(deps.store, conversation)).filter((agent) => !isTerminal(agent.state));
    if (running.length === 0) return "no agent is running here, so there is nothing to cancel.";
    const cancelled = await cancelAgents(deps, running);
    return `cancelling ${cancelled.length} agent${cancelled.length === 1 ? "" : "s"}: ${cancelled.map((id) => `\`${id}\``).join(", ")}. Their work so far stays on their branches.`;
  }
  const reference = command.verb === "cancel" ? command.target : command.agent;
  const agent = await findAgent(deps.store, conversation, reference);
  if (agent === undefined) {
    return `there is no agent \`${reference}\` here. \`/agents status\` lists the agents of this conversation by name.`;
  }
  switch (command.verb) {
    case "cancel": {
      if (isTerminal(agent.state)) return `\`${agent.name}\` has already ended (${agent.state}).`;
      const cancelled = await cancelAgents(deps, [agent]);
      return `cancelling \`${agent.name}\`${cancelled.length > 1 ? ` and its ${cancelled.length - 1} sub-agent(s)` : ""}. Its work so far stays on \`${agent.branch}\`.`;
    }
    case "retry":
      return (await retryAgent(deps, agent)).message;
    case "continue":
      return (await continueAgent(deps, agent, command.budgetTokens, maxBudgetTokens)).message;
  }
}
