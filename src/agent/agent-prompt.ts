// What an agent is told. The first prompt says who it is, where it works and what it must not
// do; later messages (after a restart, after its sub-agents finish) continue the same session.

export interface PromptContext {
  agentName: string;
  agentId: string;
  repositoryFullName: string;
  worktree: string;
  branch: string;
  task: string;
  requestedBy: string;
  requestUrl: string;
  /** Extra context: the file and diff hunk of a review comment, the issue being fixed. */
  context?: string | undefined;
  /** True when the agent has Flotilla's spawn tools. */
  canSpawn: boolean;
  extraInstructions?: string | undefined;
}

/** Who the agent is and where it works: the first lines of every first prompt. */
export function identityLines(
  context: Pick<PromptContext, "agentName" | "repositoryFullName" | "worktree" | "branch">,
): string[] {
  return [
    `You are "${context.agentName}", a coding agent run by Flotilla on the GitHub repository ${context.repositoryFullName}.`,
    `Your working directory is ${context.worktree}, a git worktree on branch \`${context.branch}\`. Work only inside it.`,
  ];
}

/** The repository's own instructions (`instructions` in `.github/agents.yml`), when it has any. */
export function configurationLines(extraInstructions: string | undefined): string[] {
  if (extraInstructions === undefined || extraInstructions.trim() === "") return [];
  return ["", "Instructions from the repository's Flotilla configuration:", extraInstructions.trim()];
}

export function firstPrompt(context: PromptContext): string {
  const lines = [
    ...identityLines(context),
    "",
    `Your task, from @${context.requestedBy} (${context.requestUrl}):`,
    "",
    context.task,
    ...(context.context === undefined ? [] : ["", context.context]),
    "",
    "How to work:",
    "- Change the files the task needs. Flotilla commits and pushes your work and opens a pull request when you finish:",
    "  do not commit, push or open pull requests yourself (you have no GitHub credentials).",
    "- When you are done, answer with a short summary of what you changed and why; it becomes the pull request's description.",
    "- The repository's CLAUDE.md and .claude/ settings are not loaded for you (Flotilla decides your tools); read",
    "  CLAUDE.md like any other file when you need the project's conventions.",
  ];
  if (context.canSpawn) {
    lines.push(
      "- You can hand parts of the work to sub-agents with the flotilla tools: `spawn_agent` starts one on a branch made",
      "  from your work so far (each has its own budget and opens its own pull request against your branch),",
      "  `wait_for_agents` pauses you until they finish and then gives you a short excerpt of each result,",
      "  `read_agent_result` pages through a result, and `list_agents` shows their state.",
    );
  }
  lines.push(...configurationLines(context.extraInstructions));
  return lines.join("\n");
}

export const resumeAfterInterruptionMessage =
  "Flotilla had to restart you (the worker running you stopped). Your earlier work in this session is kept, " +
  "including uncommitted changes in your working directory. Check its state and continue the task where you left off.";

/** Follows the first prompt again when no copy of the agent's conversation survived a restart. */
export const restartWithoutSessionMessage =
  "Flotilla had to restart you (the worker running you stopped) before it could keep your conversation, so it starts " +
  "again here. Your working directory holds the work saved on your branch: check its state (git status, git log) and " +
  "continue the task from there.";
