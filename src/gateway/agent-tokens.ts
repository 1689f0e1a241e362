// The per-agent tokens a gateway accepts. They exist only in this process's memory: a token is
// valid from the agent's start until it is unregistered (the agent's run ended) or the worker
// process dies, and it is worth nothing anywhere else.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { CallSlots } from "./call-slots.ts";
import { ModelCallRecord } from "./model-call-record.ts";
import { ReservingCalls } from "./reserving-calls.ts";

export interface GatewayAgent {
  id: string;
  installationId: number;
}

export interface GatewayAgentHooks {
  /** The agent has no budget left: stop it at once. Called at most once per registration. */
  onBudgetExhausted(agentId: string): void;
  /**
   * Resolves once the agent's conversation is kept where another host can resume it; called at
   * its first model call, and every model call waits for it. A call the model read before then
   * could be lost with the host: the agent, started again, would make the model read its first
   * prompt twice. Absent: calls do not wait.
   */
  conversationKept?(): Promise<void>;
}

export interface Registration {
  readonly agent: GatewayAgent;
  readonly hooks: GatewayAgentHooks;
  /** What the gateway saw of this run's model calls (the worker reads it when the CLI exits). */
  readonly calls: ModelCallRecord;
  /** At most this many of the agent's calls are forwarded at once. */
  readonly slots: CallSlots;
  /** Calls being served now; unregistering waits for them to be settled. */
  readonly inFlight: Set<Promise<unknown>>;
  /** Aborted when the registration ends: calls still waiting or streaming stop. */
  readonly ended: AbortController;
  /** Calls holding or asking for a budget reservation, and those waiting for room. */
  readonly reserving: ReservingCalls;
  exhaustionReported: boolean;
  /** `hooks.conversationKept()`, asked once, at the first model call. */
  kept: Promise<void> | undefined;
}

const agentTokenPrefix = "flt_";

export class AgentTokens {
  private readonly byToken = new Map<string, Registration>();
  private readonly callsPerAgent: number;

  constructor(callsPerAgent: number) {
    this.callsPerAgent = callsPerAgent;
  }

  issue(agent: GatewayAgent, hooks: GatewayAgentHooks): string {
    const token = `${agentTokenPrefix}${randomBytes(32).toString("base64url")}`;
    this.byToken.set(token, {
      agent: { ...agent },
      hooks,
      calls: new ModelCallRecord(),
      slots: new CallSlots(this.callsPerAgent),
      inFlight: new Set(),
      ended: new AbortController(),
      reserving: new ReservingCalls(),
      exhaustionReported: false,
      kept: undefined,
    });
    return token;
  }

  /** Forgets the token (new calls are refused) and returns its registration, if it had one. */
  revoke(token: string): Registration | undefined {
    const registration = this.byToken.get(token);
    this.byToken.delete(token);
    return registration;
  }

  find(token: string | undefined): Registration | undefined {
    if (token === undefined || !token.startsWith(agentTokenPrefix)) return undefined;
    return this.byToken.get(token);
  }

  get size(): number {
    return this.byToken.size;
  }
}

/** The token a request presents, in `x-api-key` or as `Authorization: Bearer`. */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const apiKey = headers["x-api-key"];
  if (typeof apiKey === "string" && apiKey !== "") return apiKey;
  const match = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? "");
  return match?.[1];
}
