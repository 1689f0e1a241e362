// A task list on an issue becomes one pull request: one agent per item, each a child of an
// implicit integrating root (role "integrator") that merges their branches and opens the pull
// request that fixes the issue (worker/integrate-without-model.ts). On a pull request a task
// list still starts independent agents, each with its own pull request against that branch.
import type { RunLimits } from "../config/run-limits.ts";
import { agentIdFor, uniqueName } from "../store/identifiers.ts";
import type { NewAgent } from "../store/run-store.ts";
import { agentBranchName, slugForTask } from "../workspace/branch-name.ts";

/** Whether the run's tasks become children of one integrating root: a list of 2+ items on an issue. */
export function fansOut(isPullRequest: boolean, listedTasks: readonly string[]): boolean {
  return !isPullRequest && listedTasks.length >= 2;
}

/**
 * Why `--stack` cannot be done here, in words that say what to do instead; undefined when the run
 * fans out. A stack is the fan-out's pull request cut into one per item, so it needs a fan-out.
 */
export function stackRefusal(isPullRequest: boolean, listedTasks: readonly string[]): string | undefined {
  if (fansOut(isPullRequest, listedTasks)) return undefined;
  if (isPullRequest)
    return "`--stack` chains the pull requests of a task list on an issue; on a pull request each item of a list already opens its own pull request against it. Drop `--stack`, or run the list on an issue.";
  return "`--stack` needs a task list of two or more items below the command line (one pull request per item, each on top of the previous); for one task, drop `--stack`.";
}

/** Why the list is too long for the run's limits, in words that say what to change; undefined when it fits. */
export function fanOutRefusal(itemCount: number, limits: RunLimits): string | undefined {
  if (itemCount > limits.maxChildrenPerAgent) {
    return `this task list has ${itemCount} items, and on an issue each becomes a sub-agent of one agent that integrates them into one pull request; an agent may have at most ${limits.maxChildrenPerAgent} sub-agents here (\`limits.max_children\` in \`.github/agents.yml\`, or AGENT_MAX_CHILDREN). Split the list over several comments, or raise the limit.`;
  }
  if (itemCount + 1 > limits.maxAgentsPerRun) {
    return `this task list has ${itemCount} items: one agent each, plus the one that integrates them into one pull request, makes ${itemCount + 1} agents, and a run may have at most ${limits.maxAgentsPerRun} here (\`limits.max_agents_per_run\` in \`.github/agents.yml\`, or AGENT_MAX_PER_RUN). Split the list over several comments.`;
  }
  return undefined;
}

export interface FanOutInput {
  runId: string;
  issueNumber: number;
  items: readonly string[];
  headSha: string;
  /** The budget each item's agent gets (`--budget`, or the default); the root holds them all and one more. */
  budgetTokens: number;
  maxTurns: number;
  model: string | undefined;
  createdAt: number;
  newSessionId: () => string;
  /** `--stack`: one pull request per item, chained, instead of one for all. */
  stack: boolean;
}

/** The integrating root first, then one child per item in list order. */
export function fanOutAgents(input: FanOutInput): NewAgent[] {
  const { runId, items } = input;
  const rootName = `issue-${input.issueNumber}`;
  const taken = new Set([rootName]);
  const common = {
    runId,
    baseSha: input.headSha,
    maxTurns: input.maxTurns,
    createdAt: input.createdAt,
    ...(input.model === undefined ? {} : { model: input.model }),
  };
  const root: NewAgent = {
    ...common,
    id: agentIdFor(runId, rootName),
    name: rootName,
    role: "integrator",
    depth: 0,
    task: integratorTask(input.issueNumber, items, input.stack),
    branch: agentBranchName(runId, rootName),
    sessionId: input.newSessionId(),
    // Each child's budget is carved out of the root's (worker/integrate-without-model.ts); the
    // one left over is for resolving merge conflicts, the only work the root may ask a model for.
    budgetTokens: input.budgetTokens * (items.length + 1),
  };
  const children = items.map((task): NewAgent => {
    const name = uniqueName(slugForTask(task), taken);
    taken.add(name);
    return {
      ...common,
      id: agentIdFor(runId, name),
      name,
      parentId: root.id,
      depth: 1,
      task,
      branch: agentBranchName(runId, name),
      sessionId: input.newSessionId(),
      budgetTokens: input.budgetTokens,
    };
  });
  return [root, ...children];
}

/** What the root's check run, tracking comment row and pull request title say it does. */
function integratorTask(issueNumber: number, items: readonly string[], stack: boolean): string {
  const shape = stack ? `a stack of ${items.length} pull requests` : "one pull request";
  return [
    `#${issueNumber}: the ${items.length} tasks of its task list, in ${shape}`,
    "",
    "One sub-agent works on each task; Flotilla merges their branches into this one.",
    ...items.map((item) => `- ${(item.split("\n")[0] ?? item).trim()}`),
  ].join("\n");
}
