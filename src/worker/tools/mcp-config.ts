// The `--mcp-config` file that gives an agent's `claude` Flotilla's tools, and the tool names
// to allow. The file holds the agent's token, so it is written readable by its owner only,
// through a rename so that no reader ever sees it half-written.
import { rename, rm, writeFile } from "node:fs/promises";
import { mcpServerName, toolNames } from "../../agent-tools/flotilla-tools.ts";

/** The names the CLI offers Flotilla's tools under, for `--allowedTools`. */
export const flotillaToolNames: readonly string[] = toolNames.map((tool) => `mcp__${mcpServerName}__${tool}`);

export interface McpConfigOptions {
  /** The worker's gateway base URL, e.g. `http://127.0.0.1:4567`; it serves the tools at /flotilla/mcp. */
  gatewayUrl: string;
  /** The per-agent token the CLI presents on every MCP request. */
  agentToken: string;
}

export async function writeMcpConfig(path: string, options: McpConfigOptions): Promise<void> {
  const config = {
    mcpServers: {
      // Served by the worker's own gateway: no process to start per agent and per resume, so the
      // CLI's `initialize` is one loopback round trip (bench/mcp-startup.ts).
      [mcpServerName]: {
        type: "http",
        url: `${options.gatewayUrl.replace(/\/+$/, "")}/flotilla/mcp`,
        headers: { Authorization: `Bearer ${options.agentToken}` },
      },
    },
  };
  const temporaryPath = `${path}.${process.pid}.tmp`;
  await rm(temporaryPath, { force: true });
  await writeFile(temporaryPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(temporaryPath, path);
}
