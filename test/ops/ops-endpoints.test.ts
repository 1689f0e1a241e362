// The operator's endpoints on their own server: /metrics in Prometheus text format with
// Flotilla's metrics, /healthz, and /readyz that fails, saying why, when Redis does not answer
// or a registered part (the worker) is not running.
import { describe, expect, it } from "vitest";
import { FlotillaMetrics } from "../../src/ops/metrics.ts";
import { startOpsServer } from "../../src/ops/ops-server.ts";
import { Readiness, redisReachable } from "../../src/ops/readiness.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();

describe("ops endpoints", () => {
  it("serves metrics, health and readiness", async () => {
    const metrics = new FlotillaMetrics("worker");
    metrics.watchQueue(async () => ({ waiting: 3, active: 2, "waiting-children": 1 }));
    metrics.watchRunningAgents(() => 2);
    metrics.githubWrite("written", "check");
    metrics.githubWrite("throttled", "check");
    metrics.githubWrite("rate_limited", "comment");
    metrics.modelCharge({
      agentId: "r/a",
      installationId: 1,
      model: "claude-sonnet-4-5",
      usage: {
        inputTokens: 100,
        outputTokens: 50,
        cacheCreationInputTokens: 0,
        cacheCreation1hInputTokens: 0,
        cacheReadInputTokens: 0,
        serverToolRequests: {},
      },
      tokens: 150,
      costUsd: 0.0012,
      priceKnown: true,
      estimated: false,
      remainingTokens: 1000,
    });
    metrics.agentEnded("succeeded", 95_000);
    metrics.sessionKeepWaited(80);
    metrics.error("agent_job");
    let workerRunning = true;
    const readiness = new Readiness();
    readiness.add("redis", redisReachable(testRedis.redis));
    readiness.add("worker", async () => (workerRunning ? undefined : "the agent worker is not running"));
    const server = await startOpsServer(
      { metrics, readiness },
      { port: 0, host: "127.0.0.1", token: undefined },
    );
    const url = `http://127.0.0.1:${server.port}`;
    try {
      const scrape = await fetch(`${url}/metrics`);
      expect(scrape.headers.get("content-type")).toContain("text/plain");
      const text = await scrape.text();
      for (const line of [
        'flotilla_queue_jobs{state="waiting",role="worker"} 3',
        'flotilla_agents_parked{role="worker"} 1',
        'flotilla_agents_running{role="worker"} 2',
        'flotilla_github_writes_total{target="check",outcome="throttled",role="worker"} 1',
        'flotilla_github_writes_total{target="comment",outcome="rate_limited",role="worker"} 1',
        'flotilla_model_tokens_total{model="claude-sonnet-4-5",role="worker"} 150',
        'flotilla_model_cost_usd_total{model="claude-sonnet-4-5",role="worker"} 0.0012',
        'flotilla_agents_ended_total{outcome="succeeded",role="worker"} 1',
        'flotilla_agent_duration_seconds_bucket{le="120",role="worker",outcome="succeeded"} 1',
        'flotilla_session_keep_wait_seconds_bucket{le="0.05",role="worker"} 0',
        'flotilla_session_keep_wait_seconds_bucket{le="0.1",role="worker"} 1',
        'flotilla_errors_total{source="agent_job",role="worker"} 1',
      ]) {
        expect(text).toContain(line);
      }
      expect(text).toContain("process_cpu_seconds_total");

      expect(await (await fetch(`${url}/healthz`)).text()).toBe("ok\n");
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true, checks: { redis: "ok", worker: "ok" } });

      workerRunning = false;
      const notReady = await fetch(`${url}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({
        ready: false,
        checks: { worker: "the agent worker is not running" },
      });
      expect((await fetch(`${url}/nothing`)).status).toBe(404);
    } finally {
      await server.stop();
    }
  });

  it("is not ready when Redis does not answer", async () => {
    // Nothing listens on port 1.
    const unreachable = createRedisConnection("redis://127.0.0.1:1", "commands");
    unreachable.on("error", () => undefined);
    const readiness = new Readiness();
    readiness.add("redis", redisReachable(unreachable));
    const report = await readiness.report();
    unreachable.disconnect();
    expect(report.ready).toBe(false);
    expect(report.checks.redis).not.toBe("ok");
  });
});
