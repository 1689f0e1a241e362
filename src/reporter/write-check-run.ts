// Writes an agent's check run. A completed check run is final on GitHub (its status and
// conclusion never change again), so each generation of an agent (its first run, then each retry
// or continue) has a check run of its own, with the same name and external_id; the newest is the
// agent's. The older ones keep the outcome they showed.
import {
  type CheckRunContent,
  type CheckRunRef,
  createCheckRun,
  type FoundCheckRun,
  findNewestCheckRunByExternalId,
  isCheckRunCompleted,
  updateCheckRun,
} from "../github/check-runs.ts";
import type { GitHubClient } from "../github/github-app.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";
import type { ClaimWrite } from "./claim-write.ts";
import { noEffect, type WriteEffect } from "./prepared-write.ts";
import { supersededCheckRun } from "./views/check-run-view.ts";

export interface CheckRunWrite {
  store: RunStore;
  run: RunRecord;
  agent: AgentRecord;
  content: CheckRunContent;
}

/** Whether the stored check run is this generation's, so the write updates it. */
export function hasOwnCheckRun(agent: AgentRecord): boolean {
  return agent.checkRunId !== undefined && (agent.checkRunGeneration ?? 0) === agent.generation;
}

export async function writeCheckRun(
  { store, run, agent, content }: CheckRunWrite,
  client: GitHubClient,
  claim: ClaimWrite,
): Promise<WriteEffect> {
  const repository = { owner: run.owner, repo: run.repo };
  const completed = content.status === "completed";
  // The agent's check run from now on, for this generation; the comment links it.
  const remember = async (ref: CheckRunRef): Promise<WriteEffect> => {
    await store.updateAgent(agent.id, {
      checkRunId: ref.id,
      checkRunUrl: ref.url,
      checkRunGeneration: agent.generation,
      checkRunCompleted: completed,
    });
    // That can wait for the comment's next update.
    return { alsoDirty: [{ kind: "comment", runId: run.id }], urgent: false };
  };
  if (hasOwnCheckRun(agent) && agent.checkRunId !== undefined) {
    await claim();
    await updateCheckRun(client, repository, agent.checkRunId, content);
    if (completed && !agent.checkRunCompleted) await store.updateAgent(agent.id, { checkRunCompleted: true });
    return noEffect;
  }

  // Not stored for this generation: made before a crash that lost its id, or not made yet.
  const found = await findNewestCheckRunByExternalId(client, repository, run.headSha, content.name, agent.id);
  if (found !== undefined && isThisGenerations(found, agent, content)) {
    await claim();
    await updateCheckRun(client, repository, found.id, content);
    return remember(found);
  }

  // The previous generation's check run was never shown completed (a retry came before its
  // final write): close it, so that no check run of the agent stays running forever.
  const previousId = agent.checkRunId;
  if (
    previousId !== undefined &&
    !agent.checkRunCompleted &&
    !(await isCheckRunCompleted(client, repository, previousId))
  ) {
    await claim();
    await updateCheckRun(client, repository, previousId, supersededCheckRun(content));
    await store.updateAgent(agent.id, { checkRunCompleted: true });
  }
  await claim();
  return remember(await createCheckRun(client, repository, content));
}

/**
 * Whether the newest check run with the agent's external_id belongs to this generation: newer
 * than the one stored for an earlier generation, and not completed unless this generation has
 * ended the same way (a completed one from before a retry is not ours to change).
 */
function isThisGenerations(found: FoundCheckRun, agent: AgentRecord, content: CheckRunContent): boolean {
  if (agent.checkRunId !== undefined && found.id <= agent.checkRunId) return false;
  if (found.status !== "completed") return true;
  return isTerminal(agent.state) && found.conclusion === (content.conclusion ?? null);
}
