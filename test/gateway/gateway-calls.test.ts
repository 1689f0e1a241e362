// The model gateway's record of each call, its streaming, and the upstream trouble it reports.
import { describe, expect, it } from "vitest";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import type { UpstreamTroubleEvent } from "../../src/gateway/gateway-types.ts";
import {
  budgets,
  charges,
  fixture,
  gateway,
  installationId,
  messagesBody,
  newAgent,
  post,
  realKey,
  replaceGateway,
  spent,
  upstream,
  useGatewayHarness,
} from "../support/gateway-harness.ts";
import { waitFor } from "../support/wait-for.ts";

useGatewayHarness();

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

/** Posts `body` and goes away once the model has it, before the model's status line. */
async function leaveBeforeTheStatus(credential: AgentCredential, body: string): Promise<void> {
  upstream.queue({ body: fixture("docs-tool-use.sse"), holdBeforeHeaders: true });
  const held = upstream.nextHold();
  const abort = new AbortController();
  const response = fetch(`${credential.baseUrl}/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": credential.token, "content-type": "application/json" },
    body,
    signal: abort.signal,
  }).catch((error: unknown) => error);
  const upstreamRequest = await held;
  abort.abort();
  await response;
  await waitFor(() => upstreamRequest.aborted, { what: "the upstream call to be aborted", timeoutMs: 5_000 });
  upstream.releaseHeld();
}

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
    await replaceGateway(
      new AgentGateway({
        upstream: { baseUrl: `${upstream.url}/`, apiKey: realKey, oauthToken: undefined },
        ledger: budgets,
        onUpstreamTrouble: (event) => troubles.push(event),
      }),
    );
    const { credential } = await newAgent(100_000);
    await leaveBeforeTheStatus(credential, messagesBody());
    const summary = await gateway.unregister(credential.token);
    expect(summary).toMatchObject({ calls: 1, last: { kind: "cut_off", status: 499 } });
    expect(troubles).toEqual([]);
  });

  it("charges the input of a call whose client went away after the model had its request, before it answered", async () => {
    const { id, credential } = await newAgent(100_000);
    const body = messagesBody(1_000);
    await leaveBeforeTheStatus(credential, body);
    expect(await gateway.unregister(credential.token)).toMatchObject({
      last: { kind: "cut_off", status: 499 },
    });
    // What the API bills at least for a request it has: one token per four bytes of it.
    const tokens = Math.ceil(Buffer.byteLength(body) / 4);
    expect(charges).toEqual([expect.objectContaining({ tokens, estimated: true })]);
    expect(await spent(id)).toMatchObject({ spentTokens: tokens, reservedTokens: 0 });
  });
});

describe("upstream trouble", () => {
  it("tells the worker about a rate limit as it happens, with the subscription's unified reset", async () => {
    const troubles: UpstreamTroubleEvent[] = [];
    await replaceGateway(
      new AgentGateway({
        upstream: { baseUrl: upstream.url, apiKey: undefined, oauthToken: "sk-ant-oat01-REAL-oauth-token" },
        ledger: budgets,
        onUpstreamTrouble: (event) => troubles.push(event),
      }),
    );
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
    await replaceGateway(
      new AgentGateway({
        upstream: { baseUrl: "http://127.0.0.1:1", apiKey: realKey, oauthToken: undefined },
        ledger: budgets,
        onUpstreamTrouble: (event) => troubles.push(event),
      }),
    );
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
