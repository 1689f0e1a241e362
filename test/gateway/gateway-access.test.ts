// The model gateway: who may call it, what it sends upstream for them, and what it refuses beyond
// tokens (probes, tokens, credentials, anthropic-beta and server tools, Flotilla's tools over MCP).
import { describe, expect, it } from "vitest";
import { requestPolicy } from "../../src/gateway/request-policy.ts";
import {
  charges,
  fixture,
  gateway,
  messagesBody,
  newAgent,
  post,
  realKey,
  replaceGateway,
  spent,
  startGateway,
  toolCalls,
  upstream,
  useGatewayHarness,
} from "../support/gateway-harness.ts";

useGatewayHarness();

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
    await replaceGateway(startGateway({ oauth: true }));
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
    await replaceGateway(startGateway({ maxRequestBytes: 1_000 }));
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

describe("Flotilla tools over MCP", () => {
  const callSpawn = JSON.stringify({
    jsonrpc: "2.0",
    id: 7,
    method: "tools/call",
    params: { name: "spawn_agent", arguments: { task: "write tests" } },
  });
  const mcpHeaders = { accept: "application/json, text/event-stream", "content-type": "application/json" };

  it("runs an authenticated call with the agent's id and answers it as JSON-RPC", async () => {
    const { id, credential } = await newAgent(1_000);
    const response = await post(credential, "/flotilla/mcp", callSpawn, mcpHeaders);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      jsonrpc: "2.0",
      id: 7,
      result: { content: [{ type: "text", text: "spawn_agent ok" }] },
    });
    expect(toolCalls).toEqual([{ agentId: id, tool: "spawn_agent", input: { task: "write tests" } }]);
  });

  it("refuses unauthenticated, malformed, oversized and non-POST requests", async () => {
    const { credential } = await newAgent(1_000);
    expect(
      (await post({ ...credential, token: "flt_nope" }, "/flotilla/mcp", callSpawn, mcpHeaders)).status,
    ).toBe(401);
    const notJson = await post(credential, "/flotilla/mcp", "{not json", mcpHeaders);
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    const oversized = await post(
      credential,
      "/flotilla/mcp",
      JSON.stringify({ pad: "x".repeat(1024 * 1024) }),
      mcpHeaders,
    );
    expect(oversized.status).toBe(413);
    const get = await fetch(`${credential.baseUrl}/flotilla/mcp`, {
      headers: { authorization: `Bearer ${credential.token}`, accept: "text/event-stream" },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect((await post(credential, "/flotilla/tools/spawn_agent", "{}")).status).toBe(404);
    expect(toolCalls).toEqual([]);
  });

  it("has no tools without a handler", async () => {
    await replaceGateway(startGateway());
    const { credential } = await newAgent(1_000);
    const response = await post(credential, "/flotilla/mcp", callSpawn, mcpHeaders);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "not_found_error" } });
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

    await replaceGateway(startGateway({ policy: requestPolicy(["files-api-2025-04-14"], []) }));
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

    await replaceGateway(startGateway({ policy: requestPolicy([], ["web_search"]) }));
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
