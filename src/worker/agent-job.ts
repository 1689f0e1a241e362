// One BullMQ job = one agent's next stretch of work: prepare its worktree, run `claude` (a new
// session, or the same session resumed), then finish it or hand it back. The job is resumable
// from the top: everything it needs to continue is in the agent's record and on its branch.
import { DelayedError, type Job } from "bullmq";
import { buildAgentEnvironment } from "../agent/agent-environment.ts";
import { AgentProcess } from "../agent/agent-process.ts";
import { firstPrompt, resumeAfterInterruptionMessage } from "../agent/agent-prompt.ts";
import { buildClaudeArguments } from "../agent/claude-arguments.ts";
import type { AgentJobData } from "../queue/agent-queue.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import { type AgentRecord, isTerminal, type RunRecord } from "../store/records.ts";
import { type AgentWorkspace, checkpointWorkspace, prepareAgentWorkspace } from "./agent-workspace.ts";
import { classifyExit, type ExitMeaning } from "./classify-exit.ts";
import { finishAgent } from "./finish-agent.ts";
import { ProgressRecorder } from "./progress-recorder.ts";
import type { WorkerDependencies } from "./worker-dependencies.ts";

export async function processAgentJob(
  deps: WorkerDependencies,
  job: Job<AgentJobData>,
  token: string | undefined,
): Promise<string> {
  const { agentId, generation } = job.data;
  const agent = await deps.store.requireAgent(agentId);
  if (isTerminal(agent.state) || generation < agent.generation) return `agent already ${agent.state}`;
  const run = await deps.store.requireRun(agent.runId);
  const log = deps.log.child({ runId: run.id, agentId });

  if (agent.cancelRequested) {
    await finishAgent(deps, agent, undefined, {
      state: "cancelled",
      resultText: "",
      error: "cancelled on request",
    });
    return "cancelled";
  }

  await deps.store.updateAgent(agentId, {
    state: "preparing",
    currentStep: "preparing its worktree",
    startedAt: agent.startedAt ?? Date.now(),
  });
  await deps.reporter.changed(targetsShowingAgent(agent), { urgent: agent.state === "queued" });
  const workspace = await prepareAgentWorkspace(deps, run, agent);
  log.info({ origin: workspace.origin, worktree: workspace.paths.worktree }, "agent workspace ready");

  const meaning = await runSession(deps, run, await deps.store.requireAgent(agentId), workspace);
  const current = await deps.store.requireAgent(agentId);
  switch (meaning.kind) {
    case "ended":
      await finishAgent(deps, current, workspace, meaning);
      log.info({ state: meaning.state }, "agent ended");
      return meaning.state;
    case "shutdown":
      // This worker is stopping: keep the work on the branch and let another worker resume.
      await checkpointWorkspace(workspace, current, `${current.name}: work in progress`);
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    case "parked":
      throw new Error("Parking an agent needs the spawn tools, which this worker does not offer yet.");
  }
}

async function runSession(
  deps: WorkerDependencies,
  run: RunRecord,
  agent: AgentRecord,
  workspace: AgentWorkspace,
): Promise<ExitMeaning> {
  const message = agent.sessionStarted
    ? (agent.pendingMessage ?? resumeAfterInterruptionMessage)
    : firstPrompt({
        agentName: agent.name,
        agentId: agent.id,
        repositoryFullName: `${run.owner}/${run.repo}`,
        worktree: workspace.paths.worktree,
        branch: agent.branch,
        task: agent.task,
        requestedBy: run.commenter,
        requestUrl: run.commentUrl,
        canSpawn: false,
        extraInstructions: run.limits.extraInstructions,
      });
  const modelAccess = await deps.modelAccess.grant(agent);
  const recorder = new ProgressRecorder(
    {
      store: deps.store,
      agentId: agent.id,
      countStreamUsage: !deps.modelAccess.chargesSpend,
      onFlushed: () => void deps.reporter.changed(targetsShowingAgent(agent)),
      onWriteError: (error) => deps.log.error({ err: error, agentId: agent.id }, "could not record progress"),
    },
    agent.recentTools,
  );
  await deps.store.updateAgent(agent.id, { state: "running", currentStep: "starting claude" });
  await deps.reporter.changed(targetsShowingAgent(agent));
  const agentProcess = await AgentProcess.start({
    claudePath: deps.config.claudePath,
    args: buildClaudeArguments({
      message,
      sessionId: agent.sessionId,
      resume: agent.sessionStarted,
      allowedTools: run.limits.allowedTools,
      maxTurns: agent.maxTurns,
      model: agent.model ?? run.limits.model,
    }),
    cwd: workspace.paths.worktree,
    env: buildAgentEnvironment({
      home: workspace.paths.home,
      claudeConfigDir: workspace.paths.claudeConfigDir,
      tmpDir: workspace.paths.tmpDir,
      modelAccess,
    }),
    sessionId: agent.sessionId,
    claudeConfigDir: workspace.paths.claudeConfigDir,
    transcriptPath: workspace.paths.transcript,
    onEvent: (event) => recorder.record(event),
  });
  deps.runningAgents.add(agent.id, agentProcess);
  const elapsedMs = agent.startedAt === undefined ? 0 : Date.now() - agent.startedAt;
  const timeout = setTimeout(
    () => void agentProcess.stop("timed_out"),
    Math.max(1_000, run.limits.timeoutMs - elapsedMs),
  );
  try {
    const exit = await agentProcess.exited;
    await recorder.flush();
    if (agent.pendingMessage !== undefined && recorder.sessionConfirmed) {
      await deps.store.clearAgentFields(agent.id, ["pendingMessage"]);
    }
    return classifyExit(exit, agent.maxTurns);
  } finally {
    clearTimeout(timeout);
    deps.runningAgents.remove(agent.id, agentProcess);
    await deps.modelAccess.revoke(agent);
  }
}
