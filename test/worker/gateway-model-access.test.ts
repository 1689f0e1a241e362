// A worker's model access for its agents, through its own gateway and real Redis: starting an
// agent drops the call reservations a dead worker left for it, and taking the token back hands
// the worker the gateway's record of the agent's calls.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentGateway } from "../../src/gateway/agent-gateway.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { GatewayModelAccess } from "../../src/worker/gateway-model-access.ts";
import { makeNewRun } from "../support/agent-record.ts";
import { useTestRedis } from "../support/test-redis.ts";
import { UpstreamStub } from "../support/upstream-stub.ts";

const testRedis = useTestRedis();
const store = new RunStore(testRedis.redis, testRedis.keys);
const budgets = new BudgetStore(testRedis.redis, testRedis.keys);
let upstream: UpstreamStub;
let gateway: AgentGateway;
let access: GatewayModelAccess;

beforeAll(async () => {
  upstream = new UpstreamStub();
  await upstream.start();
  gateway = new AgentGateway({
    upstream: { baseUrl: upstream.url, apiKey: "sk-ant-real", oauthToken: undefined },
    ledger: budgets,
  });
  await gateway.start();
  access = new GatewayModelAccess(gateway, store, budgets, () => {});
  await store.createRun(makeNewRun({ id: "raccess" }), [
    {
      id: "raccess/a",
      runId: "raccess",
      name: "a",
      depth: 0,
      task: "task",
      branch: "agents/raccess/a",
      baseSha: "a".repeat(40),
      sessionId: "s",
      budgetTokens: 50_000,
      maxTurns: 30,
      createdAt: 1,
    },
  ]);
});
afterAll(async () => {
  await gateway.stop();
  await upstream.stop();
});

describe("GatewayModelAccess", () => {
  it("drops a dead worker's call reservations when it starts the agent, and returns the call record when it stops", async () => {
    // A worker died with two calls of the agent in flight: their reservations were never settled.
    for (const reservationId of ["dead-1", "dead-2"]) {
      await budgets.reserveCall("raccess/a", {
        reservationId,
        inputTokens: 10_000,
        wantedAnswerTokens: 10_000,
        minimumAnswerTokens: 256,
      });
    }
    expect((await budgets.snapshot("raccess/a"))?.remainingTokens).toBe(10_000);

    const agent = await store.requireAgent("raccess/a");
    const credential = await access.grant(agent);
    expect(await budgets.snapshot("raccess/a")).toMatchObject({ reservedTokens: 0, remainingTokens: 50_000 });

    upstream.queue({
      status: 529,
      body: '{"type":"error","error":{"type":"overloaded_error","message":"busy"}}',
    });
    const response = await fetch(`${credential.baseUrl}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": credential.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ model: "m", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(529);
    await response.arrayBuffer();
    expect(await access.revoke(agent)).toMatchObject({
      calls: 1,
      answered: 0,
      last: { kind: "failed", status: 529, errorType: "overloaded_error", message: "busy" },
    });
    expect(await access.revoke(agent)).toBeUndefined();
  });
});
