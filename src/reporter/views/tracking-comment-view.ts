// The one tracking comment per run, edited in place: the tree of agents with state, spend,
// check run and pull request (and, for a sub-agent, whether its parent merged its branch), and
// the run's total spend.
import type { AgentRecord, RunRecord } from "../../store/records.ts";
import { stateLabelOf } from "../../text/agent-state-labels.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { childMergeWords } from "../../text/merge-words.ts";
import { oneLine } from "../../text/one-line.ts";
import { commentBodyLimit, escapeTableCell, truncateMarkdown } from "./text-limits.ts";

export function trackingCommentMarker(runId: string): string {
  return `<!-- flotilla:run:${runId} -->`;
}

export interface TrackingCommentInput {
  run: RunRecord;
  agents: readonly AgentRecord[];
  checkRunUrl: (agent: AgentRecord) => string | undefined;
  runPageUrl: string | undefined;
  /** Shown while the run waits for a free slot in its repository. */
  queuedNote?: string | undefined;
}

export function renderTrackingComment(input: TrackingCommentInput): string {
  const { run, agents } = input;
  const spent = agents.reduce((sum, agent) => sum + agent.spentTokens, 0);
  const cost = agents.reduce((sum, agent) => sum + agent.costUsd, 0);
  const rootBudget = agents
    .filter((agent) => agent.parentId === undefined)
    .reduce((sum, a) => sum + a.budgetTokens, 0);
  const merges = new Map(agents.flatMap((agent) => agent.childMerges.map((merge) => [merge.childId, merge])));
  const agentsById = new Map(agents.map((agent) => [agent.id, agent]));
  const rows = orderAsTree(agents).map(({ agent, depth }) => {
    const name = `${"&nbsp;&nbsp;".repeat(depth * 2)}${depth > 0 ? "↳ " : ""}\`${agent.name}\``;
    const checkUrl = input.checkRunUrl(agent);
    const check = checkUrl === undefined ? "—" : `[check](${checkUrl})`;
    const pull =
      agent.pullRequestUrl === undefined ? "—" : `[#${agent.pullRequestNumber}](${agent.pullRequestUrl})`;
    const spend = `${formatTokens(agent.spentTokens)} / ${formatTokens(agent.budgetTokens)}`;
    const parent = agent.parentId === undefined ? undefined : agentsById.get(agent.parentId);
    const mergeShown = childMergeWords(agent, parent, merges.get(agent.id));
    const state = mergeShown === undefined ? stateLabelOf(agent) : `${stateLabelOf(agent)} · ${mergeShown}`;
    return `| ${name} | ${escapeTableCell(state)} | ${spend} | ${check} | ${pull} | ${escapeTableCell(oneLine(agent.currentStep || agent.task, 80))} |`;
  });
  const body = [
    trackingCommentMarker(run.id),
    `### 🚢 Flotilla run \`${run.id}\``,
    `Started by @${run.commenter} in [this comment](${run.commentUrl}).${
      input.runPageUrl === undefined ? "" : ` [Live view](${input.runPageUrl})`
    }`,
    ...(input.queuedNote === undefined ? [] : ["", `> ${input.queuedNote}`]),
    ...(run.stopNote === undefined ? [] : ["", `> ${oneLine(run.stopNote, 500)}`]),
    "",
    "| agent | state | tokens (spent / budget) | check | pull request | now |",
    "|---|---|---|---|---|---|",
    ...rows,
    ...refusalNotes(agents),
    "",
    `**Total:** ${formatTokens(spent)} of ${formatTokens(rootBudget)} tokens · $${cost.toFixed(4)}`,
    "",
    "<sub>`/agents status` · `/agents cancel <agent|all>` · `/agents retry <agent>` · `/agents continue <agent>` · `/agents help`</sub>",
  ].join("\n");
  return truncateMarkdown(body, commentBodyLimit, input.runPageUrl);
}

function orderAsTree(agents: readonly AgentRecord[]): { agent: AgentRecord; depth: number }[] {
  const childrenOf = new Map<string | undefined, AgentRecord[]>();
  for (const agent of agents) {
    const siblings = childrenOf.get(agent.parentId) ?? [];
    siblings.push(agent);
    childrenOf.set(agent.parentId, siblings);
  }
  const ordered: { agent: AgentRecord; depth: number }[] = [];
  const visit = (parentId: string | undefined, depth: number) => {
    for (const agent of childrenOf.get(parentId) ?? []) {
      ordered.push({ agent, depth });
      visit(agent.id, depth + 1);
    }
  };
  visit(undefined, 0);
  return ordered;
}

/** Spawn requests that were refused stay visible after the agent has moved on. */
function refusalNotes(agents: readonly AgentRecord[]): string[] {
  const notes = agents.flatMap((agent) =>
    agent.spawnRefusals.map((refusal) => `- \`${agent.name}\`: spawn refused — ${oneLine(refusal, 300)}`),
  );
  return notes.length === 0 ? [] : ["", "**Refused spawns:**", ...notes];
}
