// What a model call costs in USD, from a small price table (USD per million tokens). Source:
// Anthropic's pricing page (platform.claude.com/docs/en/about-claude/pricing, read November
// 2026): base input, 5-minute and 1-hour cache writes, cache hits, output. For the 5.5 models
// the model overview gives input and output only; their cache prices use the page's standard
// multipliers (writes 1.25× / 2× input, hits 0.1× input). An unknown model is priced as the most
// expensive family and flagged, so spend is over- rather than under-stated. Update when prices
// change; budgets are in tokens, so a stale price only skews the USD figure.
//
// Server tools are paid per request, outside tokens: web search $10 per 1,000 searches (the same
// page); web fetch costs only the tokens of what it fetched (already in the usage). Code execution
// is paid by container time, which the usage does not report: each request is priced as one
// container hour ($0.05), the most one request can be billed for in practice, and any other
// server tool counter likewise, so an unknown tool is over- rather than under-charged. A budget is
// charged the tokens those dollars would buy at the model's input price.
import type { MessageUsage } from "./message-usage.ts";

export interface ModelPrice {
  inputPerMTok: number;
  outputPerMTok: number;
  cacheWrite5mPerMTok: number;
  cacheWrite1hPerMTok: number;
  cacheReadPerMTok: number;
}

function price(
  input: number,
  output: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
  cacheRead: number,
): ModelPrice {
  return {
    inputPerMTok: input,
    outputPerMTok: output,
    cacheWrite5mPerMTok: cacheWrite5m,
    cacheWrite1hPerMTok: cacheWrite1h,
    cacheReadPerMTok: cacheRead,
  };
}

const fable51 = price(10, 50, 12.5, 20, 0.25);
const fable5 = price(10, 50, 12.5, 20, 1);
const opus55 = price(4, 20, 5, 8, 0.4);
const opus45 = price(5, 25, 6.25, 10, 0.5);
const opus4 = price(15, 75, 18.75, 30, 1.5);
const sonnet5 = price(2, 10, 2.5, 4, 0.2);
const sonnet4 = price(3, 15, 3.75, 6, 0.3);
const haiku45 = price(1, 5, 1.25, 2, 0.1);
const haiku35 = price(0.8, 4, 1, 1.6, 0.08);
const haiku3 = price(0.25, 1.25, 0.3, 0.5, 0.03);

/** The most expensive family: what an unknown model is charged at. */
export const unknownModelPrice: ModelPrice = fable5;

/** Model id prefixes and their prices; the longest matching prefix wins. */
const priceTable: readonly [prefix: string, price: ModelPrice][] = [
  ["claude-fable-5-1", fable51],
  ["claude-mythos-5-1", fable51],
  ["claude-fable-5", fable5],
  ["claude-mythos-5", fable5],
  ["claude-opus-5-5", opus55],
  ["claude-opus-5", opus45],
  ["claude-opus-4-8", opus45],
  ["claude-opus-4-7", opus45],
  ["claude-opus-4-6", opus45],
  ["claude-opus-4-5", opus45],
  ["claude-opus-4-1", opus4],
  ["claude-opus-4", opus4],
  ["claude-3-opus", opus4],
  ["claude-sonnet-5-5", sonnet5],
  ["claude-sonnet-5", sonnet5],
  ["claude-sonnet-4", sonnet4],
  ["claude-3-7-sonnet", sonnet4],
  ["claude-3-5-sonnet", sonnet4],
  ["claude-haiku-4-5", haiku45],
  ["claude-3-5-haiku", haiku35],
  ["claude-3-haiku", haiku3],
];

const sortedTable = [...priceTable].sort(([a], [b]) => b.length - a.length);

/** Lower-case id without provider prefixes (`anthropic/`, `us.anthropic.`) or suffixes (`[1m]`). */
function normalizeModelId(model: string): string {
  return model
    .toLowerCase()
    .replace(/^.*?(?=claude-)/, "")
    .replace(/\[.*\]$/, "");
}

export function priceForModel(model: string): { price: ModelPrice; known: boolean } {
  const id = normalizeModelId(model);
  for (const [prefix, modelPrice] of sortedTable) {
    if (id === prefix || id.startsWith(`${prefix}-`) || id.startsWith(`${prefix}@`)) {
      return { price: modelPrice, known: true };
    }
  }
  return { price: unknownModelPrice, known: false };
}

/** USD per request of each `server_tool_use` counter; one not listed costs `unknownServerToolUsd`. */
const serverToolUsdPerRequest: Readonly<Record<string, number>> = {
  web_search_requests: 0.01,
  web_fetch_requests: 0,
  code_execution_requests: 0.05,
};
const unknownServerToolUsd = 0.05;

/** What a call's server tool requests cost, in USD. */
function serverToolCostUsd(usage: MessageUsage): number {
  let usd = 0;
  for (const [counter, requests] of Object.entries(usage.serverToolRequests)) {
    usd += requests * (serverToolUsdPerRequest[counter] ?? unknownServerToolUsd);
  }
  return usd;
}

/** The tokens a budget is charged for a call's server tool requests: their USD at the input price. */
export function serverToolTokens(model: string, usage: MessageUsage): number {
  const usd = serverToolCostUsd(usage);
  if (usd === 0) return 0;
  return Math.ceil((usd * 1_000_000) / priceForModel(model).price.inputPerMTok);
}

/** The USD cost of one call's usage; `priceKnown` is false when the model was not in the table. */
export function costOfUsage(model: string, usage: MessageUsage): { costUsd: number; priceKnown: boolean } {
  const { price: p, known } = priceForModel(model);
  const oneHourWrites = Math.min(usage.cacheCreation1hInputTokens, usage.cacheCreationInputTokens);
  const perToken =
    usage.inputTokens * p.inputPerMTok +
    usage.outputTokens * p.outputPerMTok +
    (usage.cacheCreationInputTokens - oneHourWrites) * p.cacheWrite5mPerMTok +
    oneHourWrites * p.cacheWrite1hPerMTok +
    usage.cacheReadInputTokens * p.cacheReadPerMTok;
  return { costUsd: perToken / 1_000_000 + serverToolCostUsd(usage), priceKnown: known };
}
