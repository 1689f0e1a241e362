// What the real CLI sees when it asks the gateway for more than tokens: a beta the pinned CLI does
// not send on its own (added here with the CLI's ANTHROPIC_BETAS, as an agent could in its own
// requests) and a server tool (its WebSearch tool asks the API's web_search) are refused with a
// message the CLI shows, unless the operator allows them; allowed ones pass and are charged.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgentEnvironment } from "../../src/agent/agent-environment.ts";
import { type AgentExit, AgentProcess } from "../../src/agent/agent-process.ts";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";
import type { AgentStreamEvent } from "../../src/agent/stream-events.ts";
import { AgentGateway } from "../../src/gateway/agent-gateway.ts";
import { cliBetas, type RequestPolicy, requestPolicy } from "../../src/gateway/request-policy.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { claudeBinaryPath } from "../support/paths.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { useTestRedis } from "../support/test-redis.ts";

const unknownBeta = "files-api-2025-04-14";

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
let model: ScriptedModel;
let workDir: string;
let agentCounter = 0;

beforeAll(async () => {
  model = new ScriptedModel();
  model.script("hello", () => ({ text: "Hello from the model." }));
  model.script("search", (context) => {
    // The CLI's WebSearch tool makes a request of its own, with the API's web_search tool.
    if ((context.request.body.tools ?? []).some((tool) => tool.type?.startsWith("web_search"))) {
      return { text: "Flotilla is a GitHub App.", serverToolUse: { web_search_requests: 1 } };
    }
    return context.step === 0
      ? { toolCalls: [{ name: "WebSearch", input: { query: "[[script:search]] what is flotilla" } }] }
      : { text: "Searched." };
  });
  await model.start();
  workDir = await mkdtemp(join(tmpdir(), "flotilla-cli-policy-"));
});
afterAll(async () => {
  await model.stop();
  await rm(workDir, { recursive: true, force: true });
});

interface ClaudeRun {
  agentId: string;
  exit: AgentExit;
  events: AgentStreamEvent[];
}

async function runClaude(
  policy: RequestPolicy,
  prompt: string,
  tools: string[],
  extraEnv: Record<string, string> = {},
): Promise<ClaudeRun> {
  agentCounter += 1;
  const agentId = `policy-agent-${agentCounter}`;
  await testRedis.redis.hset(testRedis.keys.agent(agentId), { budgetTokens: 1_000_000, maxTurns: 10 });
  const gateway = new AgentGateway({
    upstream: { baseUrl: model.url, apiKey: "sk-ant-real-key", oauthToken: undefined },
    ledger: budgets,
    policy,
  });
  await gateway.start();
  const credential = gateway.register({ id: agentId, installationId: 1 }, { onBudgetExhausted: () => {} });
  const dir = join(workDir, agentId);
  const home = join(dir, "home");
  await mkdir(join(dir, "tmp"), { recursive: true });
  await mkdir(join(home, ".claude"), { recursive: true });
  const sessionId = randomUUID();
  const events: AgentStreamEvent[] = [];
  try {
    const agentProcess = await AgentProcess.start({
      claudePath: claudeBinaryPath,
      args: buildClaudeArguments({
        message: prompt,
        sessionId,
        resume: false,
        allowedTools: tools,
        maxTurns: 5,
      }),
      cwd: dir,
      env: {
        ...buildAgentEnvironment({
          home,
          claudeConfigDir: join(home, ".claude"),
          tmpDir: join(dir, "tmp"),
          modelAccess: { baseUrl: credential.baseUrl, apiKey: credential.token },
        }),
        ...extraEnv,
      },
      sessionId,
      claudeConfigDir: join(home, ".claude"),
      transcriptPath: join(dir, "transcript.jsonl"),
      onEvent: (event) => events.push(event),
    });
    return { agentId, exit: await agentProcess.exited, events };
  } finally {
    await gateway.unregister(credential.token);
    await gateway.stop();
  }
}

describe("the real CLI asking for more than tokens", () => {
  it("sends only betas the gateway allows by default", async () => {
    const before = model.requestsFor("hello").length;
    const { exit } = await runClaude(requestPolicy([], []), "[[script:hello]] say hello", ["Bash"]);
    expect(exit.exitCode).toBe(0);
    const sent = model.requestsFor("hello").slice(before);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) for (const beta of request.betas) expect(cliBetas).toContain(beta);
  });

  it("is refused a beta nobody allowed, and shows why", async () => {
    const before = model.requestsFor("hello").length;
    const { exit } = await runClaude(requestPolicy([], []), "[[script:hello]] say hello", ["Bash"], {
      ANTHROPIC_BETAS: unknownBeta,
    });
    expect(exit.exitCode).toBe(1);
    expect(exit.result?.text).toContain(
      `API Error: 400 Flotilla: the anthropic-beta "${unknownBeta}" is not allowed for agents`,
    );
    expect(model.requestsFor("hello")).toHaveLength(before);
  });

  it("passes a beta the operator allowed", async () => {
    const before = model.requestsFor("hello").length;
    const { exit, agentId } = await runClaude(
      requestPolicy([unknownBeta], []),
      "[[script:hello]] say hello",
      ["Bash"],
      { ANTHROPIC_BETAS: unknownBeta },
    );
    expect(exit.exitCode).toBe(0);
    const sent = model.requestsFor("hello").slice(before);
    expect(sent.every((request) => request.betas.includes(unknownBeta))).toBe(true);
    expect((await budgets.snapshot(agentId))?.spentTokens).toBe(sent.length * 120);
  });

  it("is refused the web_search server tool, shows why to the model, and goes on without it", async () => {
    const before = model.requestsFor("search").length;
    const { exit, events, agentId } = await runClaude(
      requestPolicy([], []),
      "[[script:search]] search the web",
      ["WebSearch"],
    );
    expect(exit.exitCode).toBe(0);
    const sent = model.requestsFor("search").slice(before);
    expect(sent.some((request) => request.body.tools?.some((tool) => tool.type !== undefined))).toBe(false);
    const toolResults = events.filter((event) => event.kind === "tool_result");
    expect(JSON.stringify(toolResults)).toContain(
      'the server tool \\"web_search_20250305\\" is not allowed for agents',
    );
    expect((await budgets.snapshot(agentId))?.spentTokens).toBe(sent.length * 120);
  });

  it("passes the web_search server tool the operator allowed, and charges its searches", async () => {
    const before = model.requestsFor("search").length;
    const { exit, agentId } = await runClaude(
      requestPolicy([], ["web_search"]),
      "[[script:search]] search the web",
      ["WebSearch"],
    );
    expect(exit.exitCode).toBe(0);
    const sent = model.requestsFor("search").slice(before);
    const searches = sent.filter((request) =>
      request.body.tools?.some((tool) => tool.type === "web_search_20250305"),
    );
    expect(searches).toHaveLength(1);
    // One search is $0.01: at the input price of an unknown model ($10 per million), 1,000 tokens.
    expect((await budgets.snapshot(agentId))?.spentTokens).toBe(sent.length * 120 + 1_000);
  });
});
