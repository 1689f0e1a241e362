// The per-agent tokens a gateway accepts. They exist only in this process's memory: a token is
// valid from the agent's start until it is unregistered (the agent's run ended) or the worker
// process dies, and it is worth nothing anywhere else.
import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export interface GatewayAgent {
  id: string;
  installationId: number;
}

export interface GatewayAgentHooks {
  /** The agent has no budget left: stop it at once. Called at most once per registration. */
  onBudgetExhausted(agentId: string): void;
}

export interface Registration {
  readonly agent: GatewayAgent;
  readonly hooks: GatewayAgentHooks;
  /** Charges still being written; a new call waits for them, so it sees the spend before it. */
  readonly pendingCharges: Set<Promise<unknown>>;
  /** Output tokens promised to calls in flight (their capped max_tokens), not yet charged. */
  inFlightTokens: number;
  exhaustionReported: boolean;
}

export const agentTokenPrefix = "flt_";

export class AgentTokens {
  private readonly byToken = new Map<string, Registration>();

  issue(agent: GatewayAgent, hooks: GatewayAgentHooks): string {
    const token = `${agentTokenPrefix}${randomBytes(32).toString("base64url")}`;
    this.byToken.set(token, {
      agent: { ...agent },
      hooks,
      pendingCharges: new Set(),
      inFlightTokens: 0,
      exhaustionReported: false,
    });
    return token;
  }

  revoke(token: string): void {
    this.byToken.delete(token);
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
