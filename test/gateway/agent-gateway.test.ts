// The gateway between a real HTTP client and a stub upstream that replays recorded Messages API
// answers, with budgets in a real Redis.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import type {
  ChargeEvent,
  ToolHandler,
  TrafficEvent,
  UpstreamTroubleEvent,
} from "../../src/gateway/gateway-types.ts";
import { apiOverheadTokens } from "../../src/gateway/input-bound.ts";
import { type RequestPolicy, requestPolicy } from "../../src/gateway/request-policy.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { UpstreamStub } from "../support/upstream-stub.ts";
import { waitFor } from "../support/wait-for.ts";

const realKey = "sk-ant-api03-REAL-upstream-key-do-not-leak";
const installationId = 4242;
const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
const runs = new RunStore(testRedis.redis, testRedis.keys);
let upstream: UpstreamStub;
let gateway: AgentGateway;
let charges: ChargeEvent[];
let traffic: TrafficEvent[];
let exhausted: string[];
let toolCalls: { agentId: string; tool: string; input: unknown }[];
let agentCounter = 0;

function startGateway(
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
  if (spentTokens > 0)
    await budgets.settleCall(id, undefined, { tokens: spentTokens, costUsd: 0, answered: false });
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
    const { credential } = await newAgent(1_000_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const bearer = await post(credential, "/v1/messages", messagesBody(), {
      "x-api-key": "",
      authorization: `Bearer ${credential.token}`,
    });
    expect(bearer.status).toBe(200);
    await bearer.arrayBuffer();
    expect(credential.token).toMatch(/^flt_[\w-]{43}$/);
    await gateway.unregister(credential.token);
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
      // One web search: $0.01 on top, and the tokens $0.01 buys at the input price ($5/MTok).
      file: "docs-web-search.sse",
      tokens: 10_682 + 510 + 2_000,
      costUsd: (10_682 * 5 + 510 * 25) / 1e6 + 0.01,
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

/** The gateway's bound of a request's input: its bytes plus the API's own additions. */
function boundOf(body: string): number {
  return Buffer.byteLength(body) + apiOverheadTokens;
}

const countAnswer = (inputTokens: number) => ({
  body: JSON.stringify({ input_tokens: inputTokens }),
  headers: { "content-type": "application/json" },
});

describe("budget enforcement", () => {
  it("leaves a request whose worst case fits untouched, without counting its input", async () => {
    const { id, credential } = await newAgent(100_000, 1_200);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const small = messagesBody(1_000);
    await (await post(credential, "/v1/messages", small)).arrayBuffer();
    expect(upstream.requests.map((request) => request.url)).toEqual(["/v1/messages"]);
    expect(upstream.requests[0]?.body.toString("utf8")).toBe(small);
    expect(await spent(id)).toMatchObject({ spentTokens: 1_200 + 40, reservedTokens: 0 });
  });

  it("lowers max_tokens to what is left after the exact input, when the bound would lower it", async () => {
    const { credential } = await newAgent(100_000, 1_200);
    upstream.queue(countAnswer(30), { body: fixture("docs-basic-text.sse") });
    await (await post(credential, "/v1/messages", messagesBody(200_000))).arrayBuffer();
    expect(upstream.requests[1]?.json?.max_tokens).toBe(100_000 - 1_200 - 30);
    expect(upstream.requests[1]?.json?.messages).toEqual([{ role: "user", content: "Hello" }]);
  });

  it("asks count_tokens for the exact input when the bound does not fit, and reserves that instead", async () => {
    const { id, credential } = await newAgent(3_000);
    upstream.queue(countAnswer(30), { body: fixture("docs-basic-text.sse") });
    const body = messagesBody(64_000, { system: "x".repeat(5_000) });
    await (await post(credential, "/v1/messages?beta=true", body)).arrayBuffer();
    const [count, call] = upstream.requests;
    expect(count?.url).toBe("/v1/messages/count_tokens?beta=true");
    expect(count?.headers["x-api-key"]).toBe(realKey);
    expect(count?.headers["anthropic-beta"]).toBe("claude-code-20250219,interleaved-thinking-2025-05-14");
    expect(count?.json).toEqual({
      model: "claude-opus-4-7",
      messages: [{ role: "user", content: "Hello" }],
      system: "x".repeat(5_000),
    });
    expect(call?.json?.max_tokens).toBe(3_000 - 30);
    expect((await spent(id)).spentTokens).toBe(40);
  });

  it("counts a request whose size bounds nothing (a document) before it reserves", async () => {
    const { credential } = await newAgent(1_000_000);
    upstream.queue(countAnswer(900), { body: fixture("docs-basic-text.sse") });
    const document = { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } };
    const body = messagesBody(4_000, { messages: [{ role: "user", content: [document] }] });
    await (await post(credential, "/v1/messages", body)).arrayBuffer();
    expect(upstream.requests.map((request) => request.url)).toEqual([
      "/v1/messages/count_tokens",
      "/v1/messages",
    ]);
    expect(upstream.requests[1]?.json?.max_tokens).toBe(4_000);
  });

  it("refuses a call once not even a small answer fits, without calling upstream, and reports it once", async () => {
    const { id, credential } = await newAgent(2_000, 1_900);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const response = await post(credential, "/v1/messages", messagesBody());
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        type: "error",
        error: {
          type: "invalid_request_error",
          message:
            "Flotilla: this agent is out of budget: it spent 1,900 of 2,000 tokens, and this call needs at least 256 tokens of answer on top of its input. It is being stopped; its work so far is kept, and it can be continued with more budget.",
        },
      });
    }
    expect(upstream.requests).toHaveLength(0);
    expect(exhausted).toEqual([id]);
    expect(await gateway.unregister(credential.token)).toMatchObject({
      calls: 2,
      answered: 0,
      last: { kind: "refused", reason: "budget" },
    });
  });

  it("refuses when the exact input leaves no room for an answer, after counting it", async () => {
    const { id, credential } = await newAgent(5_000);
    upstream.queue(countAnswer(4_900));
    const response = await post(
      credential,
      "/v1/messages",
      messagesBody(64_000, { system: "y".repeat(6_000) }),
    );
    expect(response.status).toBe(400);
    expect(upstream.requests.map((request) => request.url)).toEqual(["/v1/messages/count_tokens"]);
    expect(exhausted).toEqual([id]);
    expect(await spent(id)).toMatchObject({ spentTokens: 0, reservedTokens: 0 });
  });

  it("holds each call's worst case while it is in flight, and settles it to what the answer cost", async () => {
    const { id, credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-basic-text.sse"), holdAfterBytes: 100 });
    const held = upstream.nextHold();
    const body = messagesBody(800);
    const first = post(credential, "/v1/messages", body);
    await held;
    expect(await spent(id)).toMatchObject({ spentTokens: 0, reservedTokens: boundOf(body) + 800 });
    upstream.releaseHeld();
    await (await first).arrayBuffer();
    expect(await spent(id)).toMatchObject({
      spentTokens: 40,
      reservedTokens: 0,
      remainingTokens: 100_000 - 40,
    });
  });

  it("lets a call wait for another call's settlement when only reservations are in its way", async () => {
    const body = messagesBody(3_000);
    const { id, credential } = await newAgent(2 * boundOf(body) + 3_000 + 100);
    upstream.queue(
      { body: fixture("docs-basic-text.sse"), holdAfterBytes: 100 },
      { body: fixture("docs-basic-text.sse") },
    );
    const held = upstream.nextHold();
    const first = post(credential, "/v1/messages", body);
    await held;
    // The second call fits only once the first one's reservation is settled to its cost (40).
    const second = post(credential, "/v1/messages", body);
    await waitFor(async () => (await budgets.snapshot(id))?.reservedTokens === boundOf(body) + 3_000, {
      what: "the first call's reservation",
    });
    expect(upstream.requests).toHaveLength(1);
    upstream.releaseHeld();
    await (await first).arrayBuffer();
    const secondResponse = await second;
    expect(secondResponse.status).toBe(200);
    await secondResponse.arrayBuffer();
    expect(upstream.requests[1]?.json?.max_tokens).toBe(3_000);
    expect(exhausted).toEqual([]);
  });

  it("passes upstream errors through (telling the CLI not to retry), charges nothing, releases the reservation and classifies the trouble", async () => {
    const { id, credential } = await newAgent(10_000);
    const errorBody = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    upstream.queue({
      status: 529,
      body: errorBody,
      headers: { "retry-after": "3", "x-should-retry": "true" },
    });
    const response = await post(credential, "/v1/messages", messagesBody(1_000));
    expect(response.status).toBe(529);
    expect(response.headers.get("retry-after")).toBe("3");
    // Flotilla parks the agent instead of letting its CLI retry for minutes with a slot held.
    expect(response.headers.get("x-should-retry")).toBe("false");
    expect(await response.text()).toBe(errorBody);
    expect(await spent(id)).toMatchObject({ spentTokens: 0, reservedTokens: 0 });
    expect(charges).toEqual([]);
    expect(await gateway.unregister(credential.token)).toMatchObject({
      calls: 1,
      answered: 0,
      last: {
        kind: "failed",
        status: 529,
        errorType: "overloaded_error",
        message: "Overloaded",
        trouble: { kind: "overloaded", status: 529, message: "Overloaded" },
      },
    });
  });

  it("forwards count_tokens without charging or reserving it, even for a spent agent", async () => {
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

  it("refuses a body that is not a Messages request, without calling upstream", async () => {
    const { credential } = await newAgent(10_000);
    const response = await post(credential, "/v1/messages", JSON.stringify({ model: "m", messages: [] }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { message: expect.stringContaining("not a Messages API request (max_tokens:") },
    });
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("turn limit", () => {
  it("refuses a call once answered calls reach the agent's turn limit, over all its sessions", async () => {
    const { id, credential } = await newAgent(1_000_000);
    await testRedis.redis.hset(testRedis.keys.agent(id), { turns: 9, maxTurns: 10 });
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    expect((await post(credential, "/v1/messages", messagesBody(1_000))).status).toBe(200);
    expect((await runs.requireAgent(id)).turns).toBe(10);
    const refused = await post(credential, "/v1/messages", messagesBody(1_000));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: {
        message:
          "Flotilla: this agent has reached its turn limit: the model answered 10 of its calls, and its limit is 10 over all its sessions. Its work so far is kept; it can be retried or continued.",
      },
    });
    expect(upstream.requests).toHaveLength(1);
    expect(await gateway.unregister(credential.token)).toMatchObject({
      calls: 2,
      answered: 1,
      last: { kind: "refused", reason: "turns" },
    });
  });
});

describe("what it allows beyond tokens", () => {
  it("refuses an anthropic-beta the pinned CLI does not send, unless the operator allows it", async () => {
    const { credential } = await newAgent(100_000);
    const beta = "claude-code-20250219,files-api-2025-04-14";
    const refused = await post(credential, "/v1/messages", messagesBody(1_000), { "anthropic-beta": beta });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: {
        type: "invalid_request_error",
        message: expect.stringContaining(
          'the anthropic-beta "files-api-2025-04-14" is not allowed for agents',
        ),
      },
    });
    expect(upstream.requests).toHaveLength(0);

    await gateway.stop();
    gateway = startGateway({ policy: requestPolicy(["files-api-2025-04-14"], []) });
    await gateway.start();
    const allowed = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-basic-text.sse") });
    const response = await post(allowed.credential, "/v1/messages", messagesBody(1_000), {
      "anthropic-beta": beta,
    });
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(upstream.requests[0]?.headers["anthropic-beta"]).toBe(beta);
  });

  it("refuses a server tool unless the operator allows it, and then charges its requests", async () => {
    const { id, credential } = await newAgent(100_000);
    const tools = [
      { name: "Bash", input_schema: { type: "object" } },
      { type: "web_search_20250305", name: "web_search", max_uses: 2 },
    ];
    const refused = await post(credential, "/v1/messages", messagesBody(1_000, { tools }));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: {
        message: expect.stringContaining('the server tool "web_search_20250305" is not allowed for agents'),
      },
    });
    expect(upstream.requests).toHaveLength(0);
    expect((await spent(id)).spentTokens).toBe(0);

    await gateway.stop();
    gateway = startGateway({ policy: requestPolicy([], ["web_search"]) });
    await gateway.start();
    const allowed = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-web-search.sse") });
    await (await post(allowed.credential, "/v1/messages", messagesBody(1_000, { tools }))).arrayBuffer();
    expect(upstream.requests).toHaveLength(1);
    expect((await spent(allowed.id)).spentTokens).toBe(10_682 + 510 + 2_000);
    expect(charges.at(-1)).toMatchObject({
      costUsd: expect.closeTo((10_682 * 5 + 510 * 25) / 1e6 + 0.01, 9),
    });
  });
});

describe("the call record", () => {
  it("tells the worker how each call ended and what the last answer said", async () => {
    const { credential } = await newAgent(1_000_000);
    upstream.queue({ body: fixture("docs-tool-use.sse") }, { body: fixture("docs-basic-text.sse") });
    await (await post(credential, "/v1/messages", messagesBody(1_000))).arrayBuffer();
    await (await post(credential, "/v1/messages", messagesBody(1_000))).arrayBuffer();
    const summary = await gateway.unregister(credential.token);
    expect(summary).toMatchObject({
      calls: 2,
      answered: 2,
      last: { kind: "answered", status: 200, stopReason: "end_turn", textTruncated: false },
      lastRefusal: undefined,
    });
    expect(summary?.last?.kind === "answered" && summary.last.text).toMatch(/\S/);
    expect(await gateway.unregister(credential.token)).toBeUndefined();
  });

  it("stops a call still in flight when the token ends, and settles it", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = fixture("docs-tool-use.sse");
    upstream.queue({ body, holdAfterBytes: body.indexOf("\n\n") + 2 });
    const held = upstream.nextHold();
    const response = await post(credential, "/v1/messages", messagesBody(1_000));
    await held;
    const summary = await gateway.unregister(credential.token);
    expect(summary).toMatchObject({ calls: 1, last: { kind: "cut_off" } });
    expect(await spent(id)).toMatchObject({ spentTokens: 474, reservedTokens: 0 });
    await response.arrayBuffer().catch(() => undefined);
    upstream.releaseHeld();
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
  it("records a call whose client went away before the model answered as cut off, not as a model API failure", async () => {
    const troubles: UpstreamTroubleEvent[] = [];
    await gateway.stop();
    gateway = new AgentGateway({
      upstream: { baseUrl: `${upstream.url}/`, apiKey: realKey, oauthToken: undefined },
      ledger: budgets,
      onUpstreamTrouble: (event) => troubles.push(event),
    });
    await gateway.start();
    const { credential } = await newAgent(100_000);
    upstream.queue({ body: fixture("docs-tool-use.sse"), holdBeforeHeaders: true });
    const held = upstream.nextHold();
    const abort = new AbortController();
    const response = fetch(`${credential.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": credential.token, "content-type": "application/json" },
      body: messagesBody(),
      signal: abort.signal,
    }).catch((error: unknown) => error);
    const upstreamRequest = await held;
    abort.abort();
    await response;
    await waitFor(() => upstreamRequest.aborted, {
      what: "the upstream call to be aborted",
      timeoutMs: 5_000,
    });
    upstream.releaseHeld();
    const summary = await gateway.unregister(credential.token);
    expect(summary).toMatchObject({ calls: 1, last: { kind: "cut_off", status: 499 } });
    expect(troubles).toEqual([]);
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

describe("upstream trouble", () => {
  it("tells the worker about a rate limit as it happens, with the subscription's unified reset", async () => {
    const troubles: UpstreamTroubleEvent[] = [];
    await gateway.stop();
    gateway = new AgentGateway({
      upstream: { baseUrl: upstream.url, apiKey: undefined, oauthToken: "sk-ant-oat01-REAL-oauth-token" },
      ledger: budgets,
      onUpstreamTrouble: (event) => troubles.push(event),
    });
    await gateway.start();
    const { id, credential } = await newAgent(100_000);
    const reset = Math.ceil(Date.now() / 1000) + 3_600;
    upstream.queue({
      status: 429,
      body: '{"type":"error","error":{"type":"rate_limit_error","message":"Claude usage limit reached."}}',
      headers: {
        "content-type": "application/json",
        "anthropic-ratelimit-unified-status": "rejected",
        "anthropic-ratelimit-unified-reset": String(reset),
      },
    });
    const response = await post(credential, "/v1/messages", messagesBody());
    expect(response.status).toBe(429);
    expect(response.headers.get("x-should-retry")).toBe("false");
    await response.arrayBuffer();
    expect(troubles).toEqual([
      {
        agentId: id,
        installationId,
        trouble: {
          kind: "rate_limited",
          status: 429,
          message: "Claude usage limit reached.",
          resetAt: reset * 1000,
        },
      },
    ]);
  });

  it("answers an unreachable model API with a 502 the CLI does not retry, and records it", async () => {
    const troubles: UpstreamTroubleEvent[] = [];
    await gateway.stop();
    gateway = new AgentGateway({
      upstream: { baseUrl: "http://127.0.0.1:1", apiKey: realKey, oauthToken: undefined },
      ledger: budgets,
      onUpstreamTrouble: (event) => troubles.push(event),
    });
    await gateway.start();
    const { credential } = await newAgent(100_000);
    const response = await post(credential, "/v1/messages", messagesBody(1_000));
    expect(response.status).toBe(502);
    expect(response.headers.get("x-should-retry")).toBe("false");
    expect(troubles.map((event) => event.trouble.kind)).toEqual(["unreachable"]);
    expect((await gateway.unregister(credential.token))?.last).toMatchObject({
      kind: "failed",
      status: 502,
      trouble: { kind: "unreachable" },
    });
  });
});
