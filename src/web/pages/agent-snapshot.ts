// The parts of an agent page that change while the agent works, as text: rendered into the page
// at first and sent again over the live tail whenever they change, so both always agree.

import { type AgentRecord, isTerminal } from "../../store/records.ts";
import { stateLabelOf } from "../../text/agent-state-labels.ts";
import { formatTokens } from "../../text/format-tokens.ts";

export interface AgentSnapshot {
  /** Text for each `data-field` element of the page. */
  fields: { state: string; step: string; spend: string; cost: string };
  spentRatio: number;
  pullUrl: string | undefined;
  pullLabel: string | undefined;
  terminal: boolean;
  /** Every agent of the run: its state and spend, for the tree. */
  tree: { id: string; state: string; spend: string }[];
}

function spendText(agent: AgentRecord): string {
  return `${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens`;
}

export function agentSnapshot(agent: AgentRecord, runAgents: readonly AgentRecord[]): AgentSnapshot {
  return {
    fields: {
      state: stateLabelOf(agent),
      step: agent.currentStep === "" ? "—" : agent.currentStep,
      spend: spendText(agent),
      cost: `$${agent.costUsd.toFixed(4)} · ${agent.turns} turns`,
    },
    spentRatio: agent.budgetTokens > 0 ? Math.min(1, agent.spentTokens / agent.budgetTokens) : 0,
    pullUrl: agent.pullRequestUrl,
    pullLabel: agent.pullRequestNumber === undefined ? undefined : `#${agent.pullRequestNumber}`,
    terminal: isTerminal(agent.state),
    tree: runAgents.map((other) => ({
      id: other.id,
      state: stateLabelOf(other),
      spend: `${formatTokens(other.spentTokens)} / ${formatTokens(other.budgetTokens)}`,
    })),
  };
}
