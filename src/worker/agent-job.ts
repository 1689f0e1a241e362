// One BullMQ job = one agent's next stretch of work: prepare its worktree, run `claude` (a new
// session, or the same session resumed), then finish it, park it while its children work, or
// hand it back. The job is resumable from the top: everything it needs to continue is in the
// agent's record and on its branch.
import { DelayedError, type Job, WaitingChildrenError } from "bullmq";
import type { AgentJobData } from "../queue/agent-queue.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import {
  type AgentWorkspace,
  checkpointWorkspace,
  prepareAgentWorkspace,
} from "../workspace/agent-workspace.ts";
import { type Ending, finishAgent, targetsOfEndedAgent } from "./finish-agent.ts";
import { type RepositorySlot, takeRepositorySlot } from "./repository-slot.ts";
import { repositorySource } from "./repository-source.ts";
import { runAgentSession } from "./run-agent-session.ts";
import { childOutcomes } from "./tools/child-outcomes.ts";
import { childrenReport } from "./tools/children-report.ts";

/** What an agent job uses of its process. */
export type AgentJobServices = Pick<
  Services,
  | "config"
  | "store"
  | "budgets"
  | "sessions"
  | "events"
  | "reporter"
  | "clientFor"
  | "metrics"
  | "modelAccess"
  | "runningAgents"
  | "sandbox"
  | "log"
>;

export async function processAgentJob(
  workerDeps: AgentJobServices,
  job: Job<AgentJobData>,
  token: string | undefined,
): Promise<string> {
  const { agentId, generation } = job.data;
  // Every log line about this agent, here and in what it calls, names its run and itself.
  const deps = { ...workerDeps, log: workerDeps.log.child({ runId: job.data.runId, agentId }) };
  const agent = await deps.store.requireAgent(agentId);
  if (isTerminal(agent.state) || generation < agent.generation) {
    // This job's agent ended, but the worker may have died before asking for the final writes:
    // ask again (an unchanged check run or comment costs one write at most).
    if (generation === agent.generation)
      await deps.reporter.changed(targetsOfEndedAgent(agent), { urgent: true });
    // An agent that ended while its children still worked keeps its job open until they end.
    await waitForPendingChildren(job, token);
    return `agent already ${agent.state}`;
  }
  const run = await deps.store.requireRun(agent.runId);
  if (agent.cancelRequested) {
    await finishAgent(deps, agent, undefined, {
      state: "cancelled",
      resultText: "",
      error: "cancelled on request",
    });
    await waitForPendingChildren(job, token);
    return "cancelled";
  }
  // A worker may have died between parking the agent and handing its job to BullMQ.
  if (agent.state === "waiting") await waitForPendingChildren(job, token);
  // The repository's concurrency limit: without a free slot the job is delayed, not failed.
  const slot = await takeRepositorySlot(deps, job, token, run, agent);
  try {
    return await runWithSlot(deps, job, token, run, agent, slot);
  } finally {
    await slot.release();
  }
}

async function runWithSlot(
  deps: AgentJobServices,
  job: Job<AgentJobData>,
  token: string | undefined,
  run: RunRecord,
  startingAgent: AgentRecord,
  slot: RepositorySlot,
): Promise<string> {
  const agentId = startingAgent.id;
  const { log } = deps;
  let agent = startingAgent;
  if (agent.state === "waiting") agent = await prepareResumeAfterWaiting(deps, agent);

  await deps.store.updateAgent(agentId, {
    state: "preparing",
    currentStep: "preparing its worktree",
    startedAt: agent.startedAt ?? Date.now(),
  });
  await deps.reporter.changed(targetsShowingAgent(agent), { urgent: agent.state === "queued" });
  const workspace = await prepareAgentWorkspace(
    { dataDir: deps.config.dataDir, sourceOf: (of) => repositorySource(deps, of) },
    run,
    agent,
  );
  log.info({ origin: workspace.origin, worktree: workspace.paths.worktree }, "agent workspace ready");

  if (agent.state === "finishing" && agent.ending !== undefined) {
    // A worker died while finishing this agent: finish it again (every step is idempotent).
    const result = await deps.store.readResult(agentId, 0, Number.MAX_SAFE_INTEGER);
    const ending = { ...agent.ending, resultText: result?.text ?? "" } as Ending;
    await finishAgent(deps, agent, workspace, ending);
    await waitForPendingChildren(job, token);
    return ending.state;
  }

  for (;;) {
    const outcome = await runAgentSession(deps, job, run, await deps.store.requireAgent(agentId), workspace);
    const current = await deps.store.requireAgent(agentId);
    const { meaning } = outcome;
    if (meaning.kind === "shutdown") {
      // This worker is stopping: keep the work on the branch and let another worker resume.
      await checkpointWorkspace(workspace, current, `${current.name}: work in progress`);
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
    if (meaning.kind === "parked") {
      await park(deps, workspace, current, outcome.waitingFor ?? [], "asked");
    } else {
      const unfinished = (await deps.store.listChildren(agentId)).filter((child) => !isTerminal(child.state));
      if (meaning.state !== "succeeded" || unfinished.length === 0) {
        await finishAgent(deps, current, workspace, meaning);
        log.info({ state: meaning.state }, "agent ended");
        await waitForPendingChildren(job, token);
        return meaning.state;
      }
      // It answered while sub-agents still work: let them finish, then show it their results.
      await park(
        deps,
        workspace,
        current,
        unfinished.map((child) => child.id),
        "ended-early",
      );
    }
    // A waiting agent holds no slot of its repository: its sub-agents may need them.
    await slot.release();
    if (await job.moveToWaitingChildren(token ?? "")) throw new WaitingChildrenError();
    // Its children were already done: resume it at once, in this same job, once it has a slot.
    await slot.retake();
    await prepareResumeAfterWaiting(deps, await deps.store.requireAgent(agentId));
  }
}

/** Commits the agent's work, records what it waits for, and shows it as waiting. */
async function park(
  deps: Pick<Services, "store" | "reporter" | "log">,
  workspace: AgentWorkspace,
  agent: AgentRecord,
  waitingFor: string[],
  waitKind: "asked" | "ended-early",
): Promise<void> {
  const checkpoint = await checkpointWorkspace(
    workspace,
    agent,
    `${agent.name}: work in progress while waiting`,
  );
  await deps.store.updateAgent(agent.id, {
    state: "waiting",
    waitingFor,
    waitKind,
    pushedSha: checkpoint.pushedSha,
    currentStep: `waiting for ${waitingFor.length} sub-agent${waitingFor.length === 1 ? "" : "s"}`,
  });
  await deps.reporter.changed(targetsShowingAgent(agent));
  deps.log.info({ agentId: agent.id, waitingFor, waitKind }, "agent parked while its sub-agents work");
}

/** Builds the message the agent is resumed with: a bounded report of the children it waited for. */
async function prepareResumeAfterWaiting(
  deps: Pick<Services, "store">,
  agent: AgentRecord,
): Promise<AgentRecord> {
  const children = await deps.store.listChildren(agent.id);
  const awaited =
    agent.waitingFor.length === 0 ? children : children.filter((c) => agent.waitingFor.includes(c.id));
  const intro =
    agent.waitKind === "ended-early"
      ? "You gave your final answer while some of your sub-agents were still working. They have finished now. Review their outcomes below, integrate what is needed on your branch, and end with your final summary again."
      : "Your sub-agents have finished. Here is what each did; continue your task.";
  const message = childrenReport(intro, await childOutcomes(deps.store, awaited));
  await deps.store.updateAgent(agent.id, { pendingMessage: message, state: "running" });
  return deps.store.requireAgent(agent.id);
}

/** A job cannot complete while children it started are unfinished; wait for them without a slot. */
async function waitForPendingChildren(job: Job<AgentJobData>, token: string | undefined): Promise<void> {
  if (await job.moveToWaitingChildren(token ?? "")) throw new WaitingChildrenError();
}
