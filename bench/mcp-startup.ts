// How long the real `claude` CLI takes to print its init line with Flotilla's MCP server and
// without any, and how long the server alone takes to answer `initialize`. Run on demand:
// `node bench/mcp-startup.ts [rounds]`; prints medians and ranges in milliseconds.
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { buildClaudeArguments } from "../src/agent/claude-arguments.ts";
import { signalProcessGroup } from "../src/process/run-command.ts";
import { mcpServerPath, writeMcpConfig } from "../src/worker/tools/mcp-config.ts";
import { createAgentSandbox, initLine, startCli } from "../test/agent-tools/cli-run.ts";
import { ScriptedModel } from "../test/support/scripted-model.ts";

const rounds = Number(process.argv[2] ?? 5);
const model = new ScriptedModel().script("hello", () => ({ text: "hi" }));
await model.start();
const sandbox = await createAgentSandbox(model.url);
const mcpConfigPath = join(sandbox.dir, "mcp-config.json");
await writeMcpConfig(mcpConfigPath, { gatewayUrl: "http://127.0.0.1:9", agentToken: "bench" });

async function initLineMs(withMcp: boolean): Promise<number> {
  const run = startCli(
    sandbox,
    buildClaudeArguments({
      message: "[[script:hello]]",
      sessionId: crypto.randomUUID(),
      resume: false,
      allowedTools: ["Read"],
      maxTurns: 2,
      mcpConfigPath: withMcp ? mcpConfigPath : undefined,
    }),
  );
  await run.process;
  await run.drained;
  const init = run.lines.find(({ line }) => line === initLine(run));
  if (init === undefined) throw new Error("no init line");
  signalProcessGroup(run.process.pid, "SIGKILL");
  return init.atMs;
}

async function serverInitializeMs(): Promise<number> {
  const startedAt = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [mcpServerPath],
    env: { FLOTILLA_GATEWAY_URL: "http://127.0.0.1:9", FLOTILLA_AGENT_TOKEN: "bench" },
  });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  const elapsed = performance.now() - startedAt;
  await client.close();
  return elapsed;
}

const samples: Record<string, number[]> = {
  "init line, no MCP": [],
  "init line, flotilla MCP": [],
  "server initialize": [],
};
for (let round = 0; round < rounds; round += 1) {
  samples["init line, no MCP"]?.push(await initLineMs(false));
  samples["init line, flotilla MCP"]?.push(await initLineMs(true));
  samples["server initialize"]?.push(await serverInitializeMs());
}
for (const [label, values] of Object.entries(samples)) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  console.log(
    `${label}: median ${median.toFixed(0)} ms (${sorted[0]?.toFixed(0)}–${sorted.at(-1)?.toFixed(0)}, n=${rounds})`,
  );
}
await model.stop();
await sandbox.cleanup();
