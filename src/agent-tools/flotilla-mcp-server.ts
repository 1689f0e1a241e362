// Builds the MCP server that offers Flotilla's tools to one agent: the four tools, their
// descriptions and schemas, and what each answer looks like to the model. What a call does is
// decided by the worker (the `callTool` it is given); a call the worker parks never returns, so
// the CLI cannot ask the model for another turn before the worker stops it.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  mcpServerName,
  type ToolName,
  toolDescriptions,
  toolFailureActions,
  toolInputSchemas,
  toolNames,
} from "./flotilla-tools.ts";

/** The worker's answer to one tool call: text for the model (an error or not), or "park". */
export type ToolAnswer = { text: string; isError?: boolean } | { park: true };

/** Runs one tool call for the agent this server belongs to. */
export type CallTool = (tool: ToolName, input: unknown) => Promise<ToolAnswer>;

export function createFlotillaMcpServer(callTool: CallTool): McpServer {
  const server = new McpServer({ name: mcpServerName, version: "0.1.0" });
  for (const tool of toolNames) {
    server.registerTool(
      tool,
      { description: toolDescriptions[tool], inputSchema: toolInputSchemas[tool] },
      (input: unknown) => answerCall(callTool, tool, input),
    );
  }
  return server;
}

async function answerCall(callTool: CallTool, tool: ToolName, input: unknown): Promise<CallToolResult> {
  let answer: ToolAnswer;
  try {
    answer = await callTool(tool, input);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return textResult(
      `Flotilla could not ${toolFailureActions[tool]}: ${reason}; try again or continue without sub-agents.`,
      true,
    );
  }
  if ("park" in answer) return new Promise<never>(() => {});
  return textResult(answer.text, answer.isError ?? false);
}

function textResult(text: string, isError: boolean): CallToolResult {
  return { content: [{ type: "text", text }], ...(isError ? { isError: true } : {}) };
}
