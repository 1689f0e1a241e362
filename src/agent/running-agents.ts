// The agents running in this worker process, so that a cancel, a spent budget, a park or a
// shutdown can reach the right `claude` process, and so that the agent's own tools (served by
// this process) can reach its job and worktree.

import type { AgentJob } from "../queue/agent-job-consumer.ts";
import type { AgentWorkspace } from "../workspace/agent-workspace.ts";
import type { AgentProcess, StopReason } from "./agent-process.ts";

/** What an agent's tools need from the job that runs it. */
export interface RunningAgentContext {
  job: AgentJob;
  workspace: AgentWorkspace;
  /** Runs git work in the agent's worktree one at a time (parallel tool calls commit too). */
  withWorktree<T>(work: () => Promise<T>): Promise<T>;
  /** The children the agent asked to wait for, once it asked. */
  waitingFor?: string[] | undefined;
  /** Set when the agent asked wait_for_agents not to merge its children's branches. */
  mergeDeclined?: boolean | undefined;
}

export function createRunningAgentContext(job: AgentJob, workspace: AgentWorkspace): RunningAgentContext {
  let chain: Promise<unknown> = Promise.resolve();
  return {
    job,
    workspace,
    withWorktree: <T>(work: () => Promise<T>): Promise<T> => {
      const next = chain.then(work, work);
      chain = next.catch(() => undefined);
      return next;
    },
  };
}

export class RunningAgents {
  private readonly processes = new Map<string, AgentProcess>();
  private readonly contexts = new Map<string, RunningAgentContext>();
  private closing = false;

  /** Registers a started agent; during shutdown it is handed back at once. */
  add(agentId: string, agentProcess: AgentProcess, context?: RunningAgentContext): void {
    this.processes.set(agentId, agentProcess);
    if (context !== undefined) this.contexts.set(agentId, context);
    if (this.closing) void agentProcess.stop("shutdown");
  }

  remove(agentId: string, agentProcess: AgentProcess): void {
    if (this.processes.get(agentId) !== agentProcess) return;
    this.processes.delete(agentId);
    this.contexts.delete(agentId);
  }

  context(agentId: string): RunningAgentContext | undefined {
    return this.contexts.get(agentId);
  }

  has(agentId: string): boolean {
    return this.processes.has(agentId);
  }

  ids(): string[] {
    return [...this.processes.keys()];
  }

  get size(): number {
    return this.processes.size;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Stops one agent if it runs here; returns whether it did. */
  async stop(agentId: string, reason: StopReason): Promise<boolean> {
    const agentProcess = this.processes.get(agentId);
    if (agentProcess === undefined) return false;
    await agentProcess.stop(reason);
    return true;
  }

  async stopAll(reason: StopReason): Promise<void> {
    await Promise.all([...this.processes.values()].map((agentProcess) => agentProcess.stop(reason)));
  }

  /** Hands every running agent back to the queue, and any agent started from now on. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await this.stopAll("shutdown");
  }
}
