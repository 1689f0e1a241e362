// Entry point of the MCP server that each agent's `claude` starts over stdio (see worker/tools/mcp-config.ts):
// `node src/agent-tools/mcp-server.ts`, with FLOTILLA_GATEWAY_URL and FLOTILLA_AGENT_TOKEN in its
// environment. It exits when the CLI closes its stdin, even while a parked call is pending.
import { flushCompileCache } from "node:module";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { createFlotillaMcpServer } from "./flotilla-mcp-server.ts";
import type { Gateway } from "./forward-tool-call.ts";

function gatewayFromEnvironment(environment: NodeJS.ProcessEnv): Gateway | string {
  const url = environment.FLOTILLA_GATEWAY_URL;
  const agentToken = environment.FLOTILLA_AGENT_TOKEN;
  if (!url || !URL.canParse(url)) {
    return `FLOTILLA_GATEWAY_URL is ${url ? `not a URL (${JSON.stringify(url)})` : "not set"}`;
  }
  if (!agentToken) return "FLOTILLA_AGENT_TOKEN is not set";
  return { url, agentToken };
}

// The worker loads its bundle of this server once at start with this switch, to fill the
// compile cache agents' servers then start from (agent/mcp-server-program.ts).
if (process.env.FLOTILLA_MCP_WARM_UP === "1") {
  flushCompileCache();
  process.exit(0);
}

const gateway = gatewayFromEnvironment(process.env);
if (typeof gateway === "string") {
  process.stderr.write(
    `flotilla MCP server: ${gateway}. It is started by the claude CLI from the MCP config that Flotilla's writeMcpConfig writes, which sets both variables.\n`,
  );
  process.exit(1);
}
await createFlotillaMcpServer(gateway).connect(new StdioServerTransport());
process.stdin.on("close", () => process.exit(0));
