// `/agents run`: records a run with one agent per task (on an issue, a task list's agents are
// children of one integrating root: fan-out-plan.ts), shows it on GitHub (tracking comment and a
// queued check run per agent) and enqueues the top-level agents. Every step is idempotent per
// webhook delivery, so a redelivery after a crash finishes what the first attempt started.
// Refusals (daily cap, forks, too many agents) come first, with nothing recorded: the caller replies.

import { randomUUID } from "node:crypto";
import type { AgentCommand } from "../commands/agent-command.ts";
import { cleanTaskText } from "../commands/clean-task-text.ts";
import type { RunSettings } from "../config/run-limits.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { getPullRequest } from "../github/pull-requests.ts";
import { getBranchHead } from "../github/repositories.ts";
import type { ReportTarget } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import { agentIdFor, runIdForDelivery, uniqueName } from "../store/identifiers.ts";
import type { ReviewLocation } from "../store/records.ts";
import type { NewAgent } from "../store/run-store.ts";
import { agentBranchName, slugForTask } from "../workspace/branch-name.ts";
import type { CommandRequest } from "./command-request.ts";
import { dailyCapRefusal } from "./daily-cap.ts";
import { fanOutAgents, fanOutRefusal, fansOut, stackRefusal } from "./fan-out-plan.ts";

type RunCommand = Extract<AgentCommand, { verb: "run" }>;

/** Where the run starts on GitHub: the pull request's head, or the issue's default branch. */
export type RunOrigin =
  | { kind: "pull"; pull: Awaited<ReturnType<typeof getPullRequest>> }
  | { kind: "branch"; headSha: string };

/**
 * Reads where a run on this conversation would start: a read only, so the command's handler
 * starts it alongside the permission and configuration lookups (each a GitHub round trip that
 * would otherwise come one after the other before the agent is enqueued).
 */
export async function readRunOrigin(client: GitHubClient, request: CommandRequest): Promise<RunOrigin> {
  const repository = { owner: request.owner, repo: request.repo };
  return request.isPullRequest
    ? { kind: "pull", pull: await getPullRequest(client, repository, request.issueNumber) }
    : { kind: "branch", headSha: await getBranchHead(client, repository, request.defaultBranch) };
}

/** Starts the run the command asks for; returns the refusal to answer with, or undefined once started. */
export async function startRun(
  deps: Pick<Services, "config" | "store" | "budgets" | "queue" | "reporter" | "log">,
  client: GitHubClient,
  request: CommandRequest,
  command: RunCommand,
  settings: RunSettings,
  origin: Promise<RunOrigin> = readRunOrigin(client, request),
): Promise<string | undefined> {
  const { limits } = settings;
  const repository = { owner: request.owner, repo: request.repo };
  // A redelivery of a run already recorded finishes starting it, whatever changed since.
  const recordedBefore = (await deps.store.runIdForDelivery(request.deliveryId)) !== undefined;
  const tasks = command.tasks.flatMap((task) => Array.from({ length: command.count ?? 1 }, () => task));
  // A task list on an issue becomes one pull request (runs/fan-out-plan.ts).
  const fanOut = fansOut(request.isPullRequest, command.tasks);
  const stack = command.stack === true;
  if (stack) {
    const refusal = stackRefusal(request.isPullRequest, command.tasks);
    if (refusal !== undefined) return refusal;
  }
  if (!recordedBefore) {
    const capRefusal = await dailyCapRefusal(deps.budgets, deps.config.dailyTokenCap, request.installationId);
    if (capRefusal !== undefined) {
      deps.log.info({ installationId: request.installationId }, "run refused: daily token cap reached");
      return capRefusal;
    }
    const listRefusal = fanOut ? fanOutRefusal(tasks.length, limits) : undefined;
    if (listRefusal !== undefined) return listRefusal;
    if (tasks.length > limits.maxAgentsPerRun) {
      return `this would start ${tasks.length} agents, and a run may have at most ${limits.maxAgentsPerRun} here (\`limits.max_agents_per_run\` in \`.github/agents.yml\`, or AGENT_MAX_PER_RUN). Split the work into smaller runs.`;
    }
  }
  let headSha: string;
  let baseBranch: string;
  let headFetchRef: string | undefined;
  const from = await origin;
  if (from.kind === "pull") {
    const { pull } = from;
    const forks = settings.allowForks;
    if (pull.isFork && !(forks.repository && forks.operator)) return forkRefusal(forks);
    headSha = pull.headSha;
    // A fork's branch cannot be pushed to: agents start from its head commit, fetched from this
    // repository's `refs/pull/<n>/head`, and open their pull requests against the PR's base.
    baseBranch = pull.isFork ? pull.baseRef : pull.headRef;
    if (pull.isFork) headFetchRef = `refs/pull/${request.issueNumber}/head`;
  } else {
    headSha = from.headSha;
    baseBranch = request.defaultBranch;
  }
  const runId = runIdForDelivery(request.deliveryId);
  const budgetTokens = Math.min(
    command.budgetTokens ?? settings.defaultBudgetTokens,
    settings.maxBudgetTokens,
  );
  const maxTurns = Math.min(command.maxTurns ?? limits.maxTurns, limits.maxTurns);
  const agents: NewAgent[] = fanOut
    ? fanOutAgents({
        runId,
        issueNumber: request.issueNumber,
        items: tasks,
        headSha,
        budgetTokens,
        maxTurns,
        model: command.model,
        createdAt: Date.now(),
        newSessionId: randomUUID,
        stack,
      })
    : independentAgents(runId, tasks, headSha, budgetTokens, maxTurns, command.model);
  await deps.store.createRun(
    {
      id: runId,
      deliveryId: request.deliveryId,
      installationId: request.installationId,
      owner: request.owner,
      repo: request.repo,
      cloneUrl: request.cloneUrl,
      issueNumber: request.issueNumber,
      isPullRequest: request.isPullRequest,
      commentId: request.comment.id,
      commentUrl: request.comment.url,
      commenter: request.comment.author,
      headSha,
      baseBranch,
      stack,
      ...(headFetchRef === undefined ? {} : { headFetchRef }),
      ...(request.reviewLocation === undefined
        ? {}
        : { reviewLocation: reviewLocationOf(request.reviewLocation) }),
      createdAt: Date.now(),
      limits,
    },
    agents,
  );
  // A redelivery finds the run already recorded: carry on with the agents recorded then.
  const recorded = await deps.store.listRunAgents(runId);
  // Children are started by their parent's job (worker/unstarted-children.ts), after it carved their budgets.
  const topLevel = recorded.filter((agent) => agent.parentId === undefined);
  const targets: ReportTarget[] = [
    ...recorded.map((agent): ReportTarget => ({ kind: "check", agentId: agent.id })),
    { kind: "comment", runId },
  ];
  await deps.reporter.changed(targets, { urgent: true });
  // The agents start first: 👀, their check runs and the tracking comment (a GitHub round trip
  // each) are written meanwhile, and the reporter writes them from the latest records whatever
  // the agents have done by then.
  for (const agent of topLevel) {
    await deps.queue.enqueue({ agentId: agent.id, runId, generation: agent.generation });
  }
  await Promise.all([
    deps.reporter.react(request.deliveryId, {
      installationId: request.installationId,
      ...repository,
      commentId: request.comment.id,
      commentKind: request.comment.kind,
    }),
    deps.reporter.flushNow(targets).catch((error: unknown) => {
      deps.log.warn({ err: error, runId }, "could not show the run on GitHub yet; the reporter will retry");
    }),
  ]);
  deps.log.info({ runId, agents: recorded.map((agent) => agent.id) }, "run started");
  return undefined;
}

/** One top-level agent per task, each with its own pull request. */
function independentAgents(
  runId: string,
  tasks: readonly string[],
  headSha: string,
  budgetTokens: number,
  maxTurns: number,
  model: string | undefined,
): NewAgent[] {
  const taken = new Set<string>();
  return tasks.map((task) => {
    const name = uniqueName(slugForTask(task), taken);
    taken.add(name);
    return {
      id: agentIdFor(runId, name),
      runId,
      name,
      depth: 0,
      task,
      branch: agentBranchName(runId, name),
      baseSha: headSha,
      sessionId: randomUUID(),
      budgetTokens,
      maxTurns,
      createdAt: Date.now(),
      ...(model === undefined ? {} : { model }),
    };
  });
}

/**
 * The hunk is text anyone who can push a branch wrote, handed to the agent like the comment: what
 * a reader of the diff on GitHub cannot see (hidden markup, invisible characters) is taken out.
 */
function reviewLocationOf(location: NonNullable<CommandRequest["reviewLocation"]>): ReviewLocation {
  return {
    path: cleanTaskText(location.path),
    diffHunk: cleanTaskText(location.diffHunk),
    ...(location.line === undefined ? {} : { line: location.line }),
  };
}

/** Why agents do not run on a fork's pull request, and plainly what allowing it would mean. */
function forkRefusal(forks: RunSettings["allowForks"]): string {
  const who = !forks.repository
    ? "this repository does not let Flotilla run agents on forks"
    : "this repository allows forks (`access.allow_forks`), but the operator of this Flotilla does not (FLOTILLA_ALLOW_FORKS)";
  return `this pull request comes from a fork, and ${who}. Running agents here would push the fork's code into this repository as a branch, where workflows that run on \`push\` run it with this repository's secrets: what GitHub's fork protections exist to prevent. Instead, push the branch to this repository and open the pull request from there; or, if fork code running with the secrets is acceptable here, a maintainer sets \`access: { allow_forks: true }\` in \`.github/agents.yml\` and the operator sets FLOTILLA_ALLOW_FORKS=true.`;
}
