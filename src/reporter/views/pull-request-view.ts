// The pull request an agent's work becomes: titled from its task, described by its own final
// summary, with its sub-agents and which of them it merged, its cost and a link back to the comment
// that started it.
import { holdsEveryItem } from "../../store/integration-state.ts";
import type { AgentRecord, ChildMerge, RunRecord } from "../../store/records.ts";
import { stateLabelOf } from "../../text/agent-state-labels.ts";
import { formatTokens } from "../../text/format-tokens.ts";
import { childMergeWords, mergeWords } from "../../text/merge-words.ts";
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
  /** The agent's sub-agents, in the order it started them, and what became of their branches in its own. */
  children?: readonly { agent: AgentRecord; merge: ChildMerge | undefined }[];
  /** Where this item's pull request is in a `--stack` run's chain. */
  stack?: StackPlace;
}

/** An item's place in a `--stack` chain of pull requests, the first (1) based on the run's base. */
export interface StackPlace {
  position: number;
  of: number;
  /** The pull request (or, before it has one, the branch) this one is stacked on; none for the first. */
  below: string | undefined;
  /** Whether every item of the list is in the chain: only then does the top one fix the issue. */
  wholeList: boolean;
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
    ...childrenSection(input.children ?? [], agent),
    "---",
    `🚢 Opened by Flotilla agent \`${agent.name}\` (run \`${run.id}\`), started by @${run.commenter} in ${run.commentUrl}.`,
    `Spend: ${formatTokens(agent.spentTokens)} of ${formatTokens(agent.budgetTokens)} tokens · $${agent.costUsd.toFixed(4)} · ${agent.turns} turns.`,
    ...(input.stack === undefined
      ? issueLink(run, agent, input.children ?? [])
      : stackLink(run, input.stack)),
    ...(run.headFetchRef === undefined ? [] : ["", forkWarning(run.issueNumber)]),
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

/**
 * "Fixes #N" closes the issue when the pull request is merged: said by a top-level agent started
 * on an issue, and by an integrating root only once every task of the list is in its branch.
 */
function issueLink(
  run: RunRecord,
  agent: AgentRecord,
  children: readonly { agent: AgentRecord; merge: ChildMerge | undefined }[],
): string[] {
  if (run.isPullRequest || agent.parentId !== undefined) return [];
  const merges = children.flatMap(({ merge }) => (merge === undefined ? [] : [merge]));
  if (
    agent.role === "integrator" &&
    !holdsEveryItem(
      children.map((child) => child.agent),
      merges,
    )
  )
    return [
      "",
      `Part of #${run.issueNumber}: not every task of its list is in this pull request (see the sub-agents above), so merging it does not close the issue.`,
    ];
  return ["", `Fixes #${run.issueNumber}`];
}

/** The top of a stack fixes the issue (when the whole list is in it); each other item is part of it. */
function stackLink(run: RunRecord, place: StackPlace): string[] {
  const on = place.below === undefined ? "" : `, stacked on ${place.below}`;
  const where = `${place.position} of ${place.of}${on}`;
  if (place.position === place.of && place.wholeList)
    return ["", `Fixes #${run.issueNumber} (${where}: merge the pull requests below it first, in order).`];
  if (place.position === place.of)
    return [
      "",
      `Part of #${run.issueNumber} (${where}): not every task of its list made it into the stack, so merging it does not close the issue.`,
    ];
  return ["", `Part of #${run.issueNumber} (${where}).`];
}

/** What running agents on a fork's pull request means, said where reviewers look before merging. */
function forkWarning(pullNumber: number): string {
  return `⚠️ **Fork code.** This agent started from the fork pull request #${pullNumber}: its branch holds the fork's code, pushed into this repository, where workflows that run on \`push\` have run it with this repository's secrets (what GitHub's fork protections exist to prevent). Both this repository (\`access.allow_forks\`) and the operator (FLOTILLA_ALLOW_FORKS) allowed it. Review the fork's changes as untrusted before merging.`;
}

/** Which sub-agents' work this pull request holds: each one's outcome and its merge. */
function childrenSection(
  children: readonly { agent: AgentRecord; merge: ChildMerge | undefined }[],
  parent: AgentRecord,
): string[] {
  if (children.length === 0) return [];
  const lines = children.map(({ agent, merge }) => {
    const pull = agent.pullRequestUrl === undefined ? "" : ` · ${agent.pullRequestUrl}`;
    return `- \`${agent.name}\`: ${stateLabelOf(agent)} · ${childMergeWords(agent, parent, merge) ?? mergeWords(merge)}${pull}`;
  });
  return ["### Sub-agents", "", ...lines, ""];
}
