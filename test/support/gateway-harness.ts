// One model gateway per test, between a real HTTP client and a stub upstream that replays recorded
// Messages API answers, with budgets in a real Redis: what test/gateway/gateway-*.test.ts share.
// The bindings below are live: each test sees the gateway and the events of its own run.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import type { GatewayAgentHooks } from "../../src/gateway/agent-tokens.ts";
import type { ChargeEvent, ToolHandler, TrafficEvent } from "../../src/gateway/gateway-types.ts";
import { apiOverheadTokens } from "../../src/gateway/input-bound.ts";
import type { RequestPolicy } from "../../src/gateway/request-policy.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { useTestRedis } from "./test-redis.ts";
import { UpstreamStub } from "./upstream-stub.ts";

export const realKey = "sk-ant-api03-REAL-upstream-key-do-not-leak";
export const installationId = 4242;
export const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));

export let budgets: BudgetStore;
export let runs: RunStore;
export let upstream: UpstreamStub;
export let gateway: AgentGateway;
export let charges: ChargeEvent[];
export let traffic: TrafficEvent[];
export let exhausted: string[];
export let toolCalls: { agentId: string; tool: string; input: unknown }[];
let agentCounter = 0;

/** Registers the hooks: a stub upstream per file, a fresh gateway with a recording tool handler per test. */
export function useGatewayHarness(): ReturnType<typeof useTestRedis> {
  const testRedis = useTestRedis();
  budgets = new BudgetStore(testRedis.redis, testRedis.keys);
  runs = new RunStore(testRedis.redis, testRedis.keys);
  beforeAll(async () => {
    upstream = new UpstreamStub();
    await upstream.start();
  });
  afterAll(async () => {
    await upstream.stop();
  });
  beforeEach(async () => {
    charges = [];
    traffic = [];
    exhausted = [];
    toolCalls = [];
    upstream.reset();
    gateway = startGateway({
      toolHandler: async (agentId, tool, input) => {
        toolCalls.push({ agentId, tool, input });
        return { text: `${tool} ok` };
      },
    });
    await gateway.start();
  });
  afterEach(() => gateway.stop());
  return testRedis;
}

/** A gateway on the stub upstream, recording charges and traffic. */
export function startGateway(
  options: {
    oauth?: boolean;
    toolHandler?: ToolHandler;
    maxRequestBytes?: number;
    policy?: RequestPolicy;
  } = {},
) {
  return new AgentGateway({
    upstream: {
      baseUrl: `${upstream.url}/`,
      apiKey: options.oauth ? undefined : realKey,
      oauthToken: options.oauth ? "sk-ant-oat01-REAL-oauth-token" : undefined,
    },
    ledger: budgets,
    onCharge: (event) => charges.push(event),
    onTraffic: (event) => traffic.push(event),
    ...(options.toolHandler === undefined ? {} : { toolHandler: options.toolHandler }),
    ...(options.maxRequestBytes === undefined ? {} : { maxRequestBytes: options.maxRequestBytes }),
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
}

/** Stops this test's gateway and starts `next` in its place. */
export async function replaceGateway(next: AgentGateway): Promise<void> {
  await gateway.stop();
  gateway = next;
  await gateway.start();
}

export async function newAgent(
  budgetTokens: number,
  spentTokens = 0,
  hooks: Pick<GatewayAgentHooks, "conversationKept"> = {},
): Promise<{ id: string; credential: AgentCredential }> {
  agentCounter += 1;
  const id = `rgateway/agent-${agentCounter}`;
  await runs.addAgent({
    id,
    runId: "rgateway",
    name: `agent-${agentCounter}`,
    depth: 0,
    task: "task",
    branch: `agents/${id}`,
    baseSha: "a".repeat(40),
    sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
    budgetTokens,
    maxTurns: 10,
    createdAt: 1,
  });
  if (spentTokens > 0)
    await budgets.settleCall(id, undefined, { tokens: spentTokens, costUsd: 0, answered: false });
  const credential = gateway.register(
    { id, installationId },
    { onBudgetExhausted: (agentId) => exhausted.push(agentId), ...hooks },
  );
  return { id, credential };
}

export function messagesBody(maxTokens = 64_000, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: "claude-opus-4-7",
    max_tokens: maxTokens,
    stream: true,
    messages: [{ role: "user", content: "Hello" }],
    ...extra,
  });
}

export function post(
  credential: AgentCredential,
  path: string,
  body: string,
  headers: Record<string, string> = {},
) {
  return fetch(`${credential.baseUrl}${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-api-key": credential.token,
      "anthropic-version": "2023-06-01",
      "anthropic-beta": "claude-code-20250219,interleaved-thinking-2025-05-14",
      ...headers,
    },
    body,
  });
}

export async function spent(agentId: string) {
  return (await budgets.snapshot(agentId))!;
}

/** The gateway's bound of a request's input: its bytes plus the API's own additions. */
export function boundOf(body: string): number {
  return Buffer.byteLength(body) + apiOverheadTokens;
}

export const countAnswer = (inputTokens: number) => ({
  body: JSON.stringify({ input_tokens: inputTokens }),
  headers: { "content-type": "application/json" },
});

/** An answer whose text is `textChars` long, as the API streams it (see docs-basic-text.sse). */
export function streamedAnswer(textChars: number): { body: string; stopAt: number; beforeStop: number } {
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-opus-4-7","stop_reason":null,"usage":{"input_tokens":300,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"${"x".repeat(textChars)}"}}\n\n`,
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
  ];
  const stop =
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":700}}\n\n';
  const beforeStop = Buffer.byteLength(events.join(""));
  const body = `${events.join("")}${stop}event: message_stop\ndata: {"type":"message_stop"}\n\n`;
  return { body, stopAt: beforeStop + Buffer.byteLength(stop), beforeStop };
}
