// The inputs of the tools Flotilla gives each agent, validated again on the worker's side: the
// MCP bridge runs inside the agent's process tree and is not trusted.
import { z } from "zod";

export const spawnAgentInput = z.object({
  task: z.string().trim().min(1, "task must not be empty").max(50_000),
  name: z.string().trim().max(60).optional(),
  budget_tokens: z.number().int().positive().optional(),
});

export const waitForAgentsInput = z.object({
  ids: z.array(z.string()).max(100).optional(),
});

export const readAgentResultInput = z.object({
  id: z.string().min(1),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(20_000).default(4_000),
});

export const listAgentsInput = z.object({}).passthrough();

export type ToolName = "spawn_agent" | "list_agents" | "wait_for_agents" | "read_agent_result";

/** What the worker answers the MCP bridge: a text result, or "park" (the call never returns). */
export type ToolReply = { text: string; isError?: boolean } | { park: true };

export function toolError(text: string): ToolReply {
  return { text, isError: true };
}

export function describeInputProblem(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("; ");
}
