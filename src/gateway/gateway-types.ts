// What the gateway needs from the rest of Flotilla (a budget ledger) and what it reports back
// (charges and traffic, for metrics). BudgetStore is the ledger in production.
import type { Logger } from "pino";
import type { ToolAnswer } from "../agent-tools/flotilla-mcp-server.ts";
import type { ToolName } from "../agent-tools/flotilla-tools.ts";
import type { BudgetStore } from "../store/budget-store.ts";
import type { MessageUsage } from "./message-usage.ts";
import type { RequestPolicy } from "./request-policy.ts";
import type { UpstreamConfig } from "./upstream.ts";
import type { UpstreamTrouble } from "./upstream-trouble.ts";

type GatewayLedger = Pick<BudgetStore, "reserveCall" | "settleCall" | "chargeDaily">;

export interface ChargeEvent {
  agentId: string;
  installationId: number;
  model: string;
  usage: MessageUsage;
  /** Tokens charged against the budget: input + cache writes + output. */
  tokens: number;
  costUsd: number;
  /** False when the model was not in the price table and was priced as the most expensive. */
  priceKnown: boolean;
  /** True when the answer carried no usage (cut short, unreadable) and the charge is an estimate. */
  estimated: boolean;
  remainingTokens: number;
}

export interface TrafficEvent {
  agentId: string;
  installationId: number;
  endpoint: "messages" | "count_tokens";
  /** The status the agent received (the gateway's own refusals included). */
  status: number;
  requestBytes: number;
  responseBytes: number;
  durationMs: number;
}

/** A model call of an agent met trouble upstream (told once per call, as it happens). */
export interface UpstreamTroubleEvent {
  agentId: string;
  installationId: number;
  trouble: UpstreamTrouble;
}

/** Runs one of Flotilla's tools for the agent that called it (the worker's agent-tool handler). */
export type ToolHandler = (agentId: string, tool: ToolName, input: unknown) => Promise<ToolAnswer>;

export interface AgentGatewayOptions {
  upstream: UpstreamConfig;
  ledger: GatewayLedger;
  /** Runs the tools `POST /flotilla/mcp` offers authenticated agents; absent → 404. */
  toolHandler?: ToolHandler;
  onCharge?: (event: ChargeEvent) => void;
  onTraffic?: (event: TrafficEvent) => void;
  onUpstreamTrouble?: (event: UpstreamTroubleEvent) => void;
  log?: Logger;
  /** @defaultValue 32 MiB, the Messages API's own request limit */
  maxRequestBytes?: number;
  /** Betas and server tools agents may use. @defaultValue the pinned CLI's betas, no server tools */
  policy?: RequestPolicy;
  /** Model calls of one agent forwarded at once; more wait. @defaultValue 4 */
  callsPerAgent?: number;
  /** The smallest answer a call is lowered to before it is refused. @defaultValue 256 */
  minimumAnswerTokens?: number;
}
