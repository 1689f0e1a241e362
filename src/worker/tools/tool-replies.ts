// What the worker answers the MCP bridge for a tool call: a text result (an error the model can
// read and act on, or not), or "park", which makes the call never return.
import type { z } from "zod";

export type ToolReply = { text: string; isError?: boolean } | { park: true };

export function toolError(text: string): ToolReply {
  return { text, isError: true };
}

export function describeInputProblem(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ");
}
