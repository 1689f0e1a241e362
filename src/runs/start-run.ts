// `/agents run`: records a run with one agent per task, shows it on GitHub (tracking comment and
// a queued check run per agent) and enqueues the agents. Every step is idempotent per webhook
// delivery, so a redelivery after a crash finishes what the first attempt started. Refusals
// (daily cap, forks, too many agents) come first, with nothing recorded: the caller replies.
import { randomUUID } from "node:crypto";
import type { AgentCommand } from "../commands/agent-command.ts";
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

type RunCommand = Extract<AgentCommand, { verb: "run" }>;

/** Starts the run the command asks for; returns the refusal to answer with, or undefined once started. */
export async function startRun(
  deps: Pick<Services, "config" | "store" | "budgets" | "queue" | "reporter" | "log">,
  client: GitHubClient,
  request: CommandRequest,
  command: RunCommand,
  settings: RunSettings,
): Promise<string | undefined> {
  const { limits } = settings;
  const repository = { owner: request.owner, repo: request.repo };
  // A redelivery of a run already recorded finishes starting it, whatever changed since.
  const recordedBefore = (await deps.store.runIdForDelivery(request.deliveryId)) !== undefined;
  const tasks = command.tasks.flatMap((task) => Array.from({ length: command.count ?? 1 }, () => task));
  if (!recordedBefore) {
    const capRefusal = await dailyCapRefusal(deps.budgets, deps.config.dailyTokenCap, request.installationId);
    if (capRefusal !== undefined) {
      deps.log.info({ installationId: request.installationId }, "run refused: daily token cap reached");
      return capRefusal;
    }
    if (tasks.length > limits.maxAgentsPerRun) {
      return `this would start ${tasks.length} agents, and a run may have at most ${limits.maxAgentsPerRun} here (\`limits.max_agents_per_run\` in \`.github/agents.yml\`, or AGENT_MAX_PER_RUN). Split the work into smaller runs.`;
    }
  }
  let headSha: string;
  let baseBranch: string;
  let headFetchRef: string | undefined;
  if (request.isPullRequest) {
    const pull = await getPullRequest(client, repository, request.issueNumber);
    if (pull.isFork && !settings.allowForks) {
      return "this pull request comes from a fork, and this repository does not let Flotilla run agents on forks. A maintainer can allow it with `access: { allow_forks: true }` in `.github/agents.yml`, or push the branch to this repository and open the pull request from there.";
    }
    headSha = pull.headSha;
    // A fork's branch cannot be pushed to: agents start from its head commit, fetched from this
    // repository's `refs/pull/<n>/head`, and open their pull requests against the PR's base.
    baseBranch = pull.isFork ? pull.baseRef : pull.headRef;
    if (pull.isFork) headFetchRef = `refs/pull/${request.issueNumber}/head`;
  } else {
    headSha = await getBranchHead(client, repository, request.defaultBranch);
    baseBranch = request.defaultBranch;
  }
  await deps.reporter.react(request.deliveryId, {
    installationId: request.installationId,
    ...repository,
    commentId: request.comment.id,
    commentKind: request.comment.kind,
  });

  const runId = runIdForDelivery(request.deliveryId);
  const budgetTokens = Math.min(
    command.budgetTokens ?? settings.defaultBudgetTokens,
    settings.maxBudgetTokens,
  );
  const maxTurns = Math.min(command.maxTurns ?? limits.maxTurns, limits.maxTurns);
  const taken = new Set<string>();
  const agents: NewAgent[] = tasks.map((task) => {
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
      ...(command.model === undefined ? {} : { model: command.model }),
    };
  });
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
  const targets: ReportTarget[] = [
    ...recorded.map((agent): ReportTarget => ({ kind: "check", agentId: agent.id })),
    { kind: "comment", runId },
  ];
  await deps.reporter.changed(targets, { urgent: true });
  await deps.reporter.flushNow(targets).catch((error: unknown) => {
    deps.log.warn({ err: error, runId }, "could not show the run on GitHub yet; the reporter will retry");
  });
  for (const agent of recorded) {
    await deps.queue.enqueue({ agentId: agent.id, runId, generation: agent.generation });
  }
  deps.log.info({ runId, agents: recorded.map((agent) => agent.id) }, "run started");
  return undefined;
}

function reviewLocationOf(location: NonNullable<CommandRequest["reviewLocation"]>): ReviewLocation {
  return {
    path: location.path,
    diffHunk: location.diffHunk,
    ...(location.line === undefined ? {} : { line: location.line }),
  };
}
