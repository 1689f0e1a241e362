// The gateway between a real HTTP client and a stub upstream that replays recorded Messages API
// answers, with budgets in a real Redis.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import type { ChargeEvent, ToolHandler, TrafficEvent } from "../../src/gateway/gateway-types.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { createTestRedis, type TestRedis } from "../support/test-redis.ts";
import { UpstreamStub } from "../support/upstream-stub.ts";
import { waitFor } from "../support/wait-for.ts";

const realKey = "sk-ant-api03-REAL-upstream-key-do-not-leak";
const installationId = 4242;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));

let testRedis: TestRedis;
let budgets: BudgetStore;
let runs: RunStore;
let upstream: UpstreamStub;
let gateway: AgentGateway;
let charges: ChargeEvent[];
let traffic: TrafficEvent[];
let exhausted: string[];
let toolCalls: { agentId: string; tool: string; input: unknown }[];
let agentCounter = 0;

function startGateway(
  options: { oauth?: boolean; toolHandler?: ToolHandler; maxRequestBytes?: number } = {},
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
  });
}

beforeAll(async () => {
  testRedis = createTestRedis();
  budgets = new BudgetStore(testRedis.redis, testRedis.keys);
  runs = new RunStore(testRedis.redis, testRedis.keys);
  upstream = new UpstreamStub();
  await upstream.start();
});
afterAll(async () => {
  await upstream.stop();
  await testRedis.cleanup();
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
      return { status: 200, body: { ok: true, tool } };
    },
  });
  await gateway.start();
});
afterEach(() => gateway.stop());

async function newAgent(
  budgetTokens: number,
  spentTokens = 0,
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
  if (spentTokens > 0) await budgets.charge(id, spentTokens, 0);
  const credential = gateway.register(
    { id, installationId },
    { onBudgetExhausted: (agentId) => exhausted.push(agentId) },
  );
  return { id, credential };
}

function messagesBody(maxTokens = 64_000, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    model: "claude-opus-4-7",
    max_tokens: maxTokens,
    stream: true,
    messages: [{ role: "user", content: "Hello" }],
    ...extra,
  });
}

function post(credential: AgentCredential, path: string, body: string, headers: Record<string, string> = {}) {
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

async function spent(agentId: string) {
  return (await budgets.snapshot(agentId))!;
}

describe("probes and routing", () => {
  it("answers the CLI's probe at / and 404s anything it does not serve", async () => {
    expect((await fetch(gateway.baseUrl, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(gateway.baseUrl)).status).toBe(200);
    const notFound = await fetch(`${gateway.baseUrl}/v1/models`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect((await fetch(`${gateway.baseUrl}/v1/messages`)).status).toBe(404);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("authentication", () => {
  it("refuses a missing or unknown token with an API-shaped 401, without calling upstream", async () => {
    const { credential } = await newAgent(1_000);
    for (const token of ["", "flt_not-a-real-token", realKey]) {
      const response = await post({ ...credential, token }, "/v1/messages", messagesBody());
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ type: "error", error: { type: "authentication_error" } });
    }
    expect(upstream.requests).toHaveLength(0);
  });

  it("accepts the token as Bearer too, and stops accepting it once unregistered", async () => {
    const { credential } = await newAgent(10_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const bearer = await post(credential, "/v1/messages", messagesBody(), {
      "x-api-key": "",
      authorization: `Bearer ${credential.token}`,
    });
    expect(bearer.status).toBe(200);
    await bearer.arrayBuffer();
    expect(credential.token).toMatch(/^flt_[\w-]{43}$/);
    gateway.unregister(credential.token);
    const after = await post(credential, "/v1/messages", messagesBody());
    expect(after.status).toBe(401);
    expect(upstream.requests).toHaveLength(1);
    expect(gateway.registeredCount).toBe(0);
  });
});

describe("charging from recorded answers", () => {
  const cases = [
    {
      file: "docs-basic-text.sse",
      tokens: 25 + 15,
      costUsd: (25 * 5 + 15 * 25) / 1e6,
      model: "claude-opus-4-7",
    },
    {
      file: "docs-tool-use.sse",
      tokens: 472 + 89,
      costUsd: (472 * 5 + 89 * 25) / 1e6,
      model: "claude-opus-4-7",
    },
    {
      file: "docs-web-search.sse",
      tokens: 10_682 + 510,
      costUsd: (10_682 * 5 + 510 * 25) / 1e6,
      model: "claude-opus-4-7",
    },
    {
      file: "recorded-haiku-tool.sse",
      tokens: 849 + 47,
      costUsd: (849 * 1 + 47 * 5) / 1e6,
      model: "claude-haiku-4-5-20251001",
    },
    {
      file: "prompt-cache-usage.sse",
      tokens: 12 + 3_000 + 230,
      costUsd: (12 * 3 + 230 * 15 + 2_000 * 3.75 + 1_000 * 6 + 40_000 * 0.3) / 1e6,
      model: "claude-sonnet-4-6",
    },
  ];

  for (const { file, tokens, costUsd, model } of cases) {
    for (const chunkBytes of [undefined, "random"] as const) {
      it(`charges ${tokens} tokens for ${file} (${chunkBytes ?? "one write"}) and passes it through byte for byte`, async () => {
        const { id, credential } = await newAgent(1_000_000);
        const body = fixture(file);
        upstream.queue({ body, chunkBytes, headers: { "request-id": "req_upstream_1" } });
        const response = await post(credential, "/v1/messages?beta=true", messagesBody(1_000));
        expect(response.status).toBe(200);
        expect(response.headers.get("content-type")).toBe("text/event-stream");
        expect(response.headers.get("request-id")).toBe("req_upstream_1");
        expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
        const snapshot = await spent(id);
        expect(snapshot.spentTokens).toBe(tokens);
        expect(snapshot.costUsd).toBeCloseTo(costUsd, 9);
        expect(charges).toEqual([
          expect.objectContaining({
            agentId: id,
            installationId,
            model,
            tokens,
            priceKnown: true,
            estimated: false,
            remainingTokens: 1_000_000 - tokens,
          }),
        ]);
        expect(upstream.requests[0]?.url).toBe("/v1/messages?beta=true");
      });
    }
  }

  it("charges a non-streaming JSON answer from its usage", async () => {
    const { id, credential } = await newAgent(100_000);
    const answer = {
      id: "msg_01",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-6",
      content: [{ type: "text", text: "Hi" }],
      stop_reason: "end_turn",
      usage: {
        input_tokens: 300,
        cache_creation_input_tokens: 50,
        cache_read_input_tokens: 1_000,
        output_tokens: 70,
      },
    };
    upstream.queue({
      body: JSON.stringify(answer),
      headers: { "content-type": "application/json" },
      chunkBytes: 9,
    });
    const response = await post(credential, "/v1/messages", messagesBody(1_000, { stream: false }));
    expect(await response.json()).toEqual(answer);
    expect((await spent(id)).spentTokens).toBe(420);
  });

  it("counts the day's tokens per installation", async () => {
    const before = await budgets.dailyUsage(installationId);
    const { credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-tool-use.sse") });
    await (await post(credential, "/v1/messages", messagesBody())).arrayBuffer();
    expect(await budgets.dailyUsage(installationId)).toBe(before + 561);
  });

  it("charges the input of an answer the API broke off with an error event, and passes it on", async () => {
    const { id, credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-error-midstream.sse") });
    const text = await (await post(credential, "/v1/messages", messagesBody())).text();
    expect(text).toContain("overloaded_error");
    expect((await spent(id)).spentTokens).toBe(1_201);
  });

  it("flags a model missing from the price table and prices it as the most expensive", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = fixture("docs-basic-text.sse")
      .toString("utf8")
      .replace("claude-opus-4-7", "claude-scripted");
    upstream.queue({ body });
    await (await post(credential, "/v1/messages", messagesBody())).arrayBuffer();
    expect(charges[0]).toMatchObject({ model: "claude-scripted", priceKnown: false, tokens: 40 });
    expect((await spent(id)).costUsd).toBeCloseTo((25 * 10 + 15 * 50) / 1e6, 9);
  });

  it("reports each call's traffic", async () => {
    const { id, credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const body = messagesBody();
    await (await post(credential, "/v1/messages", body)).arrayBuffer();
    expect(traffic).toEqual([
      expect.objectContaining({
        agentId: id,
        installationId,
        endpoint: "messages",
        status: 200,
        requestBytes: Buffer.byteLength(body),
        responseBytes: fixture("docs-basic-text.sse").length,
      }),
    ]);
  });
});

describe("budget enforcement", () => {
  it("lowers max_tokens to what the budget has left, and leaves a request within it untouched", async () => {
    const { credential } = await newAgent(5_000, 1_200);
    upstream.queue({ body: fixture("docs-basic-text.sse") }, { body: fixture("docs-basic-text.sse") });
    await (await post(credential, "/v1/messages", messagesBody(64_000))).arrayBuffer();
    expect(upstream.requests[0]?.json?.max_tokens).toBe(3_800);
    expect(upstream.requests[0]?.json?.messages).toEqual([{ role: "user", content: "Hello" }]);

    const small = messagesBody(1_000);
    await (await post(credential, "/v1/messages", small)).arrayBuffer();
    expect(upstream.requests[1]?.body.toString("utf8")).toBe(small);
  });

  it("refuses a call once the budget is spent, without calling upstream, and reports it once", async () => {
    const { id, credential } = await newAgent(2_000, 2_000);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await post(credential, "/v1/messages", messagesBody());
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        type: "error",
        error: {
          type: "invalid_request_error",
          message:
            "Flotilla: this agent is out of budget: it spent 2,000 of 2,000 tokens. It is being stopped; its work so far is kept, and it can be continued with more budget.",
        },
      });
    }
    expect(upstream.requests).toHaveLength(0);
    expect(exhausted).toEqual([id]);
  });

  it("reports exhaustion on the charge that spends the last of the budget; the next call is refused", async () => {
    const { id, credential } = await newAgent(60);
    upstream.queue({ body: fixture("docs-basic-text.sse") }, { body: fixture("docs-basic-text.sse") });
    await (await post(credential, "/v1/messages", messagesBody())).arrayBuffer();
    expect(exhausted).toEqual([]);
    expect(upstream.requests[0]?.json?.max_tokens).toBe(60);
    await (await post(credential, "/v1/messages", messagesBody())).arrayBuffer();
    expect(upstream.requests[1]?.json?.max_tokens).toBe(20);
    expect(exhausted).toEqual([id]);
    expect((await spent(id)).spentTokens).toBe(80);
    const refused = await post(credential, "/v1/messages", messagesBody());
    expect(refused.status).toBe(400);
    expect(upstream.requests).toHaveLength(2);
  });

  it("gives concurrent calls of one agent only what the calls before them have not been promised", async () => {
    const { credential } = await newAgent(1_000);
    upstream.queue(
      { body: fixture("docs-basic-text.sse"), holdAfterBytes: 100 },
      { body: fixture("docs-basic-text.sse") },
    );
    const held = upstream.nextHold();
    const first = post(credential, "/v1/messages", messagesBody(800));
    await held;
    await (await post(credential, "/v1/messages", messagesBody(800))).arrayBuffer();
    upstream.releaseHeld();
    await (await first).arrayBuffer();
    expect(upstream.requests.map((request) => request.json?.max_tokens)).toEqual([800, 200]);
  });

  it("passes upstream errors through unchanged and charges nothing", async () => {
    const { id, credential } = await newAgent(10_000);
    const errorBody = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    upstream.queue({
      status: 529,
      body: errorBody,
      headers: { "retry-after": "3", "x-should-retry": "true" },
    });
    const response = await post(credential, "/v1/messages", messagesBody());
    expect(response.status).toBe(529);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(response.headers.get("x-should-retry")).toBe("true");
    expect(await response.text()).toBe(errorBody);
    expect((await spent(id)).spentTokens).toBe(0);
    expect(charges).toEqual([]);
  });

  it("forwards count_tokens without charging or capping it, even for a spent agent", async () => {
    const { id, credential } = await newAgent(10, 10);
    upstream.queue({ body: '{"input_tokens":4321}', headers: { "content-type": "application/json" } });
    const body = messagesBody(64_000, { stream: undefined });
    const response = await post(credential, "/v1/messages/count_tokens?beta=true", body);
    expect(await response.json()).toEqual({ input_tokens: 4_321 });
    expect(upstream.requests[0]?.url).toBe("/v1/messages/count_tokens?beta=true");
    expect(upstream.requests[0]?.body.toString("utf8")).toBe(body);
    expect(charges).toEqual([]);
    expect(exhausted).not.toContain(id);
  });
});

describe("streaming", () => {
  it("hands the client the first events while upstream still holds the answer open", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = fixture("docs-tool-use.sse");
    const firstEventEnd = body.indexOf("\n\n") + 2;
    upstream.queue({ body, holdAfterBytes: firstEventEnd });
    const held = upstream.nextHold();
    const response = await post(credential, "/v1/messages", messagesBody());
    const reader = response.body!.getReader();
    let received = "";
    while (!received.includes("\n\n")) {
      const { value } = await reader.read();
      received += Buffer.from(value!).toString("utf8");
    }
    const holding = await held;
    expect(received).toBe(body.subarray(0, firstEventEnd).toString("utf8"));
    expect(holding.finished).toBe(false);
    expect((await spent(id)).spentTokens).toBe(0);
    upstream.releaseHeld();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += Buffer.from(value).toString("utf8");
    }
    expect(received).toBe(body.toString("utf8"));
    expect((await spent(id)).spentTokens).toBe(561);
  });

  it("aborts the upstream call when the client goes away, and charges what was measured", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = fixture("docs-tool-use.sse");
    upstream.queue({ body, holdAfterBytes: body.indexOf("\n\n") + 2 });
    const held = upstream.nextHold();
    const abort = new AbortController();
    const response = await fetch(`${credential.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": credential.token, "content-type": "application/json" },
      body: messagesBody(),
      signal: abort.signal,
    });
    await response.body!.getReader().read();
    const upstreamRequest = await held;
    abort.abort();
    await waitFor(() => upstreamRequest.aborted, {
      what: "the upstream call to be aborted",
      timeoutMs: 5_000,
    });
    await waitFor(() => charges.length === 1, { what: "the partial call to be charged", timeoutMs: 5_000 });
    expect(charges[0]).toMatchObject({ agentId: id, tokens: 474, estimated: true });
    upstream.releaseHeld();
  });
});

describe("credentials", () => {
  it("sends the real key upstream, never the agent's token, and never shows the key to the agent", async () => {
    const { credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const response = await post(credential, "/v1/messages", messagesBody());
    const text = await response.text();
    const received = upstream.requests[0]!;
    expect(received.headers["x-api-key"]).toBe(realKey);
    expect(received.headers.authorization).toBeUndefined();
    expect(received.headers["anthropic-version"]).toBe("2023-06-01");
    expect(received.headers["anthropic-beta"]).toBe("claude-code-20250219,interleaved-thinking-2025-05-14");
    expect(received.headers["accept-encoding"]).toBe("identity");
    expect(JSON.stringify(received.headers)).not.toContain(credential.token);
    expect(received.body.toString("utf8")).not.toContain(credential.token);
    expect(JSON.stringify([...response.headers])).not.toContain(realKey);
    expect(text).not.toContain(realKey);
  });

  it("sends a subscription token as Bearer with the OAuth beta added", async () => {
    await gateway.stop();
    gateway = startGateway({ oauth: true });
    await gateway.start();
    const { credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    await (await post(credential, "/v1/messages", messagesBody())).arrayBuffer();
    const received = upstream.requests[0]!;
    expect(received.headers.authorization).toBe("Bearer sk-ant-oat01-REAL-oauth-token");
    expect(received.headers["x-api-key"]).toBeUndefined();
    expect(received.headers["anthropic-beta"]).toBe(
      "claude-code-20250219,interleaved-thinking-2025-05-14,oauth-2025-04-20",
    );
  });

  it("refuses an oversized request with 413 before calling upstream", async () => {
    await gateway.stop();
    gateway = startGateway({ maxRequestBytes: 1_000 });
    await gateway.start();
    const { credential } = await newAgent(100_000);
    const response = await post(
      credential,
      "/v1/messages",
      messagesBody(100, { padding: "x".repeat(2_000) }),
    );
    expect(response.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("Flotilla tools", () => {
  it("delegates an authenticated tool call to the handler with the agent's id", async () => {
    const { id, credential } = await newAgent(1_000);
    const response = await post(credential, "/flotilla/tools/spawn_agent", '{"task":"write tests"}');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, tool: "spawn_agent" });
    expect(toolCalls).toEqual([{ agentId: id, tool: "spawn_agent", input: { task: "write tests" } }]);
  });

  it("refuses unauthenticated and malformed tool calls", async () => {
    const { credential } = await newAgent(1_000);
    expect(
      (await post({ ...credential, token: "flt_nope" }, "/flotilla/tools/spawn_agent", "{}")).status,
    ).toBe(401);
    expect((await post(credential, "/flotilla/tools/spawn_agent", "{not json")).status).toBe(400);
    expect((await post(credential, "/flotilla/tools/bad%20name", "{}")).status).toBe(404);
    expect(toolCalls).toEqual([]);
  });

  it("has no tools without a handler", async () => {
    await gateway.stop();
    gateway = startGateway();
    await gateway.start();
    const { credential } = await newAgent(1_000);
    const response = await post(credential, "/flotilla/tools/spawn_agent", "{}");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "not_found_error" } });
  });
});
