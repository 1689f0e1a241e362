// Model access through this worker's gateway: each run of an agent gets a fresh token that the
// gateway maps to the agent, and loses it when the run ends. The real key never leaves the
// worker; spend and turns are charged exactly by the gateway, and its record of the agent's calls
// is what the worker judges the run by.
import type { ModelAccess } from "../agent/agent-environment.ts";
import type { GrantOptions, ModelAccessProvider } from "../agent/model-access-provider.ts";
import type { AgentGateway } from "../gateway/agent-gateway.ts";
import type { ModelCallSummary } from "../gateway/model-call-record.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { AgentRecord } from "../store/records.ts";
import type { RunStore } from "../store/run-store.ts";

export class GatewayModelAccess implements ModelAccessProvider {
  private readonly gateway: AgentGateway;
  private readonly store: RunStore;
  private readonly budgets: BudgetStore;
  private readonly onBudgetExhausted: (agentId: string) => void;
  private readonly tokensByAgent = new Map<string, string>();

  constructor(
    gateway: AgentGateway,
    store: RunStore,
    budgets: BudgetStore,
    onBudgetExhausted: (agentId: string) => void,
  ) {
    this.gateway = gateway;
    this.store = store;
    this.budgets = budgets;
    this.onBudgetExhausted = onBudgetExhausted;
  }

  async grant(agent: AgentRecord, options: GrantOptions = {}): Promise<ModelAccess> {
    const run = await this.store.requireRun(agent.runId);
    await this.revoke(agent);
    // This worker runs the agent now: a call reservation still held is a dead worker's.
    await this.budgets.dropCallReservations(agent.id);
    const credential = this.gateway.register(
      { id: agent.id, installationId: run.installationId },
      { onBudgetExhausted: this.onBudgetExhausted, ...options },
    );
    this.tokensByAgent.set(agent.id, credential.token);
    return { baseUrl: credential.baseUrl, apiKey: credential.token };
  }

  async revoke(agent: AgentRecord): Promise<ModelCallSummary | undefined> {
    const token = this.tokensByAgent.get(agent.id);
    if (token === undefined) return undefined;
    this.tokensByAgent.delete(agent.id);
    return this.gateway.unregister(token);
  }
}
