import { describe, expect, it } from "vitest";
import { emptyUsage } from "../../src/gateway/message-usage.ts";
import { costOfUsage, priceForModel, unknownModelPrice } from "../../src/gateway/model-prices.ts";

describe("model prices", () => {
  it("finds the family of dated, aliased and provider-prefixed model ids", () => {
    expect(priceForModel("claude-opus-4-1-20250805").price.inputPerMTok).toBe(15);
    expect(priceForModel("claude-opus-4-20250514").price.inputPerMTok).toBe(15);
    expect(priceForModel("claude-opus-4-5-20251101").price.inputPerMTok).toBe(5);
    expect(priceForModel("claude-opus-4-8[1m]").price.inputPerMTok).toBe(5);
    expect(priceForModel("us.anthropic.claude-sonnet-4-5-20250929-v1:0").price.outputPerMTok).toBe(15);
    expect(priceForModel("claude-haiku-4-5@20251001").price.cacheReadPerMTok).toBe(0.1);
    expect(priceForModel("claude-3-5-haiku-latest").price.inputPerMTok).toBe(0.8);
  });

  it("prices an unknown model as the most expensive family, and says so", () => {
    expect(priceForModel("claude-scripted")).toEqual({ price: unknownModelPrice, known: false });
    expect(priceForModel("gpt-9")).toMatchObject({ known: false });
  });

  it("prices cache reads and 5-minute and 1-hour cache writes at their own rates", () => {
    const usage = {
      ...emptyUsage,
      inputTokens: 1_000_000,
      outputTokens: 1_000_000,
      cacheCreationInputTokens: 3_000_000,
      cacheCreation1hInputTokens: 1_000_000,
      cacheReadInputTokens: 10_000_000,
    };
    // Sonnet 4.6: $3 in, $15 out, $3.75 5m writes, $6 1h writes, $0.30 reads per MTok.
    expect(costOfUsage("claude-sonnet-4-6", usage)).toEqual({
      costUsd: 3 + 15 + 2 * 3.75 + 6 + 3,
      priceKnown: true,
    });
  });
});
