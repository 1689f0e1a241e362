// spawn_agent: starts a child of the calling agent. The parent's work in progress is committed
// and pushed first, so the child branches from it; the child's budget is carved out of what the
// parent has left; limits on depth, fan-out and agents per run refuse with a readable error,
// which also stays visible on the parent's record (and so in the tracking comment).
import { randomUUID } from "node:crypto";
import type { RunningAgentContext } from "../../agent/running-agents.ts";
import { withRedisLock } from "../../redis/redis-lock.ts";
import type { Services } from "../../services.ts";
import { agentIdFor, uniqueName } from "../../store/identifiers.ts";
import type { AgentRecord, RunRecord } from "../../store/records.ts";
import { checkpointWorkspace } from "../../workspace/agent-workspace.ts";
import { agentBranchName, slugForTask } from "../../workspace/branch-name.ts";
import { neverStarted } from "../unstarted-children.ts";
import { type ToolReply, toolError } from "./tool-replies.ts";

export interface SpawnRequest {
  task: string;
  name?: string | undefined;
  budgetTokens?: number | undefined;
}

interface CreatedChild {
  childId: string;
  name: string;
  budgetTokens: number;
  /** The parent had already started this child (same name). */
  existed?: boolean;
  /**
   * …and it has not started: a worker may have died before queueing its job, so queue it again
   * (a job that exists is not added twice).
   */
  notStarted?: boolean;
}

type SpawnServices = Pick<Services, "store" | "budgets" | "queue" | "reporter" | "runningAgents" | "log">;

export async function spawnChild(
  deps: SpawnServices,
  parentId: string,
  request: SpawnRequest,
): Promise<ToolReply> {
  const context = deps.runningAgents.context(parentId);
  if (context === undefined) return toolError("Flotilla does not see you running on this worker; try again.");
  const parent = await deps.store.requireAgent(parentId);
  const run = await deps.store.requireRun(parent.runId);
  if (parent.depth + 1 > run.limits.maxDepth) {
    return refuse(
      deps,
      parent,
      `Not spawned: sub-agents may be nested at most ${run.limits.maxDepth} levels deep, and you are at level ${parent.depth}. Do this part of the work yourself.`,
    );
  }
  const checkpoint = await context.withWorktree(() =>
    checkpointWorkspace(
      context.workspace,
      parent,
      `${parent.name}: work in progress before spawning a sub-agent`,
      // A branch already pushed as it is now is not pushed again: a parent spawning ten children
      // in a row pushes once, not ten times.
      { pushEvenIfUnchanged: true, pushedSha: parent.pushedSha },
    ),
  );
  if (checkpoint.pushedSha !== undefined && checkpoint.pushedSha !== parent.pushedSha)
    await deps.store.updateAgent(parentId, { pushedSha: checkpoint.pushedSha });
  const created = await withRedisLock(deps.store.redis, deps.store.keys.runSpawnLock(run.id), 10_000, () =>
    createChild(deps, run, parent, request, checkpoint.pushedSha ?? parent.baseSha),
  );
  if (typeof created === "string") return refuse(deps, parent, created);
  if (created.existed === true && created.notStarted === true)
    await startChild(deps, context, run, parentId, created);
  if (created.existed === true) {
    return {
      text: `You already started sub-agent "${created.name}" (id ${created.childId}); it was not started twice. Call wait_for_agents to collect its result.`,
    };
  }
  await startChild(deps, context, run, parentId, created);
  return {
    text: [
      `Started sub-agent "${created.name}" with id ${created.childId} and a budget of ${created.budgetTokens} tokens.`,
      `It works on branch ${agentBranchName(run.id, created.name)}, made from your work so far, and will open a pull request against your branch.`,
      "It runs in parallel with you. Call wait_for_agents when you need its result; you will be paused until it is done.",
    ].join("\n"),
  };
}

/** Checks the run's limits, carves the budget and records the child; a string is a refusal. */
async function createChild(
  deps: Pick<Services, "store" | "budgets">,
  run: RunRecord,
  parent: AgentRecord,
  request: SpawnRequest,
  baseSha: string,
): Promise<CreatedChild | string> {
  const { limits } = run;
  const agents = await deps.store.listRunAgents(run.id);
  const siblings = agents.filter((agent) => agent.parentId === parent.id);
  // A parent resumed after a crash may ask again for a child it already started: same name,
  // same child (not a second one).
  const requestedName = request.name === undefined ? undefined : slugForTask(request.name);
  const existing = siblings.find((sibling) => sibling.name === requestedName);
  if (existing !== undefined)
    return {
      childId: existing.id,
      name: existing.name,
      budgetTokens: existing.budgetTokens,
      existed: true,
      notStarted: neverStarted(existing),
    };
  if (siblings.length >= limits.maxChildrenPerAgent) {
    return `Not spawned: an agent may start at most ${limits.maxChildrenPerAgent} sub-agents and you already started ${siblings.length}. Wait for them, or do the work yourself.`;
  }
  if (agents.length >= limits.maxAgentsPerRun) {
    return `Not spawned: this run already has ${agents.length} agents, the most a run may have (${limits.maxAgentsPerRun}). Do the work yourself.`;
  }
  const name = uniqueName(
    slugForTask(request.name ?? request.task),
    new Set(agents.map((agent) => agent.name)),
  );
  const childId = agentIdFor(run.id, name);
  const reservation = await deps.budgets.reserveForChild(
    parent.id,
    childId,
    request.budgetTokens,
    limits.defaultChildBudgetShare,
  );
  if ("refused" in reservation) return `Not spawned: ${reservation.refused}`;
  await deps.store.addAgent({
    id: childId,
    runId: run.id,
    name,
    parentId: parent.id,
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
}

/** Queues the child as a BullMQ child of the parent's job, so the parent can wait for it. */
async function startChild(
  deps: Pick<Services, "queue" | "reporter" | "log">,
  context: RunningAgentContext,
  run: RunRecord,
  parentId: string,
  child: CreatedChild,
): Promise<void> {
  await deps.queue.enqueue({ agentId: child.childId, runId: run.id, generation: 0 }, context.job.asParent);
  await deps.reporter.changed(
    [
      { kind: "check", agentId: child.childId },
      { kind: "check", agentId: parentId },
      { kind: "comment", runId: run.id },
    ],
    { urgent: true },
  );
  deps.log.info(
    { runId: run.id, agentId: parentId, childId: child.childId, budgetTokens: child.budgetTokens },
    "sub-agent spawned",
  );
}

async function refuse(
  deps: Pick<Services, "store" | "reporter" | "log">,
  parent: AgentRecord,
  refusal: string,
): Promise<ToolReply> {
  deps.log.info({ runId: parent.runId, agentId: parent.id, refusal }, "spawn refused");
  const latest = await deps.store.requireAgent(parent.id);
  await deps.store.updateAgent(parent.id, {
    currentStep: `spawn refused: ${refusal.slice(0, 200)}`,
    spawnRefusals: [...latest.spawnRefusals, refusal.slice(0, 300)].slice(-5),
  });
  await deps.reporter.changed([
    { kind: "check", agentId: parent.id },
    { kind: "comment", runId: parent.runId },
  ]);
  return toolError(refusal);
}
