// Deletes the branches of agents whose own pull request was closed without merging, once
// AGENT_BRANCH_RETENTION_HOURS have passed since the close. Before deleting, GitHub is asked
// again: a pull request reopened or merged meanwhile, or an agent working again (retried), keeps
// its branch. Several processes may sweep at once; the one that takes an entry off the list acts.
import { deleteBranch } from "../github/branches.ts";
import { getPullRequest } from "../github/pull-requests.ts";
import type { Services } from "../services.ts";
import {
  claimClosedAgentBranch,
  closedAgentBranchesDue,
  rememberClosedAgentBranch,
} from "../store/closed-agent-branches.ts";
import { isTerminal } from "../store/records.ts";

/** At most this many deletions per sweep, so a backlog never bursts into GitHub's write limits. */
const deletionsPerSweep = 20;
/** A deletion GitHub could not do now is tried again this much later. */
const retryLaterMs = 15 * 60_000;

async function deleteClosedAgentBranches(
  deps: Pick<Services, "config" | "store" | "clientFor" | "log">,
  nowMs = Date.now(),
): Promise<string[]> {
  const deleted: string[] = [];
  const due = await closedAgentBranchesDue(
    deps.store,
    nowMs - deps.config.agentBranchRetentionMs,
    deletionsPerSweep,
  );
  for (const agentId of due) {
    if (!(await claimClosedAgentBranch(deps.store, agentId))) continue;
    const log = deps.log.child({ agentId });
    const agent = await deps.store.getAgent(agentId);
    const run = agent === undefined ? undefined : await deps.store.getRun(agent.runId);
    if (agent === undefined || run === undefined || agent.pullRequestNumber === undefined) continue;
    if (!isTerminal(agent.state)) {
      log.info("agent works again: its branch stays");
      continue;
    }
    const repository = { owner: run.owner, repo: run.repo };
    try {
      const client = await deps.clientFor(run.installationId);
      const pull = await getPullRequest(client, repository, agent.pullRequestNumber);
      if (pull.state !== "closed" || pull.merged || pull.headRef !== agent.branch) {
        log.info(
          { state: pull.state, merged: pull.merged },
          "pull request reopened or merged: the branch stays",
        );
        continue;
      }
      if (await deleteBranch(client, repository, agent.branch)) deleted.push(agentId);
    } catch (error) {
      if (typeof error === "object" && error !== null && "status" in error && error.status === 404) {
        log.info("the repository or the pull request is gone: nothing to delete");
        continue;
      }
      log.warn({ err: error }, "could not delete a closed agent's branch; trying again later");
      await rememberClosedAgentBranch(
        deps.store,
        agentId,
        nowMs - deps.config.agentBranchRetentionMs + retryLaterMs,
      );
    }
  }
  if (deleted.length > 0)
    deps.log.info({ deleted }, "deleted branches of agents whose pull request was closed");
  return deleted;
}

/** How often the web role looks for branches due (and once at start). */
const sweepIntervalMs = 10 * 60_000;

/** Sweeps at start and every few minutes; returns what stops it. */
export function sweepClosedAgentBranches(
  deps: Pick<Services, "config" | "store" | "clientFor" | "log">,
): () => void {
  const sweep = () =>
    void deleteClosedAgentBranches(deps).catch((error: unknown) =>
      deps.log.warn({ err: error }, "sweep of closed agents' branches failed"),
    );
  sweep();
  const timer = setInterval(sweep, sweepIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
