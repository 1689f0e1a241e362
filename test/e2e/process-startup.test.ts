// Starting Flotilla the way the README says: without REDIS_URL it runs its own redis-server with
// its data under the data dir (and stops it on exit), says how to get Redis when there is none,
// serves the setup flow when the app is not registered yet, and refuses a bad setting at once,
// naming the variable, what is wrong and the fix, with nothing it started left running.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, describe, expect, it } from "vitest";
import { redisAddress } from "../../src/config/redis-url.ts";
import { testAppCredentials } from "../support/app-credentials.ts";
import { freePort, startFlotillaProcess } from "../support/flotilla-process.ts";
import { mainEntryPath, projectRoot } from "../support/paths.ts";
import { processesUnder } from "../support/processes-under.ts";
import { testRedisUrl, useTestRedis } from "../support/test-redis.ts";
import { waitFor } from "../support/wait-for.ts";

const scratch = await mkdtemp(join(tmpdir(), "flotilla-startup-"));
afterAll(() => rm(scratch, { recursive: true, force: true }));
const credentials = testAppCredentials();
const testRedis = useTestRedis();

function redisServerRunning(port: number): Promise<boolean> {
  return execa("pgrep", ["-f", `redis-server 127.0.0.1:${port}`], { reject: false }).then(
    (result) => result.exitCode === 0,
  );
}

/** Settings that start: an app, Redis, and a GitHub and a model that do not answer (warnings only). */
function workingEnv(dir: string): Record<string, string> {
  return {
    APP_ID: String(credentials.appId),
    PRIVATE_KEY: credentials.privateKey,
    WEBHOOK_SECRET: "startup-webhook-secret",
    GHE_HOST: "127.0.0.1:1",
    GHE_PROTOCOL: "http",
    ANTHROPIC_API_KEY: "sk-ant-unused",
    ANTHROPIC_BASE_URL: "http://127.0.0.1:1",
    DATA_DIR: join(dir, "data"),
    HOST: "127.0.0.1",
  };
}

/** Preloaded into the process: it prints `probotLoaded` when the slow part of the start begins. */
const probotLoadMarker = join(projectRoot, "test/support/probot-load-marker.ts");
const probotLoaded = "[probot-load-marker] probot loaded";

/**
 * Runs `node src/main.ts all` in a folder of its own (its cwd) until it exits by itself, with the
 * time from spawn to exit.
 */
async function runMain(dir: string, env: Record<string, string>) {
  await mkdir(dir, { recursive: true });
  const startedAt = performance.now();
  const result = await execa(process.execPath, ["--import", probotLoadMarker, mainEntryPath, "all"], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "test", ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
  });
  return { ...result, elapsedMs: performance.now() - startedAt };
}

/**
 * A refusal "within a second" (the target), asserted in a way a loaded machine cannot
 * break: the process refused before it loaded Probot, i.e. before the slow part of the start
 * (Probot, the start checks that spawn the claude CLI and call GitHub), and within a
 * deadline ten times the target. Measured on 2 busy cores (load 5): settings 0.6-1.1 s, a Redis
 * that refuses or does not resolve 0.9-1.5 s, a silent one 10 s (the probe's timeout) + that.
 */
function expectQuickRefusal(result: { stderr: string; elapsedMs: number }, deadlineMs = 10_000): void {
  expect(result.stderr).not.toContain(probotLoaded);
  expect(result.elapsedMs).toBeLessThan(deadlineMs);
}

/** A port another program listens on: it accepts connections and never says a word. */
async function holdPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const connections = new Set<Socket>();
  const server = createServer((socket) => {
    connections.add(socket);
    socket.on("close", () => connections.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    release: () =>
      new Promise((resolve) => {
        // A connection nobody reads never sees its end: close() would wait for it forever.
        for (const socket of connections) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe("starting Flotilla", () => {
  it("runs its own redis-server under the data dir when REDIS_URL is unset, and stops it on SIGTERM", async () => {
    const dataDir = join(scratch, "embedded");
    const flotilla = await startFlotillaProcess({
      dataDir,
      env: { ...workingEnv(scratch), DATA_DIR: dataDir },
    });
    const connection = JSON.parse(await readFile(join(dataDir, "redis", "connection.json"), "utf8")) as {
      port: number;
    };
    expect(await redisServerRunning(connection.port)).toBe(true);
    const health = await fetch(`${flotilla.url}/readyz`);
    expect(health.status).toBe(200);
    // One line says what runs: role, addresses, Redis, sandbox, concurrency, model.
    const startLine = flotilla.logs.find((line) => line.startsWith("Flotilla ")) ?? "";
    expect(startLine).toMatch(
      new RegExp(
        `^Flotilla \\S+ started \\(all\\): web http://127\\.0\\.0\\.1:${flotilla.port} .*, ops http://127\\.0\\.0\\.1:\\d+ .*, Redis embedded redis://127\\.0\\.0\\.1:${connection.port}, sandbox \\w+, 2 agents at once, model the CLI's default$`,
      ),
    );
    expect(startLine).not.toContain(credentials.privateKey.slice(40, 60));
    // `/` is a status page, with nothing secret on it.
    const status = await fetch(`${flotilla.url}/`);
    expect(status.status).toBe(200);
    const page = await status.text();
    expect(page).toMatch(/<dt>version<\/dt><dd>\d+\.\d+\.\d+<\/dd><dt>role<\/dt><dd>all<\/dd>/);
    expect(page).toContain("<dt>waiting</dt><dd>0</dd>");
    expect(page).not.toContain("startup-webhook-secret");
    await waitFor(() => existsSync(join(dataDir, "redis", "appendonlydir")) || undefined, {
      what: "the append-only file under the data dir",
    });
    expect(await flotilla.stop()).toBe(0);
    await waitFor(async () => !(await redisServerRunning(connection.port)) || undefined, {
      what: "redis-server to stop",
    });
  });

  it("a worker's start line: its role, ops address, Redis, sandbox, concurrency and model", async () => {
    const dataDir = join(scratch, "worker");
    const worker = await startFlotillaProcess({
      role: "worker",
      dataDir,
      env: {
        ...workingEnv(scratch),
        DATA_DIR: dataDir,
        REDIS_URL: testRedisUrl,
        FLOTILLA_REDIS_PREFIX: testRedis.prefix,
        AGENT_SANDBOX: "namespaces",
        WORKER_CONCURRENCY: "3",
        AGENT_MODEL: "claude-test-model",
      },
    });
    try {
      const startLine = worker.logs.find((line) => line.startsWith("Flotilla ")) ?? "";
      expect(startLine).toMatch(
        new RegExp(
          `^Flotilla \\S+ started \\(worker\\): ops http://127\\.0\\.0\\.1:\\d+ \\(/metrics, /healthz, /readyz\\), Redis ${redisAddress(testRedisUrl).replaceAll(".", "\\.")}, sandbox bubblewrap, 3 agents at once, model claude-test-model$`,
        ),
      );
    } finally {
      expect(await worker.stop()).toBe(0);
    }
  });

  it("says how to get Redis when REDIS_URL is unset and redis-server is not installed", async () => {
    const dir = join(scratch, "no-redis");
    const result = await runMain(dir, {
      ...workingEnv(dir),
      PATH: "/nonexistent",
      PORT: String(await freePort()),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("REDIS_URL is not set and redis-server is not installed");
    expect(result.stderr).toContain("apt-get install redis-server");
    expectQuickRefusal(result);
  });

  it("serves the setup flow when no GitHub App is configured yet, with webhooks to WEBHOOK_PROXY_URL", async () => {
    const port = await freePort();
    const dir = join(scratch, "setup");
    await mkdir(dir, { recursive: true });
    const child = execa(process.execPath, [mainEntryPath, "all"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "development",
        PORT: String(port),
        HOST: "127.0.0.1",
        WEBHOOK_PROXY_URL: "https://smee.io/flotilla-test-channel",
      },
      extendEnv: false,
      reject: false,
    });
    try {
      const page = await waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
          return response?.status === 200 ? response.text() : undefined;
        },
        { timeoutMs: 30_000, what: "the setup page" },
      );
      expect(page).toContain("Register GitHub App");
      expect(page).toContain(
        "&quot;hook_attributes&quot;:{&quot;url&quot;:&quot;https://smee.io/flotilla-test-channel&quot;",
      );
      expect(page).not.toContain("example.com");
    } finally {
      child.kill("SIGTERM");
      expect((await child).exitCode).toBe(0);
    }
  });
});

describe("a bad setting", () => {
  const missingKeyPath = join(scratch, "no-such-key.pem");
  const cases: { name: string; env: (dir: string) => Promise<Record<string, string>>; says: RegExp }[] = [
    {
      name: "PRIVATE_KEY=garbage",
      env: async () => ({ PRIVATE_KEY: "garbage" }),
      says: /^PRIVATE_KEY: does not hold an RSA private key.*Fix: set PRIVATE_KEY to the whole content of the \.pem file/m,
    },
    {
      name: "a missing PRIVATE_KEY_PATH file",
      env: async () => ({ PRIVATE_KEY: "", PRIVATE_KEY_PATH: missingKeyPath }),
      says: new RegExp(`^PRIVATE_KEY_PATH: ${missingKeyPath}: no such file\\. Fix: `, "m"),
    },
    {
      name: "APP_ID without a key",
      env: async () => ({ PRIVATE_KEY: "" }),
      says: /^PRIVATE_KEY: is not set \(nor PRIVATE_KEY_PATH\), but APP_ID=\d+ is\. Fix: /m,
    },
    {
      name: "REDIS_URL=garbage",
      env: async () => ({ REDIS_URL: "garbage" }),
      says: /REDIS_URL="garbage": is not a Redis URL: expected redis:\/\/.*Fix: /,
    },
    {
      name: "REDIS_URL where no Redis answers",
      env: async () => ({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }),
      says: /FAIL {2}Redis .*REDIS_URL=redis:\/\/127\.0\.0\.1:\d+ does not answer: .*ECONNREFUSED[\s\S]*fix: start Redis there/,
    },
    {
      name: "REDIS_URL whose host does not resolve",
      env: async () => ({ REDIS_URL: "redis://no-such-host.invalid:6379" }),
      says: /FAIL {2}Redis .*REDIS_URL=redis:\/\/no-such-host\.invalid:6379 does not answer: .*ENOTFOUND[\s\S]*fix: start Redis there/,
    },
    {
      name: "WORKER_CONCURRENCY=lots",
      env: async () => ({ WORKER_CONCURRENCY: "lots", REDIS_URL: testRedisUrl }),
      says: /WORKER_CONCURRENCY="lots": must be a whole number greater than 0\. Fix: .*see \.env\.example|see \.env\.example[\s\S]*WORKER_CONCURRENCY="lots"/,
    },
  ];

  it.each(cases)("$name: named with its fix, exit 1, nothing left running", async ({ name, env, says }) => {
    const dir = join(scratch, name.replace(/\W+/g, "-"));
    const result = await runMain(dir, {
      ...workingEnv(dir),
      PORT: String(await freePort()),
      ...(await env(dir)),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(says);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expectQuickRefusal(result);
    expect(await processesUnder(dir)).toEqual([]);
  });

  it("REDIS_URL where something accepts the connection and never answers: named after the probe's 10 s", async () => {
    const dir = join(scratch, "silent-redis");
    const silent = await holdPort();
    try {
      const result = await runMain(dir, {
        ...workingEnv(dir),
        PORT: String(await freePort()),
        REDIS_URL: `redis://127.0.0.1:${silent.port}`,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(
        `FAIL  Redis  REDIS_URL=redis://127.0.0.1:${silent.port} does not answer: no answer within 10 s`,
      );
      expectQuickRefusal(result, 20_000);
      expect(await processesUnder(dir)).toEqual([]);
    } finally {
      await silent.release();
    }
  });

  it.each([
    { variable: "PORT", other: "OPS_PORT" },
    { variable: "OPS_PORT", other: "PORT" },
  ])("a busy $variable: named with its fix, exit 1, before anything started", async ({ variable, other }) => {
    const dir = join(scratch, `busy-${variable}`);
    const busy = await holdPort();
    try {
      const result = await runMain(dir, {
        ...workingEnv(dir),
        [variable]: String(busy.port),
        [other]: String(await freePort()),
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(
        `${variable}: 127.0.0.1:${busy.port} is already in use (another Flotilla, or another program, listens there). Fix: stop that program, or set ${variable} to a free port`,
      );
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expectQuickRefusal(result);
      expect(existsSync(join(dir, "data", "redis"))).toBe(false);
      expect(await processesUnder(dir)).toEqual([]);
    } finally {
      await busy.release();
    }
  });

  it("a failure late in the start stops what had started: the embedded redis-server", async () => {
    // AGENT_SANDBOX=namespaces where no user namespace can be made (bubblewrap's
    // --disable-userns): the worker role refuses after Redis, the ops listener and the web are up.
    const dir = join(scratch, "late-failure");
    await mkdir(dir, { recursive: true });
    const result = await execa(
      "bwrap",
      [
        "--dev-bind",
        "/",
        "/",
        "--unshare-user",
        "--disable-userns",
        "--",
        process.execPath,
        "--import",
        probotLoadMarker,
        mainEntryPath,
        "all",
      ],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          NODE_ENV: "test",
          ...workingEnv(dir),
          AGENT_SANDBOX: "namespaces",
          PORT: String(await freePort()),
          OPS_PORT: String(await freePort()),
        },
        extendEnv: false,
        reject: false,
        timeout: 60_000,
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("AGENT_SANDBOX=namespaces");
    // The marker shows when the slow part of the start has begun (what expectQuickRefusal relies on).
    expect(result.stderr).toContain(probotLoaded);
    expect(existsSync(join(dir, "data", "redis", "connection.json"))).toBe(true);
    await waitFor(async () => ((await processesUnder(dir)).length === 0 ? true : undefined), {
      what: "the embedded redis-server to stop",
      timeoutMs: 10_000,
    });
  });
});
