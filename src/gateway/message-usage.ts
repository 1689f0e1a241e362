// The token usage of one Messages API answer, as the API reports it, and what of it Flotilla
// charges against a budget. Input, cache writes and output are charged; cache reads are not
// (they are cheap re-reads of context already paid for), but they are priced in USD. Server tools
// (web search, …) report their requests in `server_tool_use`; they are paid per request, and
// model-prices.ts turns that into tokens.
import { z } from "zod";

export interface MessageUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  /** Of the cache writes, those kept for one hour (priced higher), when the API says so. */
  cacheCreation1hInputTokens: number;
  /** `server_tool_use` counters, e.g. `{ web_search_requests: 2 }`. */
  serverToolRequests: Readonly<Record<string, number>>;
}

export const emptyUsage: MessageUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreation1hInputTokens: 0,
  serverToolRequests: {},
};

/** The tokens of this usage charged against an agent's budget (server tools not included). */
export function chargedTokens(usage: MessageUsage): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.outputTokens;
}

/** A count the API reports; anything else (missing, null, negative, a fraction) reads as absent. */
const count = z.number().int().nonnegative().optional().catch(undefined);

const apiUsageSchema = z.looseObject({
  input_tokens: count,
  output_tokens: count,
  cache_creation_input_tokens: count,
  cache_read_input_tokens: count,
  cache_creation: z.looseObject({ ephemeral_1h_input_tokens: count }).optional().catch(undefined),
  server_tool_use: z.record(z.string(), count).optional().catch(undefined),
});

/**
 * Applies a `usage` object from the API on top of what is known so far. `message_delta` usage is
 * cumulative and may repeat input counts (server tools make them grow), so every field present
 * replaces the earlier value; absent or null fields keep it.
 */
export function applyApiUsage(known: MessageUsage, raw: unknown): MessageUsage {
  const parsed = apiUsageSchema.safeParse(raw);
  if (!parsed.success) return known;
  const fields = parsed.data;
  const serverToolRequests = { ...known.serverToolRequests };
  for (const [name, requests] of Object.entries(fields.server_tool_use ?? {})) {
    if (requests !== undefined) serverToolRequests[name] = requests;
  }
  return {
    inputTokens: fields.input_tokens ?? known.inputTokens,
    outputTokens: fields.output_tokens ?? known.outputTokens,
    cacheCreationInputTokens: fields.cache_creation_input_tokens ?? known.cacheCreationInputTokens,
    cacheReadInputTokens: fields.cache_read_input_tokens ?? known.cacheReadInputTokens,
    cacheCreation1hInputTokens:
      fields.cache_creation?.ephemeral_1h_input_tokens ?? known.cacheCreation1hInputTokens,
    serverToolRequests,
  };
}
