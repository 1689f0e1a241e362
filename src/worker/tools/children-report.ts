// The message a parent is resumed with when its children are done: each child's outcome, pull
// request, spend and a short excerpt of its result. Bounded whatever the children returned, so
// that seven children with 150,000 characters each cannot overflow the parent's context; the
// whole results stay readable, page by page, with read_agent_result.
import type { AgentRecord } from "../../store/records.ts";

export interface ChildOutcome {
  agent: AgentRecord;
  /** The first characters of the child's result (at least the excerpt length asked for). */
  resultStart: string;
  resultChars: number;
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
  const sections = children.map(({ agent, resultStart, resultChars }) => {
    const outcome = outcomeWords[agent.state] ?? agent.state;
    const lines = [`## ${agent.name} (id ${agent.id}) ${outcome}`];
    if (agent.error !== undefined && agent.state !== "succeeded")
      lines.push(`Why: ${agent.error.slice(0, 300)}`);
    lines.push(
      `Pull request: ${agent.pullRequestUrl ?? (agent.hasChanges ? "being opened" : "none (no changes)")} · branch ${agent.branch} · spent ${agent.spentTokens} of ${agent.budgetTokens} tokens`,
    );
    const shown = resultStart.slice(0, excerptChars);
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
  const message = [intro, "", ...sections].join("\n\n");
  // The per-child share already bounds the message; this guards against long names and errors.
  return message.length <= maxChars
    ? message
    : `${message.slice(0, maxChars - 80)}\n… (report cut to ${maxChars} characters)`;
}
