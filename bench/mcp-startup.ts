// How long the real `claude` CLI takes to print its init line with Flotilla's MCP server and
// without any, and how long the server alone takes to answer `initialize`: from its TypeScript
// sources, and as the bundle a worker makes at start, with and without the compile cache the
// worker fills. `node bench/mcp-startup.ts [--rounds 7]`; appends to bench/RESULTS.md.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { buildClaudeArguments } from "../src/agent/claude-arguments.ts";
import {
  type McpServerProgram,
  mcpServerFromSources,
  prepareMcpServerProgram,
} from "../src/agent/mcp-server-program.ts";
import { signalProcessGroup } from "../src/process/run-command.ts";
import { writeMcpConfig } from "../src/worker/tools/mcp-config.ts";
import { createAgentSandbox, initLine, startCli } from "../test/agent-tools/cli-run.ts";
import { ScriptedModel } from "../test/support/scripted-model.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, median, recordResults } from "./support/results.ts";

const { rounds } = numberOptions({ rounds: 7 });
const initializeTargetMs = 100;
const model = new ScriptedModel().script("hello", () => ({ text: "hi" }));
await model.start();
const sandbox = await createAgentSandbox(model.url);
const dataDir = await mkdtemp(join(tmpdir(), "flotilla-bench-mcp-"));
const bundled = await prepareMcpServerProgram(dataDir);
const bundledCold: McpServerProgram = { entry: bundled.entry };

async function mcpConfigFor(server: McpServerProgram, name: string): Promise<string> {
  const path = join(sandbox.dir, `mcp-config-${name}.json`);
  await writeMcpConfig(path, { gatewayUrl: "http://127.0.0.1:9", agentToken: "bench", server });
  return path;
}
const configs = {
  sources: await mcpConfigFor(mcpServerFromSources, "sources"),
  bundle: await mcpConfigFor(bundled, "bundle"),
};

async function initLineMs(mcpConfigPath: string | undefined): Promise<number> {
  const run = startCli(
    sandbox,
    buildClaudeArguments({
      message: "[[script:hello]]",
      sessionId: crypto.randomUUID(),
      resume: false,
      allowedTools: ["Read"],
      maxTurns: 2,
      mcpConfigPath,
    }),
  );
  await run.process;
  await run.drained;
  const init = run.lines.find(({ line }) => line === initLine(run));
  if (init === undefined) throw new Error("no init line");
  signalProcessGroup(run.process.pid, "SIGKILL");
  return init.atMs;
}

async function serverInitializeMs(server: McpServerProgram): Promise<number> {
  const startedAt = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [server.entry],
    env: {
      FLOTILLA_GATEWAY_URL: "http://127.0.0.1:9",
      FLOTILLA_AGENT_TOKEN: "bench",
      ...(server.compileCacheDir === undefined ? {} : { NODE_COMPILE_CACHE: server.compileCacheDir }),
    },
  });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  const elapsed = performance.now() - startedAt;
  await client.close();
  return elapsed;
}

const samples = {
  sources: [] as number[],
  bundleCold: [] as number[],
  bundle: [] as number[],
  initNoMcp: [] as number[],
  initSources: [] as number[],
  initBundle: [] as number[],
};
// Interleaved, so that a burst of load on the machine hits every variant alike.
for (let round = 0; round < rounds; round += 1) {
  samples.sources.push(await serverInitializeMs(mcpServerFromSources));
  samples.bundleCold.push(await serverInitializeMs(bundledCold));
  samples.bundle.push(await serverInitializeMs(bundled));
  samples.initNoMcp.push(await initLineMs(undefined));
  samples.initSources.push(await initLineMs(configs.sources));
  samples.initBundle.push(await initLineMs(configs.bundle));
}
const range = (values: number[]) =>
  `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
await recordResults({
  title: "MCP server start",
  command: currentCommand(),
  figures: [
    {
      name: "server answers `initialize`, from the TypeScript sources (before)",
      value: range(samples.sources),
      unit: "ms",
    },
    {
      name: "server answers `initialize`, bundle without compile cache",
      value: range(samples.bundleCold),
      unit: "ms",
    },
    {
      name: "server answers `initialize`, bundle with the worker's compile cache (what agents run)",
      value: range(samples.bundle),
      unit: "ms",
      target: `≤ ${initializeTargetMs} ms (median)`,
      met: median(samples.bundle) <= initializeTargetMs,
    },
    { name: "CLI init line, no MCP server", value: range(samples.initNoMcp), unit: "ms" },
    { name: "CLI init line, server from the sources", value: range(samples.initSources), unit: "ms" },
    { name: "CLI init line, server bundled with cache", value: range(samples.initBundle), unit: "ms" },
  ],
  notes: [
    `Median (min–max) of ${rounds} interleaved rounds. \`initialize\` is timed from spawning \`node\` to the SDK client's connect resolving (Node's own start included); the init line from spawning \`claude -p\` to its first stream line (the CLI waits for its MCP servers).`,
    "The bundle: esbuild, one minified ESM file of the server and its dependencies (zod, the MCP SDK, ajv), written by the worker at start to <data>/program with V8's compile cache beside it (see src/agent/mcp-server-program.ts).",
  ],
});
await model.stop();
await sandbox.cleanup();
await rm(dataDir, { recursive: true, force: true });
