// Model gateway: the time to first byte it adds to a streamed Messages API answer (issue 4:
// "it must not add noticeable latency"). The stand-in upstream sends the answer's first event
// at once and the rest 50 ms later, so a gateway that buffered the answer would show ≥ 50 ms.
// Requests go straight to the upstream and through the gateway, alternating, with budgets
// charged in a real Redis as in production. `node bench/gateway.ts [--requests N]`
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentGateway } from "../src/gateway/agent-gateway.ts";
import { BudgetStore } from "../src/store/budget-store.ts";
import { RunStore } from "../src/store/run-store.ts";
import { createTestRedis } from "../test/support/test-redis.ts";
import { numberOptions } from "./support/options.ts";
import { currentCommand, median, percentile, recordResults } from "./support/results.ts";

const { requests } = numberOptions({ requests: 300 });
const addedP99TargetMs = 5;

const answer = readFileSync(new URL("../test/fixtures/sse/docs-tool-use.sse", import.meta.url), "utf8");
const firstEventEnd = answer.indexOf("\n\n") + 2;

const upstream = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write(answer.slice(0, firstEventEnd));
    setTimeout(() => response.end(answer.slice(firstEventEnd)), 50);
  });
});
upstream.listen(0, "127.0.0.1");
await once(upstream, "listening");
const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

const redis = createTestRedis();
const gateway = new AgentGateway({
  upstream: { baseUrl: `${upstreamUrl}/`, apiKey: "sk-ant-bench", oauthToken: undefined },
  ledger: new BudgetStore(redis.redis, redis.keys),
});
await gateway.start();

try {
  const agentId = "rbench/agent-1";
  await new RunStore(redis.redis, redis.keys).addAgent({
    id: agentId,
    runId: "rbench",
    name: "agent-1",
    depth: 0,
    task: "bench",
    branch: "agents/rbench/agent-1",
    baseSha: "a".repeat(40),
    sessionId: crypto.randomUUID(),
    budgetTokens: 1_000_000_000,
    // The gateway counts answered calls against the turn limit: the benchmark makes many.
    maxTurns: 1_000_000_000,
    createdAt: Date.now(),
  });
  const credential = gateway.register(
    { id: agentId, installationId: 1 },
    { onBudgetExhausted: () => undefined },
  );
  const body = JSON.stringify({
    model: "claude-opus-4-7",
    max_tokens: 1_000,
    stream: true,
    messages: [{ role: "user", content: "Hello" }],
  });

  /** Milliseconds from sending the request to the first byte of the answer's body. */
  async function timeToFirstByte(baseUrl: string): Promise<number> {
    const startedAt = performance.now();
    const response = await fetch(`${baseUrl}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-api-key": credential.token,
        "anthropic-version": "2023-06-01",
      },
      body,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    const elapsed = performance.now() - startedAt;
    while (!(await reader.read()).done) {
      // Drain the rest so the gateway charges the whole answer, as it would for the CLI.
    }
    return elapsed;
  }

  for (let i = 0; i < 20; i += 1) {
    await timeToFirstByte(upstreamUrl);
    await timeToFirstByte(credential.baseUrl);
  }
  const direct: number[] = [];
  const throughGateway: number[] = [];
  for (let i = 0; i < requests; i += 1) {
    direct.push(await timeToFirstByte(upstreamUrl));
    throughGateway.push(await timeToFirstByte(credential.baseUrl));
  }
  const addedP50 = median(throughGateway) - median(direct);
  const addedP99 = percentile(throughGateway, 99) - percentile(direct, 99);
  await recordResults({
    title: "Model gateway: added time to first byte",
    command: currentCommand(),
    figures: [
      {
        name: "Straight to the upstream, TTFB p50 / p99",
        value: `${median(direct).toFixed(2)} / ${percentile(direct, 99).toFixed(2)}`,
        unit: "ms",
      },
      {
        name: "Through the gateway, TTFB p50 / p99",
        value: `${median(throughGateway).toFixed(2)} / ${percentile(throughGateway, 99).toFixed(2)}`,
        unit: "ms",
      },
      { name: "Added by the gateway, p50", value: addedP50, unit: "ms" },
      {
        name: "Added by the gateway, p99",
        value: addedP99,
        unit: "ms",
        target: `< ${addedP99TargetMs} ms (set before measuring)`,
        met: addedP99 < addedP99TargetMs,
      },
    ],
    notes: [
      `${requests} streamed requests each way after 20 warm-up pairs, alternating, one at a time; the upstream holds the rest of each answer for 50 ms, so buffering would show.`,
      "Through the gateway includes token lookup, the call's reservation in Redis (input bound + max_tokens) and usage reading; the reservation is settled when the answer ends.",
    ],
  });
} finally {
  await gateway.stop();
  upstream.closeAllConnections();
  upstream.close();
  await redis.cleanup();
}
