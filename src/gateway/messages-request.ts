// A Messages API request body as the gateway reads it: parsed with zod where it enters. Only the
// fields the gateway acts on are typed (the answer's size, thinking, tools, the content it bounds);
// every other field is kept as it came and forwarded unchanged.
import { z } from "zod";

const contentBlockSchema = z.looseObject({ type: z.string() });
export type ContentBlock = z.infer<typeof contentBlockSchema>;

/** A message's or tool result's content: a string, or a list of typed blocks. */
export const contentSchema = z.union([z.string(), z.array(contentBlockSchema)]);

const toolSchema = z.looseObject({
  /** Absent (or `custom`) for a tool the client runs; set for the API's own (server) tools. */
  type: z.string().optional(),
  name: z.string().optional(),
});

const messagesRequestSchema = z.looseObject({
  model: z.string(),
  max_tokens: z.number().int().positive(),
  messages: z.array(z.looseObject({ role: z.string(), content: contentSchema })),
  system: contentSchema.optional(),
  tools: z.array(toolSchema).optional(),
  thinking: z.looseObject({ type: z.string(), budget_tokens: z.number().optional() }).optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

export type ParsedRequest = { ok: true; request: MessagesRequest } | { ok: false; problem: string };

export function parseMessagesRequest(body: Buffer): ParsedRequest {
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    return { ok: false, problem: "the body is not JSON" };
  }
  const parsed = messagesRequestSchema.safeParse(value);
  if (parsed.success) return { ok: true, request: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? "the body" : issue.path.join(".");
  return { ok: false, problem: `${where}: ${issue?.message ?? "not a Messages API request"}` };
}

const minimumThinkingBudget = 1_024;

/**
 * The request with `max_tokens` lowered to `limit` (at least 1), or the same request when it asks
 * for no more. Extended thinking with a fixed `budget_tokens` must stay below `max_tokens` (and at
 * least 1,024), so it shrinks with it or, when too little is left for thinking at all, is turned
 * off for this call.
 */
export function withMaxTokens(request: MessagesRequest, limit: number): MessagesRequest {
  const allowed = Math.max(1, Math.floor(limit));
  if (request.max_tokens <= allowed) return request;
  const lowered: MessagesRequest = { ...request, max_tokens: allowed };
  const { thinking } = request;
  if (thinking?.type !== "enabled" || thinking.budget_tokens === undefined) return lowered;
  if (thinking.budget_tokens < allowed) return lowered;
  lowered.thinking =
    allowed - 1 >= minimumThinkingBudget ? { ...thinking, budget_tokens: allowed - 1 } : { type: "disabled" };
  return lowered;
}
