// `/agents run`: records a run with one agent per task, shows it on GitHub (tracking comment and
// a queued check run per agent) and enqueues the agents. Every step is idempotent per webhook
// delivery, so a redelivery after a crash finishes what the first attempt started.
import { randomUUID } from "node:crypto";
import type { AgentCommand } from "../commands/agent-command.ts";
import { defaultRunLimits } from "../config/run-limits.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { getPullRequest } from "../github/pull-requests.ts";
import { getBranchHead } from "../github/repositories.ts";
import { enqueueAgent } from "../queue/agent-queue.ts";
import type { ReportTarget } from "../reporter/report-targets.ts";
import { agentIdFor, runIdForDelivery, uniqueName } from "../store/identifiers.ts";
import type { RunLimits } from "../store/records.ts";
import type { NewAgent } from "../store/run-store.ts";
import { agentBranchName, slugForTask } from "../workspace/branch-name.ts";
import type { CommandRequest } from "./command-request.ts";
import { replyOnce } from "./reply.ts";
import type { WebDependencies } from "./web-dependencies.ts";

type RunCommand = Extract<AgentCommand, { verb: "run" }>;

export async function startRun(
  deps: WebDependencies,
  client: GitHubClient,
  request: CommandRequest,
  command: RunCommand,
  limits: RunLimits = defaultRunLimits(deps.config),
): Promise<void> {
  const repository = { owner: request.owner, repo: request.repo };
  let headSha: string;
  let baseBranch: string;
  if (request.isPullRequest) {
    const pull = await getPullRequest(client, repository, request.issueNumber);
    if (pull.isFork) {
      await replyOnce(
        deps,
        request,
        "this pull request comes from a fork, and Flotilla does not run agents on forks yet. Push the branch to this repository and open the pull request from there.",
      );
      return;
    }
    headSha = pull.headSha;
    baseBranch = pull.headRef;
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
    command.budgetTokens ?? deps.config.defaultBudgetTokens,
    deps.config.maxBudgetTokens,
  );
  const tasks = command.tasks.flatMap((task) => Array.from({ length: command.count ?? 1 }, () => task));
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
      maxTurns: command.maxTurns ?? limits.maxTurns,
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
    await enqueueAgent(deps.queue, { agentId: agent.id, runId, generation: agent.generation });
  }
  deps.log.info({ runId, agents: recorded.map((agent) => agent.id) }, "run started");
}
