import { describe, expect, it } from "vitest";
import {
  type MessagesRequest,
  parseMessagesRequest,
  withMaxTokens,
} from "../../src/gateway/messages-request.ts";

function request(fields: Partial<MessagesRequest> = {}): MessagesRequest {
  return {
    model: "claude-opus-4-7",
    max_tokens: 64_000,
    messages: [{ role: "user", content: "hi" }],
    ...fields,
  };
}

describe("parseMessagesRequest", () => {
  it("keeps every field as it came, the ones it does not type included", () => {
    const body = {
      ...request(),
      metadata: { user_id: "u" },
      context_management: { edits: [] },
      stream: true,
    };
    const parsed = parseMessagesRequest(Buffer.from(JSON.stringify(body)));
    expect(parsed).toEqual({ ok: true, request: body });
  });

  it("says what is wrong with a body that is not a Messages request", () => {
    expect(parseMessagesRequest(Buffer.from("{not json"))).toEqual({
      ok: false,
      problem: "the body is not JSON",
    });
    const noMax = parseMessagesRequest(Buffer.from(JSON.stringify({ ...request(), max_tokens: "lots" })));
    expect(noMax).toMatchObject({ ok: false, problem: expect.stringMatching(/^max_tokens: /) });
    const badTool = parseMessagesRequest(Buffer.from(JSON.stringify({ ...request(), tools: [{ type: 7 }] })));
    expect(badTool).toMatchObject({ ok: false, problem: expect.stringMatching(/^tools\.0\.type: /) });
    expect(parseMessagesRequest(Buffer.from("[]"))).toMatchObject({ ok: false });
  });
});

describe("withMaxTokens", () => {
  it("lowers max_tokens to the limit, never below 1, and leaves smaller requests alone", () => {
    expect(withMaxTokens(request(), 5_000).max_tokens).toBe(5_000);
    expect(withMaxTokens(request(), -300).max_tokens).toBe(1);
    const within = request({ max_tokens: 100 });
    expect(withMaxTokens(within, 5_000)).toBe(within);
  });

  it("keeps a fixed thinking budget below the new max_tokens, or turns thinking off when too little is left", () => {
    const thinking = { type: "enabled", budget_tokens: 16_000 };
    expect(withMaxTokens(request({ thinking }), 8_000)).toMatchObject({
      max_tokens: 8_000,
      thinking: { type: "enabled", budget_tokens: 7_999 },
    });
    expect(withMaxTokens(request({ thinking }), 900)).toMatchObject({
      max_tokens: 900,
      thinking: { type: "disabled" },
    });
  });

  it("leaves adaptive thinking and smaller thinking budgets as they are", () => {
    expect(withMaxTokens(request({ thinking: { type: "adaptive" } }), 2_000).thinking).toEqual({
      type: "adaptive",
    });
    const small = { type: "enabled", budget_tokens: 1_024 };
    expect(withMaxTokens(request({ thinking: small }), 2_000).thinking).toEqual(small);
  });
});
