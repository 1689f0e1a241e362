// Redis as operators run it: with a password, over TLS with a private CA (rediss:// and
// NODE_EXTRA_CA_CERTS), AOF on and maxmemory-policy noeviction, a command still becomes an agent's
// pull request. A Redis that evicts keys, a wrong password or an untrusted certificate stops the
// start with the variable and the fix, before anything runs.
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { justWrote, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import { makeDataDir, removeDataDir } from "../support/flotilla-process.ts";
import { mainEntryPath } from "../support/paths.ts";
import { type SecuredRedis, startSecuredRedis } from "../support/secured-redis.ts";
import { waitFor } from "../support/wait-for.ts";

let world: E2eEnvironment;
let tlsRedis: SecuredRedis;
let evictingRedis: SecuredRedis;

beforeAll(async () => {
  [world, tlsRedis, evictingRedis] = await Promise.all([
    createE2eEnvironment("secured-redis"),
    startSecuredRedis({ tls: true }),
    startSecuredRedis({ tls: false, maxmemoryPolicy: "allkeys-lru" }),
  ]);
  world.model.script("tls-greeting", (context) =>
    justWrote(context)
      ? { text: "Wrote OVER-TLS.md." }
      : writeFile(context, "OVER-TLS.md", "queued over TLS\n"),
  );
});

afterAll(async () => {
  await world?.cleanup();
  await tlsRedis?.stop();
  await evictingRedis?.stop();
});

/** `node src/main.ts all` with the world's settings and another REDIS_URL, until it exits by itself. */
async function startRefused(redisUrl: string, extra: Record<string, string> = {}) {
  const dataDir = await makeDataDir();
  try {
    return await execa(process.execPath, [mainEntryPath, "all"], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "/tmp",
        NODE_ENV: "test",
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        ...world.flotillaEnv({ REDIS_URL: redisUrl, ...extra }),
      },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
  } finally {
    await removeDataDir(dataDir);
  }
}

describe("Redis as operators run it", () => {
  it("runs an agent to its pull request through a Redis with a password, over TLS with a private CA", async () => {
    const flotilla = await world.startFlotilla({
      extraEnv: { REDIS_URL: tlsRedis.url, NODE_EXTRA_CA_CERTS: tlsRedis.caFile },
    });
    // The start line names the Redis without its password.
    const startLine = await flotilla.waitForLog(/^Flotilla \S+ started/);
    expect(startLine).toContain("rediss://localhost:");
    expect(flotilla.logs.join("\n")).not.toContain(tlsRedis.password);

    const answer = await world.comment(flotilla, "/agents run [[script:tls-greeting]] write a file");
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(300);
    const pull = await waitFor(
      () =>
        world.github
          .pullRequests(e2eOwner, e2eRepo)
          .find((candidate) => candidate.head.ref.startsWith("agents/")),
      { what: "the agent's pull request", timeoutMs: 120_000 },
    );
    expect(await world.remote.readFile(pull.head.ref, "OVER-TLS.md")).toBe("queued over TLS\n");
    const checkRun = await waitFor(
      () =>
        world.github
          .checkRuns(e2eOwner, e2eRepo)
          .find((run) => run.status === "completed" && run.conclusion === "success"),
      { what: "the agent's check run to complete" },
    );
    expect(checkRun.name).toContain("agent");
    // Nothing of this run went to the shared Redis the other tests use.
    expect(await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7)).toEqual([]);
    await flotilla.stop();
  });

  it("refuses to start against a Redis that may evict keys, naming the policy and the fix", async () => {
    const result = await startRefused(evictingRedis.url);
    expect(result.exitCode).toBe(1);
    expect(result.stderr + result.stdout).toMatch(/maxmemory-policy allkeys-lru/);
    expect(result.stderr + result.stdout).toMatch(/maxmemory-policy noeviction/);
  });

  it("refuses a wrong password and an untrusted certificate, naming REDIS_URL", async () => {
    const wrongPassword = tlsRedis.url.replace(tlsRedis.password, "not-the-password");
    const refusedPassword = await startRefused(wrongPassword, { NODE_EXTRA_CA_CERTS: tlsRedis.caFile });
    expect(refusedPassword.exitCode).toBe(1);
    expect(refusedPassword.stderr + refusedPassword.stdout).toMatch(
      /REDIS_URL=rediss:\/\/localhost:\d+ does not answer: .*(WRONGPASS|invalid username-password)/,
    );
    expect(refusedPassword.stderr + refusedPassword.stdout).not.toContain("not-the-password");

    const untrusted = await startRefused(tlsRedis.url);
    expect(untrusted.exitCode).toBe(1);
    expect(untrusted.stderr + untrusted.stdout).toMatch(
      /REDIS_URL=rediss:\/\/localhost:\d+ does not answer: .*certificate/,
    );
    expect(untrusted.stderr + untrusted.stdout).toMatch(/NODE_EXTRA_CA_CERTS/);
  });
});
