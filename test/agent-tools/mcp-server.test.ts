// The MCP server as a real subprocess, driven by the SDK's own client over stdio, against a stub
// worker: what the model is offered, what reaches the worker, and how answers come back. Run
// from the sources and as the bundle a worker makes at start (with its compile cache), which
// must behave the same.

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { execa } from "execa";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type McpServerProgram,
  mcpServerFromSources,
  prepareMcpServerProgram,
} from "../../src/agent/mcp-server-program.ts";
import { freePort } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";
import { isAlive } from "./cli-run.ts";
import { StubToolWorker } from "./stub-tool-worker.ts";

const agentToken = "flotilla-agent-token-for-tests";
const worker = new StubToolWorker();
const clients: Client[] = [];

let bundleDataDir: string;
const programs: Record<"sources" | "bundle", McpServerProgram> = {
  sources: mcpServerFromSources,
  bundle: mcpServerFromSources,
};

beforeAll(async () => {
  await worker.start();
  bundleDataDir = await mkdtemp(join(tmpdir(), "flotilla-mcp-bundle-"));
  programs.bundle = await prepareMcpServerProgram(bundleDataDir);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  worker.calls.length = 0;
  worker.handler = (call) => ({ json: { text: `stub answer for ${call.tool}` } });
});
afterAll(async () => {
  await worker.stop();
  await rm(bundleDataDir, { recursive: true, force: true });
});

function programEnvironment(program: McpServerProgram): Record<string, string> {
  return program.compileCacheDir === undefined ? {} : { NODE_COMPILE_CACHE: program.compileCacheDir };
}

async function connect(
  program: McpServerProgram,
  gatewayUrl = worker.url,
): Promise<{ client: Client; transport: StdioClientTransport }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [program.entry],
    env: {
      FLOTILLA_GATEWAY_URL: gatewayUrl,
      FLOTILLA_AGENT_TOKEN: agentToken,
      ...programEnvironment(program),
    },
    stderr: "pipe",
  });
  const client = new Client({ name: "flotilla-test", version: "0.0.0" });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

describe("the worker's bundle of the server", () => {
  it("is one file beside a compile cache that its warm-up filled", async () => {
    expect(programs.bundle.entry).toBe(join(bundleDataDir, "program", "mcp-server.mjs"));
    const cacheDir = programs.bundle.compileCacheDir ?? "";
    const versions = await readdir(cacheDir);
    expect(versions).toHaveLength(1);
    expect((await readdir(join(cacheDir, versions[0] ?? ""))).length).toBeGreaterThan(0);
    expect((await readdir(join(bundleDataDir, "program"))).sort()).toEqual([
      "compile-cache",
      "mcp-server.mjs",
    ]);
  });
});

describe.each(["sources", "bundle"] as const)("flotilla MCP server from its %s", (kind) => {
  const program = () => programs[kind];

  it("offers the four tools with their input schemas", async () => {
    const { client } = await connect(program());
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect([...byName.keys()].sort()).toEqual([
      "list_agents",
      "read_agent_result",
      "spawn_agent",
      "wait_for_agents",
    ]);
    const spawn = byName.get("spawn_agent");
    expect(spawn?.inputSchema.required).toEqual(["task"]);
    expect(Object.keys(spawn?.inputSchema.properties ?? {}).sort()).toEqual([
      "budget_tokens",
      "name",
      "task",
    ]);
    expect(spawn?.inputSchema.properties?.budget_tokens).toMatchObject({
      type: "integer",
      exclusiveMinimum: 0,
    });
    expect(spawn?.description).toMatch(/id at once/);
    expect(spawn?.description).toMatch(/pull request against your branch/);
    expect(byName.get("list_agents")?.inputSchema.properties).toEqual({});
    expect(byName.get("wait_for_agents")?.inputSchema.properties?.ids).toMatchObject({ type: "array" });
    expect(byName.get("wait_for_agents")?.inputSchema.required ?? []).toEqual([]);
    const read = byName.get("read_agent_result");
    expect(read?.inputSchema.required).toEqual(["id"]);
    expect(read?.inputSchema.properties?.offset).toMatchObject({ type: "integer", minimum: 0, default: 0 });
    expect(read?.inputSchema.properties?.limit).toMatchObject({ minimum: 1, maximum: 20_000, default: 4000 });
    for (const tool of tools) expect(tool.description?.length).toBeGreaterThan(80);
  });

  it("forwards each call with the agent's token and answers with the worker's text", async () => {
    const { client } = await connect(program());
    worker.handler = (received) => ({
      json: { text: `${received.tool} ok: ${JSON.stringify(received.body)}` },
    });
    const inputs = {
      spawn_agent: { task: "Write the tests for login", name: "login-tests", budget_tokens: 50_000 },
      list_agents: {},
      wait_for_agents: { ids: ["r1/login-tests"], merge: false },
      read_agent_result: { id: "r1/login-tests", offset: 4000, limit: 2000 },
    };
    for (const [tool, input] of Object.entries(inputs)) {
      const result = await call(client, tool, input);
      expect(result.isError ?? false).toBe(false);
      expect(textOf(result)).toBe(`${tool} ok: ${JSON.stringify(input)}`);
    }
    expect(worker.calls.map((received) => received.tool)).toEqual(Object.keys(inputs));
    for (const received of worker.calls) {
      expect(received.authorization).toBe(`Bearer ${agentToken}`);
      expect(received.contentType).toBe("application/json");
      expect(received.body).toEqual(inputs[received.tool as keyof typeof inputs]);
    }
  });

  it("fills in read_agent_result's defaults before forwarding", async () => {
    const { client } = await connect(program());
    await call(client, "read_agent_result", { id: "r1/a" });
    expect(worker.callsOf("read_agent_result")[0]?.body).toEqual({ id: "r1/a", offset: 0, limit: 4000 });
  });

  it("passes the worker's refusals on as error results the model can read", async () => {
    const { client } = await connect(program());
    worker.handler = () => ({ json: { text: "You may start at most 4 sub-agents.", isError: true } });
    const result = await call(client, "spawn_agent", { task: "one more" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("You may start at most 4 sub-agents.");
  });

  it("turns HTTP failures and unreadable answers into readable error results", async () => {
    const { client } = await connect(program());
    worker.handler = () => ({ status: 503, raw: "worker is shutting down" });
    const failed = await call(client, "spawn_agent", { task: "t" });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe(
      "Flotilla could not start the sub-agent: the worker answered HTTP 503 (worker is shutting down); try again or continue without sub-agents.",
    );
    worker.handler = () => ({ raw: "<html>not json</html>" });
    const garbled = await call(client, "list_agents", {});
    expect(garbled.isError).toBe(true);
    expect(textOf(garbled)).toMatch(
      /^Flotilla could not list your sub-agents: the worker's answer was not understood; try again/,
    );
  });

  it("reports a worker that cannot be reached as an error result", async () => {
    const { client } = await connect(program(), `http://127.0.0.1:${await freePort()}`);
    const result = await call(client, "list_agents", {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(
      /^Flotilla could not list your sub-agents: fetch failed.*ECONNREFUSED.*continue without sub-agents\.$/,
    );
  });

  it("never answers a parked call, and exits when the CLI closes its stdin", async () => {
    const { client, transport } = await connect(program());
    worker.handler = () => ({ json: { park: true } });
    let settled = false;
    const pending = call(client, "wait_for_agents", {}).finally(() => {
      settled = true;
    });
    pending.catch(() => undefined);
    await waitFor(() => worker.callsOf("wait_for_agents").length === 1, {
      what: "the wait call at the worker",
    });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(settled).toBe(false);
    const pid = transport.pid;
    expect(pid).toBeTypeOf("number");
    // Closing the client ends the server's stdin, as a dying CLI does; the client would
    // SIGTERM the server only after 2 s.
    const closing = Date.now();
    await client.close();
    expect(Date.now() - closing).toBeLessThan(1500);
    expect(isAlive(pid ?? 0)).toBe(false);
  });

  it("rejects bad input with a readable error and forwards nothing", async () => {
    const { client } = await connect(program());
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["spawn_agent", {}, /task/],
      [
        "spawn_agent",
        { task: "t", name: "Fix Login" },
        /name.*lowercase letters, digits and single hyphens|lowercase letters, digits and single hyphens.*name/,
      ],
      ["spawn_agent", { task: "t", budget_tokens: 0 }, /budget_tokens/],
      ["read_agent_result", { id: "r1/a", limit: 50_000 }, /limit/],
      ["wait_for_agents", { ids: [] }, /ids/],
    ];
    for (const [tool, input, pattern] of cases) {
      const result = await call(client, tool, input);
      expect(result.isError, `${tool} ${JSON.stringify(input)}`).toBe(true);
      expect(textOf(result)).toMatch(/Input validation error/);
      expect(textOf(result)).toMatch(pattern);
    }
    expect(worker.calls).toEqual([]);
  });

  it("refuses to start without its gateway settings, saying which one is missing", async () => {
    const result = await execa(process.execPath, [program().entry], {
      env: {
        PATH: process.env.PATH ?? "",
        FLOTILLA_GATEWAY_URL: worker.url,
        ...programEnvironment(program()),
      },
      extendEnv: false,
      reject: false,
      stdin: "ignore",
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/FLOTILLA_AGENT_TOKEN is not set/);
  });
});
