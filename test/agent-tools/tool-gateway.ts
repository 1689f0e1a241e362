// A real AgentGateway serving Flotilla's tools over MCP, with a tool handler the test scripts in
// place of the worker's: it records every call (which agent, which tool, what input) and answers
// with whatever the test's handler returns. Model calls go to `modelUrl` (unused by most tests).
import type { ToolAnswer } from "../../src/agent-tools/flotilla-mcp-server.ts";
import type { ToolName } from "../../src/agent-tools/flotilla-tools.ts";
import { type AgentCredential, AgentGateway } from "../../src/gateway/agent-gateway.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import type { TestRedis } from "../support/test-redis.ts";

export interface ToolCallRecord {
  agentId: string;
  tool: ToolName;
  input: unknown;
}

export type ToolScript = (call: ToolCallRecord) => ToolAnswer | Promise<ToolAnswer>;

export const defaultToolScript: ToolScript = (call) => ({ text: `answer for ${call.tool}` });

export class ToolGateway {
  readonly calls: ToolCallRecord[] = [];
  handler: ToolScript = defaultToolScript;
  readonly gateway: AgentGateway;

  constructor(testRedis: TestRedis, modelUrl = "http://127.0.0.1:9") {
    this.gateway = new AgentGateway({
      upstream: { baseUrl: modelUrl, apiKey: "sk-ant-real-key", oauthToken: undefined },
      ledger: new BudgetStore(testRedis.redis, testRedis.keys),
      toolHandler: async (agentId, tool, input) => {
        const call = { agentId, tool, input };
        this.calls.push(call);
        return this.handler(call);
      },
    });
  }

  start(): Promise<void> {
    return this.gateway.start();
  }

  /** A token for `agentId`, as the worker issues one per run of an agent. */
  register(agentId: string): AgentCredential {
    return this.gateway.register({ id: agentId, installationId: 1 }, { onBudgetExhausted: () => {} });
  }

  get mcpUrl(): string {
    return `${this.gateway.baseUrl}/flotilla/mcp`;
  }

  callsOf(tool: ToolName): ToolCallRecord[] {
    return this.calls.filter((call) => call.tool === tool);
  }

  stop(): Promise<void> {
    return this.gateway.stop();
  }
}
