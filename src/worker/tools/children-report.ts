// The message a parent is resumed with when its children are done: each child's outcome, pull
// request, spend, what became of its branch in the parent's (merged, conflicted, aborted) and a
// short excerpt of its result. Bounded whatever the children returned, so that seven children
// with 150,000 characters each cannot overflow the parent's context; the whole results stay
// readable, page by page, with read_agent_result.
import type { AgentRecord, ChildMerge } from "../../store/records.ts";
import { prefixWithin } from "../../text/truncate.ts";

export interface ChildOutcome {
  agent: AgentRecord;
  /** The first characters of the child's result (at least the excerpt length asked for). */
  resultStart: string;
  resultChars: number;
  /** What became of its branch when Flotilla merged it into the parent's. */
  merge?: ChildMerge | undefined;
  /** The parent asked not to merge its children's branches. */
  mergeDeclined?: boolean | undefined;
}

export interface ChildrenReportOptions {
  /** Upper bound of the whole message, in characters. @defaultValue 16_000 */
  maxChars?: number;
  /** Upper bound of one child's excerpt. @defaultValue 2_000 */
  maxExcerptChars?: number;
}

const outcomeWords: Record<string, string> = {
  succeeded: "succeeded",
  failed: "FAILED",
  cancelled: "was cancelled",
  out_of_budget: "ran out of budget",
  timed_out: "timed out",
};

/** Why the agent's own `git status` shows merged work as changes, and what not to do with them. */
const mergeNote =
  "Note: Flotilla merges on your branch, not in your own git repository: there, the merged changes show as uncommitted changes. Keep them (do not stash, reset or check them out); commit them if you like.";

export function excerptLength(childCount: number, options: ChildrenReportOptions = {}): number {
  const maxChars = options.maxChars ?? 16_000;
  const perChildOverhead = 600;
  const share = Math.floor((maxChars - 400) / Math.max(1, childCount)) - perChildOverhead;
  return Math.max(0, Math.min(options.maxExcerptChars ?? 2_000, share));
}

export function childrenReport(
  intro: string,
  children: readonly ChildOutcome[],
  options: ChildrenReportOptions = {},
): string {
  const maxChars = options.maxChars ?? 16_000;
  const excerptChars = excerptLength(children.length, options);
  const sections = children.map(({ agent, resultStart, resultChars, merge, mergeDeclined }) => {
    const outcome = outcomeWords[agent.state] ?? agent.state;
    const lines = [`## ${agent.name} (id ${agent.id}) ${outcome}`];
    if (agent.error !== undefined && agent.state !== "succeeded")
      lines.push(`Why: ${prefixWithin(agent.error, 300)}`);
    const merged = mergeLine(agent, merge, mergeDeclined === true);
    if (merged !== undefined) lines.push(merged);
    lines.push(
      `Pull request: ${agent.pullRequestUrl ?? (agent.hasChanges ? "being opened" : "none (no changes)")} · branch ${agent.branch} · spent ${agent.spentTokens} of ${agent.budgetTokens} tokens`,
    );
    const shown = prefixWithin(resultStart, excerptChars);
    if (resultChars === 0) {
      lines.push("Result: (empty)");
    } else if (shown.length >= resultChars) {
      lines.push("Result:", "<<<", shown, ">>>");
    } else {
      lines.push(
        `Result (first ${shown.length} of ${resultChars} characters; read more with read_agent_result {"id": "${agent.id}", "offset": ${shown.length}}):`,
        "<<<",
        shown,
        ">>>",
      );
    }
    return lines.join("\n");
  });
  const merged = children.some(({ merge }) => merge !== undefined && merge.outcome !== "aborted");
  const message = [intro, "", ...sections, ...(merged ? [mergeNote] : [])].join("\n\n");
  // The per-child share already bounds the message; this guards against long names and errors.
  return message.length <= maxChars
    ? message
    : `${prefixWithin(message, maxChars - 80)}\n… (report cut to ${maxChars} characters)`;
}

/** What the parent must know of a child's merge: done, its conflicts to resolve, or why not. */
function mergeLine(agent: AgentRecord, merge: ChildMerge | undefined, declined: boolean): string | undefined {
  if (merge === undefined) {
    if (agent.state !== "succeeded" || !agent.hasChanges) return undefined;
    return declined
      ? "Merge: not merged, as you asked; its pull request targets your branch."
      : "Merge: not merged yet.";
  }
  switch (merge.outcome) {
    case "merged":
      return merge.recorded
        ? "Merge: merged into your branch; its changes are in your worktree."
        : "Merge: merged into your worktree on top of the conflicts still to resolve; it is committed with your resolution.";
    case "conflicted":
      return merge.recorded
        ? "Merge: merged into your branch (its conflicts were resolved)."
        : `Merge: CONFLICT. Merging its branch into yours stopped with conflict markers (<<<<<<<, =======, >>>>>>>) in these files of your worktree: ${merge.files.join(", ")}. Resolve each (keep what both sides need, remove the markers), then commit; Flotilla records the merge with your next commit.`;
    case "aborted":
      return `Merge: aborted, nothing of its branch is in your worktree: ${merge.reason ?? "git could not merge it"}.`;
  }
}
