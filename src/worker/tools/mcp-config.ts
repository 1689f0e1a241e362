// The `--mcp-config` file that gives an agent's `claude` Flotilla's tools, and the tool names
// to allow. The file holds the agent's token, so it is written readable by its owner only,
// through a rename so that no reader ever sees it half-written.
import { rename, rm, writeFile } from "node:fs/promises";
import type { McpServerProgram } from "../../agent/mcp-server-program.ts";
import { mcpServerName, toolNames } from "../../agent-tools/flotilla-tools.ts";

/** The names the CLI offers Flotilla's tools under, for `--allowedTools`. */
export const flotillaToolNames: readonly string[] = toolNames.map((tool) => `mcp__${mcpServerName}__${tool}`);

export interface McpConfigOptions {
  /** The worker's tool endpoint base URL, e.g. `http://127.0.0.1:4567`. */
  gatewayUrl: string;
  /** The per-agent token the server presents on every call. */
  agentToken: string;
  /** The server's program: the worker's bundle (mcp-server-program.ts) or the sources. */
  server: McpServerProgram;
}

export async function writeMcpConfig(path: string, options: McpConfigOptions): Promise<void> {
  const config = {
    mcpServers: {
      [mcpServerName]: {
        type: "stdio",
        command: process.execPath,
        args: [options.server.entry],
        env: {
          FLOTILLA_GATEWAY_URL: options.gatewayUrl,
          FLOTILLA_AGENT_TOKEN: options.agentToken,
          ...(options.server.compileCacheDir === undefined
            ? {}
            : { NODE_COMPILE_CACHE: options.server.compileCacheDir }),
        },
      },
    },
  };
  const temporaryPath = `${path}.${process.pid}.tmp`;
  await rm(temporaryPath, { force: true });
  await writeFile(temporaryPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  await rename(temporaryPath, path);
}
