// What the worker does with each model call its gateway saw meet trouble upstream, against a real
// Redis: the agent's record says what happened, /metrics counts it by kind, and only a rate limit
// presses the fleet's brake (until the reset the API named, or 15 s without one). A Redis that
// refuses must not turn the hook (called without await) into an unhandled rejection.
import { pino } from "pino";
import { beforeEach, describe, expect, it } from "vitest";
import type { UpstreamTrouble, UpstreamTroubleKind } from "../../src/gateway/upstream-trouble.ts";
import { FlotillaMetrics } from "../../src/ops/metrics.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { ModelBrake } from "../../src/store/model-brake.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { recordUpstreamTrouble } from "../../src/worker/upstream-trouble-hook.ts";
import { makeNewAgent, makeNewRun } from "../support/agent-record.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";

const testRedis = useTestRedis();
const store = new RunStore(testRedis.redis, testRedis.keys);
const brake = new ModelBrake(testRedis.redis, testRedis.keys);
const quiet = pino({ level: "silent" });
const agentId = "r1/fixer";

beforeEach(async () => {
  await testRedis.clear();
  await store.createRun(makeNewRun({ id: "r1" }), [makeNewAgent("r1", "fixer")]);
});

function trouble(kind: UpstreamTroubleKind, status: number, resetAt?: number): UpstreamTrouble {
  return { kind, status, message: `said with ${status}`, resetAt };
}

/** The counter's value for `kind`, read from what /metrics serves. */
async function counted(metrics: FlotillaMetrics, kind: UpstreamTroubleKind): Promise<number> {
  const line = (await metrics.registry.metrics())
    .split("\n")
    .find((row) => row.startsWith("flotilla_model_upstream_errors_total{") && row.includes(`kind="${kind}"`));
  return Number(line?.split(" ").at(-1) ?? 0);
}

describe("recordUpstreamTrouble", () => {
  it("presses the fleet's brake until the reset a rate limit named, and notes it on the agent", async () => {
    const metrics = new FlotillaMetrics("worker");
    const resetAt = Date.now() + 60_000;
    await recordUpstreamTrouble(
      { store, metrics, log: quiet },
      { agentId, installationId: 1, trouble: trouble("rate_limited", 429, resetAt) },
    );
    expect((await store.requireAgent(agentId)).modelTrouble).toBe("rate limited (429): said with 429");
    expect(await brake.current()).toEqual({ until: resetAt, reason: "rate limited (429): said with 429" });
    expect(await counted(metrics, "rate_limited")).toBe(1);
    expect(await counted(metrics, "overloaded")).toBe(0);
  });

  it("holds the fleet 15 s on a rate limit that named no reset", async () => {
    const metrics = new FlotillaMetrics("worker");
    const before = Date.now();
    await recordUpstreamTrouble(
      { store, metrics, log: quiet },
      { agentId, installationId: 1, trouble: trouble("rate_limited", 429) },
    );
    const until = (await brake.current())?.until ?? 0;
    expect(until).toBeGreaterThanOrEqual(before + 15_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 15_000);
  });

  it("counts every other kind and notes it on the agent, without braking the fleet", async () => {
    const metrics = new FlotillaMetrics("worker");
    const others: [UpstreamTroubleKind, number, string][] = [
      ["overloaded", 529, "overloaded (529): said with 529"],
      ["server_error", 503, "server error (503): said with 503"],
      ["unreachable", 502, "unreachable: said with 502"],
      ["prompt_too_long", 400, "prompt is too long: said with 400"],
      ["overloaded", 529, "overloaded (529): said with 529"],
    ];
    for (const [kind, status, words] of others) {
      // A retry-after on a 529 or 503 times this agent's next try, not the whole fleet's.
      await recordUpstreamTrouble(
        { store, metrics, log: quiet },
        { agentId, installationId: 1, trouble: trouble(kind, status, Date.now() + 60_000) },
      );
      expect((await store.requireAgent(agentId)).modelTrouble).toBe(words);
    }
    expect(await brake.current()).toBeUndefined();
    expect(await testRedis.redis.exists(testRedis.keys.modelBrake())).toBe(0);
    expect(await counted(metrics, "overloaded")).toBe(2);
    expect(await counted(metrics, "server_error")).toBe(1);
    expect(await counted(metrics, "unreachable")).toBe(1);
    expect(await counted(metrics, "prompt_too_long")).toBe(1);
    expect(await counted(metrics, "rate_limited")).toBe(0);
  });

  it("still counts the trouble and only warns when Redis refuses", async () => {
    const metrics = new FlotillaMetrics("worker");
    const lines: string[] = [];
    const log = pino({ level: "warn" }, { write: (line: string) => lines.push(line) });
    const closed = createRedisConnection(testRedisUrl, "fail-fast");
    closed.disconnect();
    await expect(
      recordUpstreamTrouble(
        { store: new RunStore(closed, testRedis.keys), metrics, log },
        { agentId, installationId: 1, trouble: trouble("rate_limited", 429, Date.now() + 60_000) },
      ),
    ).resolves.toBeUndefined();
    expect(await counted(metrics, "rate_limited")).toBe(1);
    expect(lines.join("")).toContain("could not record the model API's trouble");
  });
});
