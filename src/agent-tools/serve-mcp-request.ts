// Serves one MCP request (Streamable HTTP, stateless) for one agent. The worker's gateway calls
// this for `POST /flotilla/mcp` once it knows which agent is asking: no session is kept between
// requests, so a server is built per request from the agent's `callTool`. Answers are plain JSON
// rather than an SSE stream: each request carries one message and gets one answer, and a parked
// call simply holds its response open until the worker stops the agent.
import type { IncomingMessage, ServerResponse } from "node:http";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { type CallTool, createFlotillaMcpServer } from "./flotilla-mcp-server.ts";

/** `body` is the request's JSON, already read (the gateway reads it with a byte bound). */
export async function serveMcpRequest(
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  callTool: CallTool,
): Promise<void> {
  const server = createFlotillaMcpServer(callTool);
  // No sessionIdGenerator: stateless mode, the session id header is neither issued nor asked for.
  const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
  // A parked call never answers: when the agent's CLI is stopped its connection closes, and the
  // server and transport of that request go with it.
  response.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(request, response, body);
}
