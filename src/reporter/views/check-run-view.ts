// What an agent's check run says: state, what it is doing now, its last tool calls, spend vs
// budget, its sub-agents, and at the end an outcome whose conclusion means something.
import type {
  CheckConclusion,
  CheckRunAction,
  CheckRunContent,
  CheckStatus,
} from "../../github/check-runs.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../../store/records.ts";
import { stateLabelOf } from "../../text/agent-state-labels.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { oneLine } from "../../text/one-line.ts";
import { checkRunTextLimit, truncateMarkdown } from "./text-limits.ts";

export interface CheckRunViewInput {
  run: RunRecord;
  agent: AgentRecord;
  agentsById: ReadonlyMap<string, AgentRecord>;
  /** The agent's final answer, when it has ended (bounded by the caller). */
  resultExcerpt: string | undefined;
  detailsUrl: string | undefined;
}

/** `agent: fix-tests › child: update-snapshots` — the path from the run's top-level agent. */
function checkRunName(agent: AgentRecord, agentsById: ReadonlyMap<string, AgentRecord>): string {
  const names: string[] = [];
  let current: AgentRecord | undefined = agent;
  while (current !== undefined) {
    names.unshift(current.name);
    current = current.parentId === undefined ? undefined : agentsById.get(current.parentId);
  }
  return names.map((name, index) => `${index === 0 ? "agent" : "child"}: ${name}`).join(" › ");
}

function checkStatusOf(agent: AgentRecord): CheckStatus {
  if (agent.state === "queued") return "queued";
  return isTerminal(agent.state) ? "completed" : "in_progress";
}

function checkConclusionOf(agent: AgentRecord): CheckConclusion | undefined {
  switch (agent.state) {
    case "succeeded":
      return agent.hasChanges ? "success" : "neutral";
    case "failed":
      return "failure";
    case "cancelled":
      return "cancelled";
    case "timed_out":
      return "timed_out";
    case "out_of_budget":
      return "action_required";
    default:
      return undefined;
  }
}

export const actionIdentifiers = { cancel: "cancel", retry: "retry", continue: "continue" } as const;

function actionsFor(agent: AgentRecord): CheckRunAction[] {
  if (!isTerminal(agent.state)) {
    return [
      {
        label: "Cancel",
        identifier: actionIdentifiers.cancel,
        description: "Stop this agent and its sub-agents",
      },
    ];
  }
  if (agent.state === "out_of_budget") {
    return [
      {
        label: "Continue",
        identifier: actionIdentifiers.continue,
        description: "Resume with 50% more budget",
      },
      { label: "Retry", identifier: actionIdentifiers.retry, description: "Start this agent again" },
    ];
  }
  if (agent.state === "succeeded") return [];
  return [{ label: "Retry", identifier: actionIdentifiers.retry, description: "Start this agent again" }];
}

function titleFor(agent: AgentRecord, children: readonly AgentRecord[]): string {
  const spend = `${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens`;
  switch (agent.state) {
    case "succeeded":
      return agent.hasChanges ? `Done: pull request #${agent.pullRequestNumber ?? "…"}` : "Done: no changes";
    case "failed":
      return oneLine(`Failed: ${agent.error ?? "unknown error"}`, 120);
    case "out_of_budget":
      return `Out of budget: spent ${spend}`;
    case "timed_out":
      return "Timed out";
    case "cancelled":
      return "Cancelled";
    default:
      // Parked for the model API: the title says until when (and that it resumes by itself).
      if (agent.state === "waiting" && agent.waitKind === "model" && agent.currentStep !== "")
        return oneLine(`${agent.currentStep.charAt(0).toUpperCase()}${agent.currentStep.slice(1)}`, 120);
      if (agent.role === "integrator" && !agent.sessionStarted) {
        const ended = children.filter((child) => isTerminal(child.state)).length;
        return `Integrating ${children.length} tasks into one pull request: ${ended} of ${children.length} ended`;
      }
      return `${stateLabelOf(agent)} · ${spend}`;
  }
}

export function renderCheckRun(input: CheckRunViewInput): CheckRunContent {
  const { run, agent } = input;
  const children = [...input.agentsById.values()].filter((other) => other.parentId === agent.id);
  const status = checkStatusOf(agent);
  const lines = [
    `**Task:** ${oneLine(agent.task, 500)}`,
    "",
    `**State:** ${stateLabelOf(agent)}${agent.currentStep ? ` — ${oneLine(agent.currentStep, 200)}` : ""}`,
    `**Spend:** ${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens · $${agent.costUsd.toFixed(4)} · ${agent.turns} turns`,
    `**Branch:** \`${agent.branch}\``,
  ];
  if (agent.pullRequestUrl !== undefined) {
    lines.push(`**Pull request:** [#${agent.pullRequestNumber}](${agent.pullRequestUrl})`);
  }
  if (agent.recentTools.length > 0) {
    lines.push(
      "",
      "**Recent tool calls:**",
      ...agent.recentTools.map((tool) => `- \`${oneLine(tool, 160)}\``),
    );
  }
  if (agent.inProcessSubagents.length > 0) {
    lines.push(
      "",
      "**Built-in sub-agents (inside this agent's own session):**",
      ...agent.inProcessSubagents.map((entry) => `- ${oneLine(entry, 200)}`),
    );
  }
  if (children.length > 0) {
    lines.push(
      "",
      "**Sub-agents:**",
      ...children.map(
        (child) =>
          `- ${child.name}: ${stateLabelOf(child)} · ${formatTokens(child.spentTokens)}/${formatTokens(child.budgetTokens)}${
            child.pullRequestUrl === undefined
              ? ""
              : ` · [#${child.pullRequestNumber}](${child.pullRequestUrl})`
          }`,
      ),
    );
  }
  if (agent.error !== undefined && agent.state !== "succeeded")
    lines.push("", `**Error:** ${oneLine(agent.error, 1000)}`);
  const summary = truncateMarkdown(lines.join("\n"), checkRunTextLimit, input.detailsUrl);
  const text =
    input.resultExcerpt === undefined || input.resultExcerpt === ""
      ? undefined
      : truncateMarkdown(`## Agent's answer\n\n${input.resultExcerpt}`, checkRunTextLimit, input.detailsUrl);
  return {
    name: checkRunName(agent, input.agentsById),
    headSha: run.headSha,
    externalId: agent.id,
    status,
    conclusion: checkConclusionOf(agent),
    detailsUrl: input.detailsUrl,
    startedAt: agent.startedAt === undefined ? undefined : new Date(agent.startedAt).toISOString(),
    completedAt:
      status === "completed" && agent.endedAt !== undefined
        ? new Date(agent.endedAt).toISOString()
        : undefined,
    title: titleFor(agent, children),
    summary,
    text,
    actions: actionsFor(agent),
  };
}

/**
 * What an earlier attempt's check run says when the agent was restarted before that attempt's
 * outcome was shown on it: completed, neutral, pointing at the newest check run of the agent.
 */
export function supersededCheckRun(newest: CheckRunContent): CheckRunContent {
  return {
    name: newest.name,
    headSha: newest.headSha,
    externalId: newest.externalId,
    status: "completed",
    conclusion: "neutral",
    detailsUrl: newest.detailsUrl,
    title: "Restarted: see this agent's newest check run",
    summary:
      "This agent was retried or continued before this attempt's outcome was shown here. The newest check run with this name follows it; its page has the whole story.",
    actions: [],
  };
}
