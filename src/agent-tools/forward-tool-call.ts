// Forwards one tool call to the worker's tool endpoint and reads its answer. The worker's answer
// is read up to a byte bound, and anything unexpected (HTTP status, bad JSON, network error,
// timeout) comes back as a reason the model can read rather than as an exception.
import { z } from "zod";
import type { ToolName } from "./flotilla-tools.ts";

export interface Gateway {
  /** The worker's loopback base URL, e.g. `http://127.0.0.1:4567`. */
  url: string;
  /** The per-agent token the worker knows this agent by. */
  agentToken: string;
}

export type ToolAnswer =
  | { kind: "result"; text: string; isError: boolean }
  | { kind: "park" }
  | { kind: "failed"; reason: string };

export interface ForwardOptions {
  /** @defaultValue 120_000 */
  timeoutMs?: number;
  /** Bytes of the worker's answer read at most. @defaultValue 1 MiB */
  maxAnswerBytes?: number;
}

const workerAnswerSchema = z.union([
  z.object({ park: z.literal(true) }),
  z.object({ text: z.string(), isError: z.boolean().optional() }),
]);

export async function forwardToolCall(
  gateway: Gateway,
  tool: ToolName,
  input: unknown,
  options: ForwardOptions = {},
): Promise<ToolAnswer> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  let response: Response;
  try {
    response = await fetch(`${gateway.url.replace(/\/+$/, "")}/flotilla/tools/${tool}`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.agentToken}`, "content-type": "application/json" },
      body: JSON.stringify(input ?? {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return { kind: "failed", reason: networkReason(error, timeoutMs) };
  }
  let body: string;
  try {
    body = await readBoundedText(response, options.maxAnswerBytes ?? 1024 * 1024);
  } catch (error) {
    return { kind: "failed", reason: networkReason(error, timeoutMs) };
  }
  if (response.status !== 200) {
    const excerpt = body.trim().slice(0, 300);
    return {
      kind: "failed",
      reason: `the worker answered HTTP ${response.status}${excerpt ? ` (${excerpt})` : ""}`,
    };
  }
  const parsed = workerAnswerSchema.safeParse(parseJson(body));
  if (!parsed.success) return { kind: "failed", reason: "the worker's answer was not understood" };
  if ("park" in parsed.data) return { kind: "park" };
  return { kind: "result", text: parsed.data.text, isError: parsed.data.isError ?? false };
}

async function readBoundedText(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Leaving the loop by throwing cancels the rest of the body.
    if (total > maxBytes) throw new Error(`the worker's answer was larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === "TimeoutError") {
    return `the worker did not answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  if (!(error instanceof Error)) return String(error);
  // fetch hides the useful part (ECONNREFUSED, …) in `cause`.
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error.message}${cause}`;
}
