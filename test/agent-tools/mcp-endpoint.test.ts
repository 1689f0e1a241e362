// Flotilla's tools as the worker's gateway serves them over MCP (Streamable HTTP), driven by the
// SDK's own client the way an agent's CLI connects: what the model is offered, which agent a
// call is run for, how answers, refusals and failures come back, and that a parked call never
// answers while the agent's other calls still do.

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";
import { defaultToolScript, ToolGateway } from "./tool-gateway.ts";

const testRedis = useTestRedis();
const tools = new ToolGateway(testRedis);
const clients: Client[] = [];
let agentCounter = 0;

beforeAll(() => tools.start());
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  tools.calls.length = 0;
  tools.handler = defaultToolScript;
});
afterAll(() => tools.stop());

async function connect(token?: string): Promise<{ client: Client; agentId: string }> {
  agentCounter += 1;
  const agentId = `rmcp/agent-${agentCounter}`;
  const credential = tools.register(agentId);
  const transport = new StreamableHTTPClientTransport(new URL(tools.mcpUrl), {
    requestInit: { headers: { authorization: `Bearer ${token ?? credential.token}` } },
  });
  const client = new Client({ name: "flotilla-test", version: "0.0.0" });
  clients.push(client);
  await client.connect(transport);
  return { client, agentId };
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(result: CallToolResult): string {
  return result.content.map((block) => (block.type === "text" ? block.text : "")).join("");
}

describe("flotilla's MCP endpoint", () => {
  it("offers the four tools with their input schemas", async () => {
    const { client } = await connect();
    const { tools: offered } = await client.listTools();
    const byName = new Map(offered.map((tool) => [tool.name, tool]));
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
    for (const tool of offered) expect(tool.description?.length).toBeGreaterThan(80);
  });

  it("runs each call for the agent whose token it carries and answers with the worker's text", async () => {
    const first = await connect();
    const second = await connect();
    tools.handler = (received) => ({
      text: `${received.tool} for ${received.agentId}: ${JSON.stringify(received.input)}`,
    });
    const inputs = {
      spawn_agent: { task: "Write the tests for login", name: "login-tests", budget_tokens: 50_000 },
      list_agents: {},
      wait_for_agents: { ids: ["r1/login-tests"], merge: false },
      read_agent_result: { id: "r1/login-tests", offset: 4000, limit: 2000 },
    };
    for (const [tool, input] of Object.entries(inputs)) {
      const result = await call(first.client, tool, input);
      expect(result.isError ?? false).toBe(false);
      expect(textOf(result)).toBe(`${tool} for ${first.agentId}: ${JSON.stringify(input)}`);
    }
    expect(textOf(await call(second.client, "list_agents", {}))).toBe(
      `list_agents for ${second.agentId}: {}`,
    );
    expect(tools.calls).toEqual([
      ...Object.entries(inputs).map(([tool, input]) => ({ agentId: first.agentId, tool, input })),
      { agentId: second.agentId, tool: "list_agents", input: {} },
    ]);
  });

  it("fills in the schemas' defaults before the worker sees a call", async () => {
    const { client } = await connect();
    await call(client, "read_agent_result", { id: "r1/a" });
    await call(client, "wait_for_agents", {});
    expect(tools.callsOf("read_agent_result")[0]?.input).toEqual({ id: "r1/a", offset: 0, limit: 4000 });
    expect(tools.callsOf("wait_for_agents")[0]?.input).toEqual({ merge: true });
  });

  it("passes the worker's refusals on as error results the model can read", async () => {
    const { client } = await connect();
    tools.handler = () => ({ text: "You may start at most 4 sub-agents.", isError: true });
    const result = await call(client, "spawn_agent", { task: "one more" });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe("You may start at most 4 sub-agents.");
  });

  it("turns a failing worker handler into a readable error result", async () => {
    const { client } = await connect();
    tools.handler = () => {
      throw new Error("Redis is not reachable");
    };
    const failed = await call(client, "spawn_agent", { task: "t" });
    expect(failed.isError).toBe(true);
    expect(textOf(failed)).toBe(
      "Flotilla could not start the sub-agent: Redis is not reachable; try again or continue without sub-agents.",
    );
  });

  it("never answers a parked call, while the agent's other calls are answered", async () => {
    const { client } = await connect();
    tools.handler = (received) =>
      received.tool === "wait_for_agents" ? { park: true } : defaultToolScript(received);
    let settled = false;
    const pending = call(client, "wait_for_agents", {}).finally(() => {
      settled = true;
    });
    pending.catch(() => undefined);
    await waitFor(() => tools.callsOf("wait_for_agents").length === 1, {
      what: "the wait call at the worker",
    });
    // Calls made after the park, and answered, show the endpoint kept serving; the park still has not.
    for (let index = 0; index < 3; index += 1) {
      expect(textOf(await call(client, "list_agents", {}))).toBe("answer for list_agents");
    }
    expect(settled).toBe(false);
  });

  it("rejects bad input with a readable error and passes nothing on", async () => {
    const { client } = await connect();
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
    expect(tools.calls).toEqual([]);
  });

  it("refuses a client without a valid agent token, and one whose agent has ended", async () => {
    await expect(connect("flt_not-a-token")).rejects.toThrow(/agent token is not valid here/);
    const { client, agentId } = await connect();
    const credential = tools.register(`${agentId}-ended`);
    await tools.gateway.unregister(credential.token);
    const ended = new Client({ name: "flotilla-test", version: "0.0.0" });
    clients.push(ended);
    await expect(
      ended.connect(
        new StreamableHTTPClientTransport(new URL(tools.mcpUrl), {
          requestInit: { headers: { authorization: `Bearer ${credential.token}` } },
        }),
      ),
    ).rejects.toThrow(/agent token is not valid here/);
    expect(textOf(await call(client, "list_agents", {}))).toBe("answer for list_agents");
    expect(tools.calls.map((received) => received.agentId)).toEqual([agentId]);
  });
});
