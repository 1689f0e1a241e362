// The pull request an agent's work becomes: titled from its task, described by its own final
// summary, with its cost and a link back to the comment that started it.
import type { AgentRecord, RunRecord } from "../../store/records.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { oneLine } from "../../text/one-line.ts";
import { commentBodyLimit, sizeIn, type TextLimit, truncateMarkdown } from "./text-limits.ts";

export interface PullRequestViewInput {
  run: RunRecord;
  agent: AgentRecord;
  /** The branch this pull request merges into. */
  base: string;
  summary: string;
  /** Where the whole summary is when it is too long for the body. */
  agentPageUrl?: string | undefined;
}

export function renderPullRequest(input: PullRequestViewInput): {
  title: string;
  body: string;
  head: string;
  base: string;
} {
  const { run, agent } = input;
  const title = oneLine(agent.task.split("\n")[0] ?? agent.task, 72) || `Agent ${agent.name}`;
  const footer = [
    "---",
    `🚢 Opened by Flotilla agent \`${agent.name}\` (run \`${run.id}\`), started by @${run.commenter} in ${run.commentUrl}.`,
    `Spend: ${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens · $${agent.costUsd.toFixed(4)} · ${agent.turns} turns.`,
    ...(!run.isPullRequest && agent.parentId === undefined ? ["", `Fixes #${run.issueNumber}`] : []),
  ].join("\n");
  const summary = input.summary.trim() === "" ? "_The agent left no summary._" : input.summary.trim();
  // The summary gives way, not the footer: "Fixes #N" must survive a long summary.
  const room: TextLimit = {
    max: commentBodyLimit.max - sizeIn(footer, commentBodyLimit.unit) - 2,
    unit: commentBodyLimit.unit,
  };
  const body = `${truncateMarkdown(summary, room, input.agentPageUrl)}\n\n${footer}`;
  return { title, body, head: agent.branch, base: input.base };
}
