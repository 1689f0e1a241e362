// A pull request was closed or merged. The runs working on it stop: their running agents are
// cancelled (work so far kept on their branches) and the tracking comment says why. When it was
// an agent's own pull request closed without merging, the agent's branch may go once the
// retention time has passed (runs/delete-closed-agent-branches.ts); reopening keeps it.
import type { Services } from "../services.ts";
import { forgetClosedAgentBranch, rememberClosedAgentBranch } from "../store/closed-agent-branches.ts";
import { isTerminal } from "../store/records.ts";
import { cancelAgents } from "./cancel-agents.ts";

export interface PullRequestChange {
  deliveryId: string;
  owner: string;
  repo: string;
  number: number;
  /** The pull request's head branch (an agent's is `agents/<run>/<agent>`). */
  headRef: string;
  /** Whether the head branch is in this repository (not a fork's). */
  headInRepository: boolean;
  merged: boolean;
  closedAtMs: number;
}

type Deps = Pick<Services, "store" | "queue" | "reporter" | "log">;

export async function pullRequestClosed(deps: Deps, change: PullRequestChange): Promise<void> {
  const log = deps.log.child({ deliveryId: change.deliveryId, pull: change.number });
  const how = change.merged ? "merged" : "closed";
  for (const runId of await deps.store.runIdsForIssue(change.owner, change.repo, change.number)) {
    const running = (await deps.store.listRunAgents(runId)).filter((agent) => !isTerminal(agent.state));
    if (running.length === 0) continue;
    const cancelled = await cancelAgents(deps, running, `pull request #${change.number} was ${how}`);
    await deps.store.updateRun(runId, {
      stopNote: `Pull request #${change.number} was ${how}, so Flotilla cancelled the ${cancelled.length} agent${cancelled.length === 1 ? "" : "s"} still working on it. Their work so far stays on their branches; reopen the pull request and \`/agents retry <agent>\` to go on.`,
    });
    await deps.reporter.changed([{ kind: "comment", runId }], { urgent: true });
    log.info({ runId, cancelled }, "pull request closed: its run's agents cancelled");
  }
  const agentId = await ownAgentOf(deps, change);
  if (agentId !== undefined && !change.merged) {
    await rememberClosedAgentBranch(deps.store, agentId, change.closedAtMs);
    log.info(
      { agentId },
      "an agent's pull request closed unmerged: its branch goes after the retention time",
    );
  }
}

export async function pullRequestReopened(deps: Deps, change: PullRequestChange): Promise<void> {
  const agentId = await ownAgentOf(deps, change);
  if (agentId === undefined) return;
  await forgetClosedAgentBranch(deps.store, agentId);
  deps.log.info(
    { deliveryId: change.deliveryId, agentId },
    "an agent's pull request reopened: its branch stays",
  );
}

/** The agent whose own pull request this is, if any: its branch, its repository, its number. */
async function ownAgentOf(
  deps: Pick<Services, "store">,
  change: PullRequestChange,
): Promise<string | undefined> {
  const match = /^agents\/([^/]+\/[^/]+)$/.exec(change.headRef);
  if (match?.[1] === undefined || !change.headInRepository) return undefined;
  const agent = await deps.store.getAgent(match[1]);
  if (agent === undefined || agent.pullRequestNumber !== change.number || agent.branch !== change.headRef)
    return undefined;
  const run = await deps.store.getRun(agent.runId);
  return run?.owner === change.owner && run.repo === change.repo ? agent.id : undefined;
}
