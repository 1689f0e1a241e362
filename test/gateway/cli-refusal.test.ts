// How the real CLI takes the gateway's answers: an agent whose budget is spent ends at once,
// without retries, with the gateway's reason as its result; an agent with budget left runs
// normally through the gateway. This is the evidence for the refusal's status (400).
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAgentEnvironment } from "../../src/agent/agent-environment.ts";
import { type AgentExit, AgentProcess } from "../../src/agent/agent-process.ts";
import { buildClaudeArguments } from "../../src/agent/claude-arguments.ts";
import { AgentGateway } from "../../src/gateway/agent-gateway.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { claudeBinaryPath } from "../support/paths.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
let model: ScriptedModel;
let gateway: AgentGateway;
let workDir: string;
const exhausted: string[] = [];

beforeAll(async () => {
  model = new ScriptedModel();
  model.script("hello", ({ step }) => (step === 0 ? { text: "Hello from the model." } : { text: "done" }));
  await model.start();
  gateway = new AgentGateway({
    upstream: { baseUrl: model.url, apiKey: "sk-ant-real-key", oauthToken: undefined },
    ledger: budgets,
  });
  await gateway.start();
  workDir = await mkdtemp(join(tmpdir(), "flotilla-cli-refusal-"));
});
afterAll(async () => {
  await gateway.stop();
  await model.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function runClaude(agentId: string, budgetTokens: number, spentTokens: number): Promise<AgentExit> {
  await testRedis.redis.hset(testRedis.keys.agent(agentId), { budgetTokens, spentTokens });
  const credential = gateway.register(
    { id: agentId, installationId: 1 },
    { onBudgetExhausted: (id) => exhausted.push(id) },
  );
  const dir = join(workDir, agentId);
  const home = join(dir, "home");
  await mkdir(join(dir, "tmp"), { recursive: true });
  await mkdir(join(home, ".claude"), { recursive: true });
  const sessionId = randomUUID();
  try {
    const agentProcess = await AgentProcess.start({
      claudePath: claudeBinaryPath,
      args: buildClaudeArguments({
        message: "[[script:hello]] say hello",
        sessionId,
        resume: false,
        allowedTools: ["Bash"],
        maxTurns: 3,
      }),
      cwd: dir,
      env: buildAgentEnvironment({
        home,
        claudeConfigDir: join(home, ".claude"),
        tmpDir: join(dir, "tmp"),
        modelAccess: { baseUrl: credential.baseUrl, apiKey: credential.token },
      }),
      sessionId,
      claudeConfigDir: join(home, ".claude"),
      transcriptPath: join(dir, "transcript.jsonl"),
      onEvent: () => undefined,
    });
    return await agentProcess.exited;
  } finally {
    await gateway.unregister(credential.token);
  }
}

describe("the real CLI behind the gateway", () => {
  it("ends at once, without retrying, when the agent's budget is spent", async () => {
    const started = Date.now();
    const exit = await runClaude("spent-agent", 1_000, 1_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(exit.exitCode).toBe(1);
    expect(exit.result?.isError).toBe(true);
    expect(exit.result?.apiErrorStatus).toBe(400);
    expect(exit.result?.text).toContain(
      "API Error: 400 Flotilla: this agent is out of budget: it spent 1,000 of 1,000 tokens,",
    );
    expect(model.requestsFor("hello")).toHaveLength(0);
    expect(exhausted).toEqual(["spent-agent"]);
  });

  it("runs normally through the gateway while budget is left, and is charged for it", async () => {
    const exit = await runClaude("funded-agent", 100_000, 0);
    expect(exit.exitCode).toBe(0);
    expect(exit.result?.text).toBe("Hello from the model.");
    const calls = model.requestsFor("hello");
    expect(calls.length).toBeGreaterThanOrEqual(1);
    for (const call of calls) expect(call.apiKey).toBe("sk-ant-real-key");
    expect((await budgets.snapshot("funded-agent"))?.spentTokens).toBe(calls.length * 120);
  });
});
