// How long the real `claude` CLI takes to print its init line with Flotilla's tools and without
// any, and how long the worker's gateway takes to answer an MCP client's `initialize` (the SDK
// client's connect: `initialize`, then `notifications/initialized`) on a fresh connection, the
// first time after start and after. The tools are served by the gateway itself (Streamable HTTP),
// so no process starts per agent. `node bench/mcp-startup.ts [--rounds 7]`; appends to bench/RESULTS.md.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Redis } from "ioredis";
import { buildClaudeArguments } from "../src/agent/claude-arguments.ts";
import { AgentGateway } from "../src/gateway/agent-gateway.ts";
import { signalProcessGroup } from "../src/process/run-command.ts";
import { BudgetStore } from "../src/store/budget-store.ts";
import { createKeySpace } from "../src/store/keys.ts";
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
const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
const gateway = new AgentGateway({
  upstream: { baseUrl: model.url, apiKey: "sk-ant-bench", oauthToken: undefined },
  ledger: new BudgetStore(redis, createKeySpace(`flotilla-bench-mcp-${process.pid}`)),
  toolHandler: async (_agentId, tool) => ({ text: `${tool} answered` }),
});
await gateway.start();

async function mcpConfigFor(round: number): Promise<string> {
  const credential = gateway.register(
    { id: `rbench/agent-${round}`, installationId: 1 },
    { onBudgetExhausted: () => {} },
  );
  const path = `${sandbox.dir}/mcp-config-${round}.json`;
  await writeMcpConfig(path, { gatewayUrl: credential.baseUrl, agentToken: credential.token });
  return path;
}

/** From spawning the CLI to its init line, and to the model's receiving its first request. */
async function cliStartMs(mcpConfigPath: string | undefined): Promise<{ init: number; firstCall: number }> {
  const spawnedAt = Date.now();
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
  const firstCall = model.requests.find((request) => request.receivedAt >= spawnedAt);
  if (firstCall === undefined) throw new Error("the CLI asked the model nothing");
  return { init: init.atMs, firstCall: firstCall.receivedAt - spawnedAt };
}

async function initializeMs(): Promise<number> {
  const credential = gateway.register(
    { id: "rbench/client", installationId: 1 },
    { onBudgetExhausted: () => {} },
  );
  const startedAt = performance.now();
  const transport = new StreamableHTTPClientTransport(new URL(`${credential.baseUrl}/flotilla/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${credential.token}` } },
  });
  const client = new Client({ name: "bench", version: "0" });
  await client.connect(transport);
  const elapsed = performance.now() - startedAt;
  await client.close();
  await gateway.unregister(credential.token);
  return elapsed;
}

const first = await initializeMs();
const samples = {
  initialize: [] as number[],
  initNoMcp: [] as number[],
  initTools: [] as number[],
  callNoMcp: [] as number[],
  callTools: [] as number[],
};
// Interleaved, so that a burst of load on the machine hits every variant alike.
for (let round = 0; round < rounds; round += 1) {
  samples.initialize.push(await initializeMs());
  const bare = await cliStartMs(undefined);
  const withTools = await cliStartMs(await mcpConfigFor(round));
  samples.initNoMcp.push(bare.init);
  samples.callNoMcp.push(bare.firstCall);
  samples.initTools.push(withTools.init);
  samples.callTools.push(withTools.firstCall);
}
const range = (values: number[]) =>
  `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
await recordResults({
  title: "MCP server start",
  command: currentCommand(),
  figures: [
    { name: "gateway answers `initialize`, first client after start", value: first.toFixed(1), unit: "ms" },
    {
      name: "gateway answers `initialize`, a new client (what every agent start and resume pays)",
      value: range(samples.initialize),
      unit: "ms",
      target: `≤ ${initializeTargetMs} ms (median)`,
      met: median(samples.initialize) <= initializeTargetMs,
    },
    { name: "CLI init line, no MCP server", value: range(samples.initNoMcp), unit: "ms" },
    { name: "CLI init line, Flotilla's tools from the gateway", value: range(samples.initTools), unit: "ms" },
    { name: "CLI first model request, no MCP server", value: range(samples.callNoMcp), unit: "ms" },
    {
      name: "CLI first model request, Flotilla's tools from the gateway",
      value: range(samples.callTools),
      unit: "ms",
    },
  ],
  notes: [
    `Median (min–max) of ${rounds} interleaved rounds. \`initialize\` is timed from creating the SDK's Streamable HTTP client to its connect resolving (both requests of the handshake, each on loopback to the gateway in this process); the init line from spawning \`claude -p\` to its first stream line (the CLI waits for its MCP servers); the first model request from spawning to the scripted model receiving it.`,
    "The tools are served by the worker's model gateway at /flotilla/mcp (src/agent-tools/serve-mcp-request.ts), authenticated with the agent's gateway token; before this change each agent's CLI started Flotilla's MCP server as a Node process of its own (a bundle with a compile cache).",
  ],
});
await gateway.stop();
await model.stop();
await sandbox.cleanup();
redis.disconnect();
