// The model gateway enforces an agent's token budget and turn limit before calls go upstream.
import { describe, expect, it } from "vitest";
import {
  boundOf,
  budgets,
  charges,
  countAnswer,
  exhausted,
  fixture,
  gateway,
  messagesBody,
  newAgent,
  post,
  realKey,
  runs,
  spent,
  upstream,
  useGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitFor } from "../support/wait-for.ts";

const testRedis = useGatewayHarness();

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
