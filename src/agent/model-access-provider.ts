// How a worker hands each running agent a model credential of its own and takes it back: the
// contract the agent's session runs against, whatever serves it (worker/gateway-model-access.ts
// serves it through the worker's own gateway).
import type { ModelCallSummary } from "../gateway/model-call-record.ts";
import type { AgentRecord } from "../store/records.ts";
import type { ModelAccess } from "./agent-environment.ts";

export interface GrantOptions {
  /** Resolves once the agent's conversation is kept; its model calls wait for it (worker/session-keeper.ts). */
  conversationKept?(): Promise<void>;
}

/**
 * Hands each agent a model credential of its own, and takes it back when the agent stops. Spend
 * and turns are charged outside the agent, call by call, where the credential is checked.
 */
export interface ModelAccessProvider {
  grant(agent: AgentRecord, options?: GrantOptions): Promise<ModelAccess>;
  /** Takes the credential back; resolves with what was seen of the agent's model calls, if any. */
  revoke(agent: AgentRecord): Promise<ModelCallSummary | undefined>;
}
