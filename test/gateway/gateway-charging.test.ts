// The model gateway charges each answer from what the API reported, and an estimate for answers
// that end before the message does.
import { describe, expect, it } from "vitest";
import {
  budgets,
  charges,
  fixture,
  gateway,
  installationId,
  messagesBody,
  newAgent,
  post,
  spent,
  streamedAnswer,
  traffic,
  upstream,
  useGatewayHarness,
} from "../support/gateway-harness.ts";

useGatewayHarness();

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

describe("answers that end before the message does", () => {
  it("charges an estimate for a stream that ends cleanly without a stop reason, and records it as cut off", async () => {
    const { id, credential } = await newAgent(100_000);
    const answer = streamedAnswer(2_100);
    upstream.queue({ body: answer.body, endAfterBytes: answer.beforeStop });
    const response = await post(credential, "/v1/messages", messagesBody(1_000));
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    // The input message_start reported, and one output token per three characters streamed.
    expect(charges).toEqual([expect.objectContaining({ tokens: 300 + 700, estimated: true })]);
    expect((await spent(id)).spentTokens).toBe(1_000);
    expect((await gateway.unregister(credential.token))?.last).toEqual({ kind: "cut_off", status: 200 });
  });

  it("never charges a cut-off answer more than its reservation", async () => {
    const { id, credential } = await newAgent(100_000);
    const answer = streamedAnswer(30_000);
    const body = messagesBody(1_000);
    upstream.queue({ body: answer.body, endAfterBytes: answer.beforeStop });
    await (await post(credential, "/v1/messages", body)).arrayBuffer();
    expect(charges).toEqual([expect.objectContaining({ tokens: 300 + 1_000, estimated: true })]);
    expect(await spent(id)).toMatchObject({ spentTokens: 1_300, reservedTokens: 0 });
  });

  it("charges a stream cut off before message_start for the input its request must have had", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = messagesBody(1_000);
    upstream.queue({ body: streamedAnswer(10).body, endAfterBytes: 40 });
    await (await post(credential, "/v1/messages", body)).arrayBuffer();
    const tokens = Math.ceil(Buffer.byteLength(body) / 4);
    expect(charges).toEqual([expect.objectContaining({ tokens, estimated: true })]);
    expect((await spent(id)).spentTokens).toBe(tokens);
  });

  it("charges exactly what the API reported once it gave the stop reason, even if message_stop is missing", async () => {
    const { id, credential } = await newAgent(100_000);
    const answer = streamedAnswer(2_100);
    upstream.queue({ body: answer.body, endAfterBytes: answer.stopAt });
    await (await post(credential, "/v1/messages", messagesBody(1_000))).arrayBuffer();
    expect(charges).toEqual([expect.objectContaining({ tokens: 300 + 700, estimated: false })]);
    expect((await spent(id)).spentTokens).toBe(1_000);
    expect((await gateway.unregister(credential.token))?.last).toMatchObject({
      kind: "answered",
      stopReason: "end_turn",
    });
  });

  it("charges the output streamed of a JSON answer cut off in its body", async () => {
    const { id, credential } = await newAgent(100_000);
    const whole = JSON.stringify({
      model: "claude-opus-4-7",
      content: [{ type: "text", text: "x".repeat(3_000) }],
      stop_reason: "end_turn",
      usage: { input_tokens: 300, output_tokens: 1_000 },
    });
    const body = messagesBody(2_000, { stream: false });
    upstream.queue({ body: whole, headers: { "content-type": "application/json" }, endAfterBytes: 1_500 });
    await (await post(credential, "/v1/messages", body)).arrayBuffer();
    const tokens = Math.ceil(Buffer.byteLength(body) / 4) + 1_500 / 3;
    expect(charges).toEqual([expect.objectContaining({ tokens, estimated: true })]);
    expect((await spent(id)).spentTokens).toBe(tokens);
  });
});
