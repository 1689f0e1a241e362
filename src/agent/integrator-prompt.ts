// What an integrating root is told when merging its children's branches left conflicts: the
// only time it runs `claude` (worker/integrate-without-model.ts). It starts a fresh session whose
// first prompt is this, followed by the report of its children and their merges.
import { configurationLines, identityLines, type PromptContext } from "./agent-prompt.ts";

export type IntegratorPromptContext = Pick<
  PromptContext,
  | "agentName"
  | "repositoryFullName"
  | "worktree"
  | "branch"
  | "requestedBy"
  | "requestUrl"
  | "extraInstructions"
> & {
  issueNumber: number;
  /** The root's task: the list of tasks, one per sub-agent (runs/fan-out-plan.ts). */
  task: string;
  /** The children's report (worker/tools/children-report.ts), which names the conflicted files. */
  report: string;
};

export function integratorPrompt(context: IntegratorPromptContext): string {
  return [
    ...identityLines(context),
    "",
    `@${context.requestedBy} asked (${context.requestUrl}) for the tasks listed in issue #${context.issueNumber}. Flotilla started one sub-agent per task; they have finished, and Flotilla merged each one's branch into yours in the order of the list. Some merges stopped with conflicts: the report below names the files where git left conflict markers (<<<<<<<, =======, >>>>>>>).`,
    "",
    "Your task: resolve every conflict the report names, so that your branch holds the work of every task.",
    "- In each of those files, keep what both sides need and remove the markers. Change nothing the conflicts do not need.",
    "- Flotilla commits your resolution and records the merges when you finish (you may also commit yourself); do not",
    "  push or open pull requests (you have no GitHub credentials): your branch becomes the pull request that fixes the issue.",
    "- When done, answer with a short summary of what the tasks changed and how you resolved each conflict; it becomes the",
    "  pull request's description.",
    ...configurationLines(context.extraInstructions),
    "",
    "What was asked:",
    "",
    context.task,
    "",
    context.report,
  ].join("\n");
}
