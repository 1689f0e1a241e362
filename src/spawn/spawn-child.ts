// spawn_agent: starts a child of the calling agent. The parent's work in progress is committed
// and pushed first, so the child branches from it; the child's budget is carved out of what the
// parent has left; limits on depth, fan-out and agents per run refuse with a readable error.
import { randomUUID } from "node:crypto";
import { enqueueAgent } from "../queue/agent-queue.ts";
import { agentIdFor, runIdOfAgent, uniqueName } from "../store/identifiers.ts";
import { withRedisLock } from "../store/redis-lock.ts";
import { checkpointWorkspace } from "../worker/agent-workspace.ts";
import { agentBranchName, slugForTask } from "../workspace/branch-name.ts";
import type { SpawnDependencies } from "./spawn-dependencies.ts";
import { type ToolReply, toolError } from "./tool-replies.ts";

export interface SpawnRequest {
  task: string;
  name?: string | undefined;
  budgetTokens?: number | undefined;
}

export async function spawnChild(
  deps: SpawnDependencies,
  parentId: string,
  request: SpawnRequest,
): Promise<ToolReply> {
  const context = deps.runningAgents.context(parentId);
  if (context === undefined) return toolError("Flotilla does not see you running on this worker; try again.");
  const parent = await deps.store.requireAgent(parentId);
  const run = await deps.store.requireRun(parent.runId);
  const { limits } = run;
  if (parent.depth + 1 > limits.maxDepth) {
    return toolError(
      `Not spawned: sub-agents may be nested at most ${limits.maxDepth} levels deep, and you are at level ${parent.depth}. Do this part of the work yourself.`,
    );
  }
  const checkpoint = await context.withWorktree(() =>
    checkpointWorkspace(
      context.workspace,
      parent,
      `${parent.name}: work in progress before spawning a sub-agent`,
      {
        pushEvenIfUnchanged: true,
      },
    ),
  );
  const baseSha = checkpoint.pushedSha ?? parent.baseSha;

  const created = await withRedisLock(
    deps.store.redis,
    deps.store.keys.runSpawnLock(run.id),
    10_000,
    async () => {
      const agents = await deps.store.listRunAgents(run.id);
      const siblings = agents.filter((agent) => agent.parentId === parentId);
      if (siblings.length >= limits.maxChildrenPerAgent) {
        return toolError(
          `Not spawned: an agent may start at most ${limits.maxChildrenPerAgent} sub-agents and you already started ${siblings.length}. Wait for them, or do the work yourself.`,
        );
      }
      if (agents.length >= limits.maxAgentsPerRun) {
        return toolError(
          `Not spawned: this run already has ${agents.length} agents, the most a run may have (${limits.maxAgentsPerRun}). Do the work yourself.`,
        );
      }
      const name = uniqueName(
        slugForTask(request.name ?? request.task),
        new Set(agents.map((agent) => agent.name)),
      );
      const childId = agentIdFor(run.id, name);
      const reservation = await deps.budgets.reserveForChild(
        parentId,
        childId,
        request.budgetTokens,
        limits.defaultChildBudgetShare,
      );
      if ("refused" in reservation) return toolError(`Not spawned: ${reservation.refused}`);
      await deps.store.addAgent({
        id: childId,
        runId: run.id,
        name,
        parentId,
        depth: parent.depth + 1,
        task: request.task,
        branch: agentBranchName(run.id, name),
        baseSha,
        sessionId: randomUUID(),
        budgetTokens: reservation.granted,
        maxTurns: parent.maxTurns,
        createdAt: Date.now(),
        ...(parent.model === undefined ? {} : { model: parent.model }),
      });
      return { childId, name, budgetTokens: reservation.granted };
    },
  );
  if (!("childId" in created)) {
    deps.log.info(
      { runId: runIdOfAgent(parentId), agentId: parentId, refusal: "text" in created ? created.text : "" },
      "spawn refused",
    );
    await deps.store.updateAgent(parentId, {
      currentStep: `spawn refused: ${"text" in created ? created.text.slice(0, 200) : ""}`,
    });
    await deps.reporter.changed([
      { kind: "check", agentId: parentId },
      { kind: "comment", runId: run.id },
    ]);
    return created;
  }

  const jobId = context.job.id;
  if (jobId === undefined) throw new Error("The parent's job has no id; cannot attach a child to it.");
  await enqueueAgent(
    deps.queue,
    { agentId: created.childId, runId: run.id, generation: 0 },
    { id: jobId, queueQualifiedName: context.job.queueQualifiedName },
  );
  await deps.reporter.changed(
    [
      { kind: "check", agentId: created.childId },
      { kind: "check", agentId: parentId },
      { kind: "comment", runId: run.id },
    ],
    { urgent: true },
  );
  deps.log.info(
    {
      runId: runIdOfAgent(parentId),
      agentId: parentId,
      childId: created.childId,
      budgetTokens: created.budgetTokens,
    },
    "sub-agent spawned",
  );
  return {
    text: [
      `Started sub-agent "${created.name}" with id ${created.childId} and a budget of ${created.budgetTokens} tokens.`,
      `It works on branch ${agentBranchName(run.id, created.name)}, made from your work so far, and will open a pull request against your branch.`,
      "It runs in parallel with you. Call wait_for_agents when you need its result; you will be paused until it is done.",
    ].join("\n"),
  };
}
