// Builds the MCP server that offers Flotilla's tools to one agent. It is a bridge and nothing
// more: every call is forwarded to the worker, which owns all state and all decisions. A call
// the worker parks never returns, so the CLI cannot ask the model for another turn before the
// worker kills it.
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
import { type ForwardOptions, forwardToolCall, type Gateway } from "./forward-tool-call.ts";

export function createFlotillaMcpServer(gateway: Gateway, options: ForwardOptions = {}): McpServer {
  const server = new McpServer({ name: mcpServerName, version: "0.1.0" });
  for (const tool of toolNames) {
    server.registerTool(
      tool,
      { description: toolDescriptions[tool], inputSchema: toolInputSchemas[tool] },
      (input: unknown) => callTool(gateway, tool, input, options),
    );
  }
  return server;
}

async function callTool(gateway: Gateway, tool: ToolName, input: unknown, options: ForwardOptions) {
  const answer = await forwardToolCall(gateway, tool, input, options);
  switch (answer.kind) {
    case "park":
      return new Promise<never>(() => {});
    case "result":
      return textResult(answer.text, answer.isError);
    case "failed":
      return textResult(
        `Flotilla could not ${toolFailureActions[tool]}: ${answer.reason}; try again or continue without sub-agents.`,
        true,
      );
  }
}

function textResult(text: string, isError: boolean): CallToolResult {
  return { content: [{ type: "text", text }], ...(isError ? { isError: true } : {}) };
}
