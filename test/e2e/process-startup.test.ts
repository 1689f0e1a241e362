// Starting Flotilla the way the README says: without REDIS_URL it runs its own redis-server with
// its data under the data dir (and stops it on exit), says how to get Redis when there is none,
// serves Probot's setup flow when the app is not registered yet, and names bad settings.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { testAppCredentials } from "../support/app-credentials.ts";
import { freePort, startFlotillaProcess } from "../support/flotilla-process.ts";
import { mainEntryPath, projectRoot } from "../support/paths.ts";
import { waitFor } from "../support/wait-for.ts";

const scratch = await mkdtemp(join(tmpdir(), "flotilla-startup-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));

function redisServerRunning(port: number): Promise<boolean> {
  return execa("pgrep", ["-f", `redis-server 127.0.0.1:${port}`], { reject: false }).then(
    (result) => result.exitCode === 0,
  );
}

async function runMain(env: Record<string, string>, timeoutMs = 15_000) {
  return execa(process.execPath, [mainEntryPath, "all"], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "test", ...env },
    extendEnv: false,
    reject: false,
    timeout: timeoutMs,
  });
}

describe("starting Flotilla", () => {
  it("runs its own redis-server under the data dir when REDIS_URL is unset, and stops it on SIGTERM", async () => {
    const credentials = testAppCredentials();
    const dataDir = join(scratch, "embedded");
    const flotilla = await startFlotillaProcess({
      dataDir,
      env: {
        APP_ID: String(credentials.appId),
        PRIVATE_KEY: credentials.privateKey,
        WEBHOOK_SECRET: "startup-secret",
        GHE_HOST: "127.0.0.1:9",
        GHE_PROTOCOL: "http",
        ANTHROPIC_API_KEY: "sk-ant-unused",
      },
    });
    const connection = JSON.parse(await readFile(join(dataDir, "redis", "connection.json"), "utf8")) as {
      port: number;
    };
    expect(await redisServerRunning(connection.port)).toBe(true);
    const health = await fetch(`${flotilla.url}/readyz`);
    expect(health.status).toBe(200);
    await waitFor(() => existsSync(join(dataDir, "redis", "appendonlydir")) || undefined, {
      what: "the append-only file under the data dir",
    });
    expect(await flotilla.stop()).toBe(0);
    await waitFor(async () => !(await redisServerRunning(connection.port)) || undefined, {
      what: "redis-server to stop",
    });
  });

  it("says how to get Redis when REDIS_URL is unset and redis-server is not installed", async () => {
    const credentials = testAppCredentials();
    const result = await runMain({
      PATH: "/nonexistent",
      DATA_DIR: join(scratch, "no-redis"),
      APP_ID: String(credentials.appId),
      PRIVATE_KEY: credentials.privateKey,
      WEBHOOK_SECRET: "x",
      PORT: String(await freePort()),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("REDIS_URL is not set and redis-server is not installed");
    expect(result.stderr).toContain("apt-get install redis-server");
  });

  it("serves Probot's app registration flow when no GitHub App is configured yet", async () => {
    const port = await freePort();
    const child = execa(process.execPath, [mainEntryPath, "all"], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "development",
        PORT: String(port),
        HOST: "127.0.0.1",
      },
      extendEnv: false,
      reject: false,
    });
    try {
      const page = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/probot`).catch(() => undefined);
          return response?.status === 200 ? response.text() : undefined;
        },
        { timeoutMs: 20_000, what: "the setup page" },
      );
      expect(page).toMatch(/Register (a )?GitHub App/i);
    } finally {
      child.kill("SIGKILL");
      await child;
    }
  });

  it("names a bad setting and how to fix it instead of failing later", async () => {
    const credentials = testAppCredentials();
    const result = await runMain({
      APP_ID: String(credentials.appId),
      PRIVATE_KEY: credentials.privateKey,
      WEBHOOK_SECRET: "x",
      WORKER_CONCURRENCY: "lots",
      REDIS_URL: "redis://127.0.0.1:6379",
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('WORKER_CONCURRENCY="lots"');
    expect(result.stderr).toContain("see .env.example");
  });
});
