// Model access through this worker's gateway: each run of an agent gets a fresh token that the
// gateway maps to the agent, and loses it when the run ends. The real key never leaves the
// worker; spend is charged exactly by the gateway, so the stream's usage is not counted.
import type { ModelAccess } from "../agent/agent-environment.ts";
import type { AgentGateway } from "../gateway/agent-gateway.ts";
import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";

/** Hands each agent a model credential of its own, and takes it back when the agent stops. */
export interface ModelAccessProvider {
  grant(agent: AgentRecord): Promise<ModelAccess>;
  revoke(agent: AgentRecord): Promise<void>;
  /** True when spend is charged exactly outside the agent (then the stream's usage is not counted). */
  readonly chargesSpend: boolean;
}

export class GatewayModelAccess implements ModelAccessProvider {
  readonly chargesSpend = true;
  private readonly gateway: AgentGateway;
  private readonly store: RunStore;
  private readonly onBudgetExhausted: (agentId: string) => void;
  private readonly tokensByAgent = new Map<string, string>();

  constructor(gateway: AgentGateway, store: RunStore, onBudgetExhausted: (agentId: string) => void) {
    this.gateway = gateway;
    this.store = store;
    this.onBudgetExhausted = onBudgetExhausted;
  }

  async grant(agent: AgentRecord): Promise<ModelAccess> {
    const run = await this.store.requireRun(agent.runId);
    await this.revoke(agent);
    const credential = this.gateway.register(
      { id: agent.id, installationId: run.installationId },
      { onBudgetExhausted: this.onBudgetExhausted },
    );
    this.tokensByAgent.set(agent.id, credential.token);
    return { baseUrl: credential.baseUrl, apiKey: credential.token };
  }

  async revoke(agent: AgentRecord): Promise<void> {
    const token = this.tokensByAgent.get(agent.id);
    if (token === undefined) return;
    this.gateway.unregister(token);
    this.tokensByAgent.delete(agent.id);
  }
}
