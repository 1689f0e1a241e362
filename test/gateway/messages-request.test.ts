import { describe, expect, it } from "vitest";
import { capMaxTokens } from "../../src/gateway/cap-max-tokens.ts";

describe("capMaxTokens", () => {
  it("lowers max_tokens to the limit, never below 1, and leaves smaller requests alone", () => {
    const body = { max_tokens: 64_000 };
    expect(capMaxTokens(body, 5_000)).toBe(true);
    expect(body.max_tokens).toBe(5_000);
    const tiny = { max_tokens: 64_000 };
    capMaxTokens(tiny, -300);
    expect(tiny.max_tokens).toBe(1);
    const within = { max_tokens: 100 };
    expect(capMaxTokens(within, 5_000)).toBe(false);
    expect(within).toEqual({ max_tokens: 100 });
  });

  it("keeps a fixed thinking budget below the new max_tokens, or turns thinking off when too little is left", () => {
    const roomy = { max_tokens: 64_000, thinking: { type: "enabled", budget_tokens: 16_000 } };
    capMaxTokens(roomy, 8_000);
    expect(roomy).toEqual({ max_tokens: 8_000, thinking: { type: "enabled", budget_tokens: 7_999 } });
    const tight = { max_tokens: 64_000, thinking: { type: "enabled", budget_tokens: 16_000 } };
    capMaxTokens(tight, 900);
    expect(tight).toEqual({ max_tokens: 900, thinking: { type: "disabled" } });
  });

  it("leaves adaptive thinking and smaller thinking budgets as they are", () => {
    const adaptive = { max_tokens: 64_000, thinking: { type: "adaptive" } };
    capMaxTokens(adaptive, 2_000);
    expect(adaptive.thinking).toEqual({ type: "adaptive" });
    const small = { max_tokens: 64_000, thinking: { type: "enabled", budget_tokens: 1_024 } };
    capMaxTokens(small, 2_000);
    expect(small.thinking).toEqual({ type: "enabled", budget_tokens: 1_024 });
  });
});
