// Many model calls at once with one agent's token, as an agent that starts its own calls would
// make them: the gateway forwards at most its per-agent limit at a time, reserves each call's
// worst case before forwarding it, and so charges no more than the budget in total.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentGateway } from "../../src/gateway/agent-gateway.ts";
import type { ChargeEvent } from "../../src/gateway/gateway-types.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { ScriptedModel } from "../support/scripted-model.ts";
import { useTestRedis } from "../support/test-redis.ts";

const budgetTokens = 20_000;
const callsPerAgent = 4;
const inputTokens = 400;
const outputTokens = 1_500;

const testRedis = useTestRedis();
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
const runs = new RunStore(testRedis.redis, testRedis.keys);
let model: ScriptedModel;
let gateway: AgentGateway;
const charges: ChargeEvent[] = [];

beforeAll(async () => {
  model = new ScriptedModel();
  // Each answer takes a while, so that calls overlap.
  model.script("parallel", () => ({ text: "done", inputTokens, outputTokens, delayMs: 40 }));
  await model.start();
  gateway = new AgentGateway({
    upstream: { baseUrl: model.url, apiKey: "sk-ant-real-key", oauthToken: undefined },
    ledger: budgets,
    callsPerAgent,
    onCharge: (event) => charges.push(event),
  });
  await gateway.start();
});
afterAll(async () => {
  await gateway.stop();
  await model.stop();
});

describe("parallel calls with one agent's token", () => {
  it("charges at most the budget for 40 calls at once, forwarding at most the per-agent limit at a time", async () => {
    const agentId = "rparallel/agent";
    await runs.addAgent({
      id: agentId,
      runId: "rparallel",
      name: "agent",
      depth: 0,
      task: "task",
      branch: "agents/rparallel/agent",
      baseSha: "a".repeat(40),
      sessionId: "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
      budgetTokens,
      maxTurns: 1_000,
      createdAt: 1,
    });
    const credential = gateway.register({ id: agentId, installationId: 1 }, { onBudgetExhausted: () => {} });
    const body = JSON.stringify({
      model: "claude-opus-4-7",
      max_tokens: 2_000,
      stream: true,
      tools: [{ name: "Noop", description: "does nothing", input_schema: { type: "object" } }],
      messages: [{ role: "user", content: "[[script:parallel]] answer" }],
    });
    const answers = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const response = await fetch(`${credential.baseUrl}/v1/messages`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-api-key": credential.token },
          body,
        });
        return { status: response.status, text: await response.text() };
      }),
    );
    const snapshot = await budgets.snapshot(agentId);
    const forwarded = model.requestsFor("parallel");
    const charged = charges.reduce((sum, charge) => sum + charge.tokens, 0);

    expect(snapshot?.spentTokens).toBe(charged);
    expect(charged).toBeLessThanOrEqual(budgetTokens);
    expect(snapshot?.reservedTokens).toBe(0);
    // What was left could not hold another call: the budget was used, not refused early.
    expect(budgetTokens - charged).toBeLessThan(inputTokens + 256);
    // Every call that reached the model was answered and charged; every other one was refused.
    expect(answers.filter((answer) => answer.status === 200)).toHaveLength(forwarded.length);
    expect(charges).toHaveLength(forwarded.length);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect(refused.status).toBe(400);
      expect(refused.text).toContain("Flotilla: this agent is out of budget");
    }
    expect(forwarded.length).toBeGreaterThan(5);
    expect(forwarded.length).toBeLessThan(40);
    // Never more than the per-agent limit at once, and the calls did overlap.
    expect(model.mostAnsweredAtOnce).toBeLessThanOrEqual(callsPerAgent);
    expect(model.mostAnsweredAtOnce).toBeGreaterThan(1);
    await gateway.unregister(credential.token);
  });
});
