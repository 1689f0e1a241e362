// Runs one `claude` process for an agent: the first prompt of a new session, or the next message
// of the same session (after a restart, after its sub-agents finished, after more budget). The
// process gets its own environment, its own model token and Flotilla's tools, and is stopped at
// once when its time is up or someone asks (cancel, budget, park, shutdown).
import { buildAgentEnvironment } from "../agent/agent-environment.ts";
import { AgentProcess } from "../agent/agent-process.ts";
import {
  firstPrompt,
  restartWithoutSessionMessage,
  resumeAfterInterruptionMessage,
} from "../agent/agent-prompt.ts";
import {
  type AgentSandbox,
  agentDirOf,
  agentSandboxView,
  agentWorkingDirectory,
  type Isolation,
} from "../agent/agent-sandbox.ts";
import { buildClaudeArguments } from "../agent/claude-arguments.ts";
import { integratorPrompt } from "../agent/integrator-prompt.ts";
import { reviewCommentContext } from "../agent/review-context.ts";
import { createRunningAgentContext, type RunningAgentContext } from "../agent/running-agents.ts";
import { restoreSession, saveSession, saveSessionAfterPush } from "../agent/session-checkpoint.ts";
import type { AgentJob } from "../queue/agent-job-consumer.ts";
import { targetsShowingAgent } from "../reporter/report-targets.ts";
import type { Services } from "../services.ts";
import type { AgentRecord, RunRecord } from "../store/records.ts";
import { type AgentWorkspace, type Checkpoint, checkpointWorkspace } from "../workspace/agent-workspace.ts";
import { scheduleCheckpoints } from "./checkpoint-schedule.ts";
import { classifyExit, type ExitMeaning } from "./classify-exit.ts";
import { LiveEventPublisher } from "./live-event-publisher.ts";
import { ProgressRecorder } from "./progress-recorder.ts";
import { recordChildMerges } from "./record-child-merges.ts";
import { SessionKeeper } from "./session-keeper.ts";
import { flotillaToolNames, writeMcpConfig } from "./tools/mcp-config.ts";

type SessionServices = Pick<
  Services,
  | "config"
  | "store"
  | "sessions"
  | "events"
  | "reporter"
  | "metrics"
  | "modelAccess"
  | "runningAgents"
  | "sandbox"
  | "log"
>;

export interface SessionOutcome {
  meaning: ExitMeaning;
  /** The children the agent asked to wait for, when it parked. */
  waitingFor: string[] | undefined;
  /** The agent asked wait_for_agents not to merge its children's branches. */
  mergeDeclined: boolean;
  /**
   * The checkpoint made once the CLI and everything it started had ended, so nothing has changed
   * the worktree since: the finish that follows needs no other. Undefined when it failed.
   */
  exitCheckpoint: Checkpoint | undefined;
}

export async function runAgentSession(
  deps: SessionServices,
  job: AgentJob,
  run: RunRecord,
  startingAgent: AgentRecord,
  workspace: AgentWorkspace,
): Promise<SessionOutcome> {
  let agent = startingAgent;
  const cwd = agentWorkingDirectory(deps.sandbox, workspace.paths.worktree);
  const session = await ensureResumableSession(deps, agent, workspace, cwd);
  agent = session.agent;
  const message = messageFor(session, run, cwd);
  const context = createRunningAgentContext(job, workspace);
  const sessionKeeper = new SessionKeeper({
    // A session this host still had may remember work its worktree holds uncommitted (a worker
    // that died here): that work is pushed before the session is saved, or the saved session
    // could be ahead of the branch. Any other session is saved as it is: this process has run
    // nothing yet when it is first saved.
    save:
      session.copy === "present"
        ? async () => {
            await checkpointWhileRunning(deps, agent, context, cwd);
            return true;
          }
        : () => saveSession(deps.sessions, agent.id, agent.sessionId, workspace.paths, cwd),
    onError: (error) =>
      deps.log.warn({ err: error, agentId: agent.id }, "could not save the agent's session; trying again"),
    onGiveUp: () =>
      deps.log.warn(
        { agentId: agent.id },
        "the CLI wrote no session file in time: the agent's model calls go ahead before its session is kept",
      ),
  });
  const modelAccess = await deps.modelAccess.grant(agent, {
    conversationKept: async () => {
      const heldSince = Date.now();
      await sessionKeeper.untilSaved();
      const heldMs = Date.now() - heldSince;
      deps.metrics.sessionKeepWaited(heldMs);
      deps.log.info({ heldMs }, "agent's session kept: its model calls go ahead");
    },
  });
  await writeMcpConfig(workspace.paths.mcpConfig, {
    gatewayUrl: modelAccess.baseUrl,
    agentToken: modelAccess.apiKey,
  });
  const recorder = new ProgressRecorder(
    {
      store: deps.store,
      agentId: agent.id,
      onFlushed: () => void deps.reporter.changed(targetsShowingAgent(agent)),
      onWriteError: (error) => {
        deps.metrics.error("progress");
        deps.log.error({ err: error, agentId: agent.id }, "could not record progress");
      },
      live: new LiveEventPublisher({
        log: deps.events,
        agentId: agent.id,
        onError: (error) => deps.log.warn({ err: error, agentId: agent.id }, "could not publish live events"),
      }),
    },
    agent.recentTools,
  );
  await deps.store.updateAgent(agent.id, { state: "running", currentStep: "starting claude" });
  await deps.reporter.changed(targetsShowingAgent(agent));
  const startedAt = Date.now();
  const agentProcess = await AgentProcess.start({
    claudePath: deps.config.claudePath,
    args: buildClaudeArguments({
      message,
      sessionId: agent.sessionId,
      resume: session.copy !== "missing",
      allowedTools: [...run.limits.allowedTools, ...flotillaToolNames],
      // The CLI counts turns per invocation; the agent's limit covers all of them (the gateway's
      // count of answered calls, which also refuses a call past the limit).
      maxTurns: Math.max(1, agent.maxTurns - agent.turns),
      model: agent.model ?? run.limits.model,
      mcpConfigPath: workspace.paths.mcpConfig,
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
    isolation: isolationFor(deps.sandbox, workspace),
  });
  deps.log.info({ pid: agentProcess.pid }, "agent's claude started");
  deps.runningAgents.add(agent.id, agentProcess, context);
  // A cancel published while the agent was being prepared found no process to stop.
  if ((await deps.store.requireAgent(agent.id)).cancelRequested) await agentProcess.stop("cancelled");
  const timeout = setTimeout(
    () => void agentProcess.stop("timed_out"),
    Math.max(1_000, run.limits.timeoutMs - agent.activeMs),
  );
  const stopCheckpoints = scheduleCheckpoints({
    saveSession: () => sessionKeeper.saveOnce(),
    checkpoint: async () => {
      await checkpointWhileRunning(deps, agent, context, cwd);
    },
    intervalMs: deps.config.checkpointIntervalMs,
    onError: (error) =>
      deps.log.warn({ err: error, agentId: agent.id }, "periodic checkpoint failed; will try again"),
  });
  let ended: Omit<SessionOutcome, "exitCheckpoint">;
  let exitCheckpoint: Checkpoint | undefined;
  try {
    const exit = await agentProcess.exited;
    deps.log.info({ exitCode: exit.exitCode, signal: exit.signal }, "agent's claude exited");
    // Its calls still in flight are settled first, so the turns read below include them.
    const calls = await deps.modelAccess.revoke(agent);
    await recorder.flush();
    if (agent.pendingMessage !== undefined && recorder.sessionConfirmed) {
      await deps.store.clearAgentFields(agent.id, ["pendingMessage"]);
    }
    const { turns } = await deps.store.requireAgent(agent.id);
    ended = {
      meaning: classifyExit(exit, calls, { used: turns, max: agent.maxTurns }),
      waitingFor: context.waitingFor,
      mergeDeclined: context.mergeDeclined ?? false,
    };
  } finally {
    clearTimeout(timeout);
    sessionKeeper.stop();
    await stopCheckpoints();
    // The session with its last turns is saved only with the work they did: a push first. A
    // refused push (a workflow file) is the ending's to report; the earlier saved session stays.
    exitCheckpoint = await checkpointWhileRunning(deps, agent, context, cwd).catch((error: unknown) => {
      deps.log.warn({ err: error, agentId: agent.id }, "could not save the agent's session");
      return undefined;
    });
    deps.runningAgents.remove(agent.id, agentProcess);
    await deps.modelAccess.revoke(agent);
    await deps.store.updateAgent(agent.id, { activeMs: agent.activeMs + (Date.now() - startedAt) });
  }
  return { ...ended, exitCheckpoint };
}

/** The prompt a new session starts with: the task, or for an integrating root the conflicts to resolve. */
function firstMessageOf(run: RunRecord, agent: AgentRecord, cwd: string): string {
  const place = {
    agentName: agent.name,
    repositoryFullName: `${run.owner}/${run.repo}`,
    worktree: cwd,
    branch: agent.branch,
    requestedBy: run.commenter,
    requestUrl: run.commentUrl,
    extraInstructions: run.limits.extraInstructions,
  };
  if (agent.role === "integrator")
    return integratorPrompt({
      ...place,
      issueNumber: run.issueNumber,
      task: agent.task,
      report: agent.pendingMessage ?? "",
    });
  return firstPrompt({
    ...place,
    agentId: agent.id,
    task: agent.task,
    canSpawn: true,
    context:
      agent.parentId === undefined && run.reviewLocation !== undefined
        ? reviewCommentContext(run.reviewLocation)
        : undefined,
  });
}

/** A fresh session after an over-long conversation starts with the handoff of the work so far. */
function withHandoff(agent: AgentRecord, prompt: string): string {
  return agent.handoff === undefined ? prompt : `${prompt}\n\n${agent.handoff}`;
}

interface SessionToRun {
  agent: AgentRecord;
  /** Where the CLI finds the session to resume, or that none survived. */
  copy: "present" | "restored" | "missing";
}

/**
 * A session that was started must be resumed from its file; one the CLI created before a crash
 * let Flotilla record it must be resumed too (`--session-id` would fail: "already in use").
 */
async function ensureResumableSession(
  deps: Pick<Services, "store" | "sessions" | "log">,
  agent: AgentRecord,
  workspace: AgentWorkspace,
  cwd: string,
): Promise<SessionToRun> {
  const copy = await restoreSession(deps.sessions, agent.id, agent.sessionId, workspace.paths, cwd);
  if (copy !== "missing" && !agent.sessionStarted) {
    await deps.store.updateAgent(agent.id, { sessionStarted: true });
    return { agent: await deps.store.requireAgent(agent.id), copy };
  }
  if (copy === "missing" && agent.sessionStarted) {
    deps.log.warn(
      { runId: agent.runId, agentId: agent.id },
      "no copy of the agent's session survived; it starts its session again on its branch",
    );
  }
  return { agent, copy };
}

/**
 * What the CLI is told: the next message of a resumed session; the first prompt of a new one; or,
 * when no copy of a started session survived (a host lost before its first save), the first prompt
 * again under the same session id with word of the restart and whatever message was waiting. The
 * session id stays the agent's one: the new conversation is saved where the old one would have been.
 */
function messageFor(session: SessionToRun, run: RunRecord, cwd: string): string {
  const { agent, copy } = session;
  if (copy !== "missing") return agent.pendingMessage ?? resumeAfterInterruptionMessage;
  const first = withHandoff(agent, firstMessageOf(run, agent, cwd));
  if (!agent.sessionStarted) return first;
  // An integrator's waiting message is its report, already in its first prompt.
  const waiting = agent.role === "integrator" ? undefined : agent.pendingMessage;
  return [first, restartWithoutSessionMessage, ...(waiting === undefined ? [] : [waiting])].join("\n\n");
}

/**
 * Commits and pushes work in progress, so a crash loses little, and saves the session as it was
 * before the commit: what the saved session remembers doing is then in the pushed work (a host
 * that resumes it may find more work than the session recalls, never less).
 */
async function checkpointWhileRunning(
  deps: Pick<Services, "store" | "sessions">,
  agent: AgentRecord,
  context: RunningAgentContext,
  cwd: string,
): Promise<Checkpoint> {
  // A checkpoint with nothing new to commit pushes nothing (the exit's checkpoint after a final
  // answer that changed no file, say): its session is then saved at once.
  const { pushedSha } = await deps.store.requireAgent(agent.id);
  const checkpoint = await saveSessionAfterPush(
    deps.sessions,
    agent.id,
    agent.sessionId,
    context.workspace.paths,
    cwd,
    () =>
      context.withWorktree(() =>
        checkpointWorkspace(context.workspace, agent, `${agent.name}: work in progress (checkpoint)`, {
          pushedSha,
        }),
      ),
  );
  if (checkpoint.pushedSha !== undefined)
    await deps.store.updateAgent(agent.id, { pushedSha: checkpoint.pushedSha });
  await recordChildMerges(deps.store, agent.id, checkpoint.recordedMerges);
  return checkpoint;
}

/** The agent's own places are all it can write in its sandbox; everything secret of the host is hidden. */
function isolationFor(sandbox: AgentSandbox, workspace: AgentWorkspace): Isolation {
  if (sandbox.kind === "off") return { sandbox };
  const view = agentSandboxView(sandbox.host, {
    agentDir: agentDirOf(workspace.paths.home),
    worktree: workspace.paths.worktree,
    mirrorDir: workspace.mirrorDir,
    mcpConfig: workspace.paths.mcpConfig,
  });
  return { sandbox, view };
}
