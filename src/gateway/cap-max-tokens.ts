// Lowers a Messages request's `max_tokens` to what the agent's budget has left, so that one
// answer cannot overshoot the budget by more than its input. Extended thinking with a fixed
// `budget_tokens` must stay below `max_tokens` (and at least 1,024), so it shrinks with it or,
// when too little is left for thinking at all, is turned off for this call.

const minimumThinkingBudget = 1_024;

export interface MessagesRequestBody {
  max_tokens?: unknown;
  thinking?: unknown;
  [field: string]: unknown;
}

/** Caps the body in place; returns whether anything changed. `limit` is at least 1. */
export function capMaxTokens(body: MessagesRequestBody, limit: number): boolean {
  const allowed = Math.max(1, Math.floor(limit));
  if (typeof body.max_tokens !== "number" || body.max_tokens <= allowed) return false;
  body.max_tokens = allowed;
  const thinking = body.thinking;
  if (typeof thinking !== "object" || thinking === null) return true;
  const { type, budget_tokens: budgetTokens } = thinking as { type?: unknown; budget_tokens?: unknown };
  if (type !== "enabled" || typeof budgetTokens !== "number" || budgetTokens < allowed) return true;
  body.thinking =
    allowed - 1 >= minimumThinkingBudget ? { ...thinking, budget_tokens: allowed - 1 } : { type: "disabled" };
  return true;
}
