// The token usage of one Messages API answer, as the API reports it, and what of it Flotilla
// charges against a budget. Input, cache writes and output are charged; cache reads are not
// (they are cheap re-reads of context already paid for), but they are priced in USD.

export interface MessageUsage {
  inputTokens: number;
  outputTokens: number;
  cacheCreationInputTokens: number;
  cacheReadInputTokens: number;
  /** Of the cache writes, those kept for one hour (priced higher), when the API says so. */
  cacheCreation1hInputTokens: number;
}

export const emptyUsage: MessageUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheCreationInputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreation1hInputTokens: 0,
};

/** The tokens charged against an agent's budget for this usage. */
export function chargedTokens(usage: MessageUsage): number {
  return usage.inputTokens + usage.cacheCreationInputTokens + usage.outputTokens;
}

/**
 * Applies a `usage` object from the API on top of what is known so far. `message_delta` usage is
 * cumulative and may repeat input counts (server tools make them grow), so every field present
 * replaces the earlier value; absent or null fields keep it.
 */
export function applyApiUsage(known: MessageUsage, raw: unknown): MessageUsage {
  if (typeof raw !== "object" || raw === null) return known;
  const fields = raw as Record<string, unknown>;
  const cacheCreation = fields.cache_creation;
  const oneHour =
    typeof cacheCreation === "object" && cacheCreation !== null
      ? (cacheCreation as Record<string, unknown>).ephemeral_1h_input_tokens
      : undefined;
  return {
    inputTokens: countOr(fields.input_tokens, known.inputTokens),
    outputTokens: countOr(fields.output_tokens, known.outputTokens),
    cacheCreationInputTokens: countOr(fields.cache_creation_input_tokens, known.cacheCreationInputTokens),
    cacheReadInputTokens: countOr(fields.cache_read_input_tokens, known.cacheReadInputTokens),
    cacheCreation1hInputTokens: countOr(oneHour, known.cacheCreation1hInputTokens),
  };
}

function countOr(value: unknown, fallback: number): number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}
