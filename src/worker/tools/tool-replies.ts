// What the worker answers an agent's tool call: a text result (an error the model can read and
// act on, or not), or "park", which makes the call never return.
import type { z } from "zod";
import type { ToolAnswer } from "../../agent-tools/flotilla-mcp-server.ts";

export type ToolReply = ToolAnswer;

export function toolError(text: string): ToolReply {
  return { text, isError: true };
}

export function describeInputProblem(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ");
}
