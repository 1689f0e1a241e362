// One BullMQ job = one agent's next stretch of work: prepare its worktree, run `claude` (a new
// session, or the same session resumed), then finish it, park it while its children work, or
// hand it back. The job is resumable from the top: everything it needs to continue is in the
// agent's record and on its branch.
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import { checkpointWorkspace, prepareAgentWorkspace } from "../workspace/agent-workspace.ts";
import { contextOverflowFailure, maxContextResets, startFreshSession } from "./context-overflow.ts";
import { type Ending, finishAgent, targetsOfEndedAgent } from "./finish-agent.ts";
import { integrateWithoutModel } from "./integrate-without-model.ts";
import { mayCallModel } from "./integrator-step.ts";
import { planModelWait } from "./model-wait.ts";
import { park, prepareResumeAfterWaiting } from "./park-for-children.ts";
import {
  holdWhileModelUnavailable,
  isWaitingForModel,
  parkForModel,
  prepareResumeAfterModel,
} from "./park-for-model.ts";
import { type RepositorySlot, takeRepositorySlot } from "./repository-slot.ts";
import { repositorySource } from "./repository-source.ts";
import { runAgentSession } from "./run-agent-session.ts";
import { parkUnderChildren } from "./unstarted-children.ts";

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
  | "queue"
  | "metrics"
  | "modelAccess"
  | "runningAgents"
  | "sandbox"
  | "log"
>;

export async function processAgentJob(workerDeps: AgentJobServices, job: AgentJob): Promise<string> {
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
    await parkUnderChildren(deps, job);
    return `agent already ${agent.state}`;
  }
  const run = await deps.store.requireRun(agent.runId);
  if (agent.cancelRequested) {
    await finishAgent(deps, agent, undefined, {
      state: "cancelled",
      resultText: "",
      error: "cancelled on request",
    });
    await parkUnderChildren(deps, job);
    return "cancelled";
  }
  // A worker may have died between parking the agent and handing its job to BullMQ.
  if (agent.state === "waiting" && !isWaitingForModel(agent)) await parkUnderChildren(deps, job);
  // Parked for the model, or the account is rate limited: wait without a slot. An integrating
  // root has no use for the model until a merge conflicts: it merges meanwhile.
  if (mayCallModel(agent)) await holdWhileModelUnavailable(deps, job, agent);
  // The repository's concurrency limit: without a free slot the job is delayed, not failed.
  const slot = await takeRepositorySlot(deps, job, run, agent);
  try {
    return await runWithSlot(deps, job, run, agent, slot);
  } finally {
    await slot.release();
  }
}

async function runWithSlot(
  deps: AgentJobServices,
  job: AgentJob,
  run: RunRecord,
  startingAgent: AgentRecord,
  slot: RepositorySlot,
): Promise<string> {
  const agentId = startingAgent.id;
  const { log } = deps;
  let agent = startingAgent;
  let resumingFromChildren = false;
  if (isWaitingForModel(agent)) agent = await prepareResumeAfterModel(deps, agent);
  else if (agent.state === "waiting") resumingFromChildren = true;

  await deps.store.updateAgent(agentId, {
    // A parent resuming from its children stays waiting until their branches are merged into its
    // worktree and its report is ready: a worker that dies before then resumes it the same way.
    ...(resumingFromChildren
      ? { currentStep: "merging its sub-agents' branches" }
      : { state: "preparing", currentStep: "preparing its worktree" }),
    host: deps.config.workerHostName,
    startedAt: agent.startedAt ?? Date.now(),
  });
  await deps.reporter.changed(targetsShowingAgent(agent), { urgent: agent.state === "queued" });
  const workspace = await prepareAgentWorkspace(
    {
      dataDir: deps.config.dataDir,
      sourceOf: (of) => repositorySource(deps, of),
      worktreePool: deps.config.worktreePool,
    },
    run,
    agent,
  );
  log.info({ origin: workspace.origin, worktree: workspace.paths.worktree }, "agent workspace ready");
  if (resumingFromChildren) agent = await prepareResumeAfterWaiting(deps, agent, workspace);

  if (agent.state === "finishing" && agent.ending !== undefined) {
    // A worker died while finishing this agent: finish it again (every step is idempotent).
    const result = await deps.store.readResult(agentId, 0, Number.MAX_SAFE_INTEGER);
    const ending: Ending = { ...agent.ending, resultText: result?.text ?? "" };
    await finishAgent(deps, agent, workspace, ending);
    await parkUnderChildren(deps, job);
    return ending.state;
  }

  for (;;) {
    // An integrating root merges its children's work and ends without the model, unless a merge conflicted.
    const integrated = await integrateWithoutModel(deps, job, run, workspace, agentId, slot);
    if (integrated !== undefined) return integrated;
    const outcome = await runAgentSession(deps, job, run, await deps.store.requireAgent(agentId), workspace);
    const current = await deps.store.requireAgent(agentId);
    const { meaning } = outcome;
    if (meaning.kind === "shutdown") {
      // This worker is stopping: keep the work on the branch and let another worker resume.
      await checkpointWorkspace(workspace, current, `${current.name}: work in progress`);
      return job.postpone(Date.now());
    }
    if (meaning.kind === "context_overflow") {
      if (current.contextResets < maxContextResets) {
        await startFreshSession(deps, workspace, current, meaning.trouble);
        continue;
      }
      const ending: Ending = {
        state: "failed",
        resultText: "",
        error: contextOverflowFailure(meaning.trouble),
      };
      await finishAgent(deps, current, workspace, ending);
      await parkUnderChildren(deps, job);
      return ending.state;
    }
    if (meaning.kind === "model_wait") {
      const plan = planModelWait(
        meaning.trouble,
        current,
        meaning.answered,
        deps.config.modelWaitMaxMs,
        Date.now(),
      );
      if (!plan.resume) {
        await finishAgent(deps, current, workspace, { state: "failed", resultText: "", error: plan.reason });
        await parkUnderChildren(deps, job);
        return "failed";
      }
      await parkForModel(deps, workspace, current, plan);
      // Like a parent waiting for its children: no repository slot and no worker slot meanwhile.
      await slot.release();
      return job.postpone(plan.resumeAt);
    }
    if (meaning.kind === "parked") {
      await park(deps, workspace, current, outcome.waitingFor ?? [], "asked", outcome.mergeDeclined);
    } else {
      const unfinished = (await deps.store.listChildren(agentId)).filter((child) => !isTerminal(child.state));
      if (meaning.state !== "succeeded" || unfinished.length === 0) {
        await finishAgent(deps, current, workspace, meaning, outcome.exitCheckpoint);
        log.info({ state: meaning.state }, "agent ended");
        await parkUnderChildren(deps, job);
        return meaning.state;
      }
      // It answered while sub-agents still work: let them finish, then show it their results.
      await park(
        deps,
        workspace,
        current,
        unfinished.map((child) => child.id),
        "ended-early",
        false,
      );
    }
    // A waiting agent holds no slot of its repository: its sub-agents may need them.
    await slot.release();
    await parkUnderChildren(deps, job);
    // Its children were already done: resume it at once, in this same job, once it has a slot.
    await slot.retake();
    await prepareResumeAfterWaiting(deps, await deps.store.requireAgent(agentId), workspace);
  }
}
