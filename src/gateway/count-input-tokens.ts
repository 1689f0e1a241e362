// The exact input tokens of a Messages request, from the API's own count_tokens endpoint (free of
// charge), for when the bound from bytes does not fit what an agent has left. The count is asked
// with the agent's headers (its betas change what is counted) and the real credential.
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import type { MessagesRequest } from "./messages-request.ts";
import { sendUpstream, type UpstreamConfig, upstreamRequestHeaders, upstreamUrl } from "./upstream.ts";

/** The fields count_tokens takes; the others (max_tokens, stream, metadata, …) it refuses. */
const countedFields = ["model", "messages", "system", "tools", "tool_choice", "thinking"] as const;
const maxReplyBytes = 64 * 1024;
const countReply = z.looseObject({ input_tokens: z.number().int().nonnegative() });

export type InputCount = { counted: true; inputTokens: number } | { counted: false; why: string };

export async function countInputTokens(
  upstream: UpstreamConfig,
  clientHeaders: IncomingHttpHeaders,
  clientPath: string,
  request: MessagesRequest,
  signal: AbortSignal,
): Promise<InputCount> {
  const fields: Record<string, unknown> = {};
  for (const field of countedFields) if (request[field] !== undefined) fields[field] = request[field];
  const body = Buffer.from(JSON.stringify(fields));
  const query = clientPath.includes("?") ? clientPath.slice(clientPath.indexOf("?")) : "";
  try {
    const reply = await sendUpstream(
      upstreamUrl(upstream.baseUrl, `/v1/messages/count_tokens${query}`),
      "POST",
      upstreamRequestHeaders(clientHeaders, upstream, body.length),
      body,
      signal,
    );
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of reply) {
      const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      bytes += piece.length;
      if (bytes > maxReplyBytes) return { counted: false, why: "count_tokens answered with too much" };
      chunks.push(piece);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (reply.statusCode !== 200) {
      return { counted: false, why: `count_tokens answered ${reply.statusCode}: ${text.slice(0, 300)}` };
    }
    const parsed = countReply.safeParse(JSON.parse(text));
    if (!parsed.success) return { counted: false, why: "count_tokens answered without input_tokens" };
    return { counted: true, inputTokens: parsed.data.input_tokens };
  } catch (error) {
    return { counted: false, why: `count_tokens failed: ${String(error)}` };
  }
}
