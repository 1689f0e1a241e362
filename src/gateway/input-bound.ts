// An upper bound on the input tokens of a Messages request, from its size alone, so the gateway
// can reserve a call's worst case without asking anyone. Why bytes bound tokens: the tokenizer
// turns text into tokens of at least one byte each, and the JSON of a request holds all that text
// plus quotes, keys and escapes; the API adds a little around it (the tool-use system prompt is
// ~350 tokens), which `apiOverheadTokens` covers. Images are the exception (a small file can be a
// large picture): each gets `imageAllowanceTokens`, more than the API ever charges for one image
// after it resizes it. Documents (PDF pages are read as images and text) and any block type not
// known here have no bound from bytes: the gateway then asks the API's count_tokens instead.
import { type ContentBlock, contentSchema, type MessagesRequest } from "./messages-request.ts";

export const apiOverheadTokens = 1_024;
const imageAllowanceTokens = 8_000;

/** Block types whose tokens are at most the bytes of their JSON. */
const boundedByBytes = new Set([
  "text",
  "tool_use",
  "thinking",
  "redacted_thinking",
  "server_tool_use",
  "web_search_tool_result",
  "search_result",
]);

export type InputBound = { bounded: true; tokens: number } | { bounded: false; why: string };

export function inputTokenBound(bodyBytes: number, request: MessagesRequest): InputBound {
  let images = 0;
  const blocks: ContentBlock[] = [];
  for (const message of request.messages)
    if (typeof message.content !== "string") blocks.push(...message.content);
  if (request.system !== undefined && typeof request.system !== "string") blocks.push(...request.system);
  // Tool results nest content of their own (text and images): walk them too, iteratively.
  while (blocks.length > 0) {
    const block = blocks.pop();
    if (block === undefined) break;
    if (block.type === "image") {
      images += 1;
    } else if (block.type === "tool_result") {
      const nested = contentSchema.optional().safeParse(block.content);
      if (!nested.success) return { bounded: false, why: "a tool result's content is not text or blocks" };
      if (nested.data !== undefined && typeof nested.data !== "string") blocks.push(...nested.data);
    } else if (!boundedByBytes.has(block.type)) {
      return { bounded: false, why: `its size does not bound the tokens of a ${block.type} block` };
    }
  }
  return { bounded: true, tokens: bodyBytes + apiOverheadTokens + images * imageAllowanceTokens };
}
