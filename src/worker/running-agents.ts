// The agents running in this worker process, so that a cancel, a spent budget or a shutdown can
// reach the right `claude` process.
import type { AgentProcess, StopReason } from "../agent/agent-process.ts";

export class RunningAgents {
  private readonly processes = new Map<string, AgentProcess>();
  private closing = false;

  /** Registers a started agent; during shutdown it is handed back at once. */
  add(agentId: string, agentProcess: AgentProcess): void {
    this.processes.set(agentId, agentProcess);
    if (this.closing) void agentProcess.stop("shutdown");
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Hands every running agent back to the queue, and any agent started from now on. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await this.stopAll("shutdown");
  }

  remove(agentId: string, agentProcess: AgentProcess): void {
    if (this.processes.get(agentId) === agentProcess) this.processes.delete(agentId);
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
}
