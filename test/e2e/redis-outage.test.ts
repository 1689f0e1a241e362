// A Redis outage while Flotilla runs: one line when it starts and one when it ends (not one per
// reconnect of every connection), /metrics and /healthz keep answering while /readyz says what
// is wrong, and SIGTERM during the outage still ends the process within SHUTDOWN_GRACE_MS and a
// few seconds.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { testAppCredentials } from "../support/app-credentials.ts";
import { freePort, type RunningFlotilla, startFlotillaProcess } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";

const scratch = await mkdtemp(join(tmpdir(), "flotilla-outage-"));
const redisPort = await freePort();
let flotilla: RunningFlotilla | undefined;

afterAll(async () => {
  await flotilla?.kill();
  redis?.kill("SIGKILL");
  await redis?.catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
});

function spawnRedis() {
  return execa(
    "redis-server",
    [
      "--port",
      String(redisPort),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      scratch,
    ],
    { reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  );
}

let redis: ReturnType<typeof spawnRedis> | undefined;

async function startRedis(): Promise<void> {
  redis = spawnRedis();
  await waitFor(
    async () =>
      (await execa("redis-cli", ["-p", String(redisPort), "ping"], { reject: false })).stdout === "PONG" ||
      undefined,
    { what: "the test's redis-server" },
  );
}

async function stopRedis(): Promise<void> {
  redis?.kill("SIGKILL");
  await redis?.catch(() => undefined);
}

async function readyzFailures(count: number, opsUrl: string): Promise<void> {
  let failures = 0;
  await waitFor(
    async () => {
      const ready = await fetch(`${flotilla?.url}/readyz`);
      // While Redis is away the ops listener keeps answering.
      const scrape = await fetch(`${opsUrl}/metrics`);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain("flotilla_agents_running");
      expect((await fetch(`${opsUrl}/healthz`)).status).toBe(200);
      if (ready.status === 503) failures += 1;
      return failures >= count ? true : undefined;
    },
    { what: `/readyz to fail ${count} times`, timeoutMs: 60_000, intervalMs: 1_000 },
  );
}

/** Whatever the process says above info: warnings, errors and anything not in its JSON log format. */
const complaints = (logs: readonly string[]) =>
  logs.filter((line) => {
    const level = /^\{"level":(\d+)/.exec(line)?.[1];
    return level === undefined ? !/^SIGTERM received/.test(line) : Number(level) >= 40;
  });

describe("a Redis outage", () => {
  it("is one line when it starts and one when it ends; /metrics answers; SIGTERM still stops", async () => {
    await startRedis();
    const credentials = testAppCredentials();
    flotilla = await startFlotillaProcess({
      env: {
        APP_ID: String(credentials.appId),
        PRIVATE_KEY: credentials.privateKey,
        WEBHOOK_SECRET: "outage-webhook-secret",
        GHE_HOST: "127.0.0.1:1",
        GHE_PROTOCOL: "http",
        ANTHROPIC_API_KEY: "sk-ant-unused",
        ANTHROPIC_BASE_URL: "http://127.0.0.1:1",
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        FLOTILLA_REDIS_PREFIX: `{flotilla-outage-${process.pid}}`,
        SHUTDOWN_GRACE_MS: "3000",
      },
    });
    const before = flotilla.logs.length;

    // Start again at a quiet moment: the start checks' warnings are behind us.
    await stopRedis();
    await flotilla.waitForLog(/Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
    await readyzFailures(3, flotilla.opsUrl);
    const during = complaints(flotilla.logs.slice(before));
    expect(during).toHaveLength(1);
    expect(during[0]).toMatch(
      /^Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable \(.*\): retrying every 2 s/,
    );

    await startRedis();
    await flotilla.waitForLog(/Redis at redis:\/\/127\.0\.0\.1:\d+ is reachable again/, 30_000);
    await waitFor(async () => ((await fetch(`${flotilla?.url}/readyz`)).status === 200 ? true : undefined), {
      what: "/readyz to be ready again",
    });
    const after = complaints(flotilla.logs.slice(before));
    expect(after).toHaveLength(2);

    // A stop while Redis is away ends anyway, within SHUTDOWN_GRACE_MS (3 s) and a few seconds.
    await stopRedis();
    await waitFor(
      () => (flotilla?.logs.filter((line) => /is unreachable/.test(line)).length === 2 ? true : undefined),
      {
        what: "the second outage's line",
      },
    );
    const exit = flotilla.stop();
    const code = await Promise.race([
      exit,
      new Promise<"still running">((resolve) => setTimeout(() => resolve("still running"), 15_000)),
    ]);
    expect(code).not.toBe("still running");
  });
});
