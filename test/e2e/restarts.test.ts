// Restarts for real: the web process killed while webhooks arrive (GitHub redelivers, nothing
// starts twice), Redis with its append-only file killed and restarted mid-run, and a worker
// stopped gracefully (SIGTERM) handing its agent to another worker.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { createKeySpace } from "../../src/store/keys.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { agentNameOf, workRequestsOf, writeFile } from "../support/agent-scripts.ts";
import { createE2eEnvironment, type E2eEnvironment, e2eOwner, e2eRepo } from "../support/e2e-environment.ts";
import { freePort } from "../support/flotilla-process.ts";
import type { ModelTurn, ScriptContext } from "../support/scripted-model.ts";
import { waitFor } from "../support/wait-for.ts";
import { issueCommentCreated, postWebhook } from "../support/webhooks.ts";

let world: E2eEnvironment;

/** Three slow steps, each leaving a file, then an answer: long enough to restart things midway. */
function slowSteps(context: ScriptContext): ModelTurn {
  for (const step of [1, 2, 3]) {
    if (!existsSync(`${context.hostCwd}/step-${step}.md`)) {
      return {
        ...writeFile(context, `step-${step}.md`, `${agentNameOf(context)} step ${step}\n`),
        delayMs: 1_500,
      };
    }
  }
  return { text: `${agentNameOf(context)} did three steps` };
}

beforeAll(async () => {
  world = await createE2eEnvironment("restarts");
  world.model
    .script("quick", (context) =>
      context.step === 0 ? writeFile(context, "quick.md", "quick\n") : { text: "quick" },
    )
    .script("slow", slowSteps);
});

afterAll(() => world?.cleanup());

async function agentsOf(runIds: string[]) {
  return (await Promise.all(runIds.map((runId) => world.store.listRunAgents(runId)))).flat();
}

describe("restarts", () => {
  it("starts nothing twice when the web process is killed while webhooks arrive and GitHub redelivers", async () => {
    const port = await freePort();
    // The killed web process's stored deliveries are taken up again once its locks lapse.
    const fastRecovery = { WORKER_LOCK_DURATION_MS: "2000", WORKER_STALLED_INTERVAL_MS: "1000" };
    let web = await world.startFlotilla({ role: "web", port, extraEnv: fastRecovery });
    const worker = await world.startFlotilla({ role: "worker" });
    const deliveries = [1, 2, 3, 4, 5, 6].map((n) =>
      issueCommentCreated({
        owner: e2eOwner,
        repo: e2eRepo,
        cloneUrl: world.cloneUrl,
        installationId: 4242,
        issueNumber: 7,
        isPullRequest: true,
        body: `/agents run [[script:quick]] job number ${n}`,
        login: "alice",
      }),
    );
    const url = () => `${web.url}/api/github/webhooks`;
    for (const [index, delivery] of deliveries.entries()) {
      if (index === 3) {
        await web.kill();
        web = await world.startFlotilla({ role: "web", port, extraEnv: fastRecovery });
      }
      await postWebhook(url(), delivery, world.webhookSecret).catch(() => undefined);
    }
    // GitHub redelivers what it did not see acknowledged; here, everything once more.
    for (const delivery of deliveries)
      expect((await postWebhook(url(), delivery, world.webhookSecret)).status).toBe(200);

    const runIds = await waitFor(
      async () => {
        const ids = await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7);
        return ids.length >= 6 ? ids : undefined;
      },
      { what: "six runs" },
    );
    expect(runIds).toHaveLength(6);
    const agents = await waitFor(
      async () => {
        const all = await agentsOf(runIds);
        return all.length === 6 && all.every((agent) => agent.state === "succeeded") ? all : undefined;
      },
      { timeoutMs: 90_000, what: "six agents to succeed" },
    );
    for (const agent of agents) {
      expect(
        world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id),
      ).toHaveLength(1);
    }
    for (const runId of runIds) {
      await waitFor(
        () =>
          world.github.comments(e2eOwner, e2eRepo, 7).filter((c) => c.body?.includes(`flotilla:run:${runId}`))
            .length === 1 || undefined,
        { what: `one tracking comment for ${runId}` },
      );
    }
    await web.kill();
    await worker.kill();
  });

  it("completes a run when Redis (append-only file on) is killed and restarted mid-run", async () => {
    const redisDir = await mkdtemp(join(tmpdir(), "flotilla-aof-"));
    const port = await freePort();
    const startRedis = () =>
      execa(
        "redis-server",
        [
          "--port",
          String(port),
          "--bind",
          "127.0.0.1",
          "--dir",
          redisDir,
          "--appendonly",
          "yes",
          "--appendfsync",
          "always",
          "--save",
          "",
        ],
        { reject: false, stdout: "ignore", stderr: "ignore" },
      );
    let redis = startRedis();
    await waitFor(
      async () =>
        (await execa("redis-cli", ["-p", String(port), "ping"], { reject: false })).stdout === "PONG" ||
        undefined,
      {
        what: "the test's Redis",
      },
    );
    const flotilla = await world.startFlotilla({ extraEnv: { REDIS_URL: `redis://127.0.0.1:${port}` } });
    try {
      await world.comment(flotilla, "/agents run [[script:slow]] survive a redis restart");
      await waitFor(() => world.model.requestsFor("slow").length >= 2 || undefined, {
        timeoutMs: 120_000,
        what: "the agent to be working",
      });
      redis.kill("SIGKILL");
      await redis;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      redis = startRedis();
      const connection = createRedisConnection(`redis://127.0.0.1:${port}`, "commands");
      const store = new RunStore(connection, createKeySpace(world.prefix));
      const agent = await waitFor(
        async () => {
          const runIds = await store.runIdsForIssue(e2eOwner, e2eRepo, 7);
          const all = (await Promise.all(runIds.map((id) => store.listRunAgents(id)))).flat();
          return all.length === 1 && all[0]?.state === "succeeded" ? all[0] : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: "the agent to succeed after the Redis restart" },
      );
      connection.disconnect();
      for (const step of [1, 2, 3]) {
        expect(await world.remote.readFile(agent.branch, `step-${step}.md`)).toBe(
          `${agent.name} step ${step}\n`,
        );
      }
      expect(
        world.github.checkRuns(e2eOwner, e2eRepo).filter((run) => run.external_id === agent.id),
      ).toHaveLength(1);
    } finally {
      await flotilla.kill();
      redis.kill("SIGKILL");
      await redis;
      await rm(redisDir, { recursive: true, force: true });
    }
  });

  it("hands a running agent to another worker on SIGTERM, within the grace period, in the same session", async () => {
    const web = await world.startFlotilla({ role: "web" });
    const first = await world.startFlotilla({ role: "worker", extraEnv: { SHUTDOWN_GRACE_MS: "10000" } });
    await world.comment(web, "/agents run [[script:slow]] hand me over gracefully");
    const before = world.model.requestsFor("slow").length;
    await waitFor(() => world.model.requestsFor("slow").length >= before + 2 || undefined, {
      timeoutMs: 120_000,
      what: "the agent to be working",
    });
    const stoppingAt = Date.now();
    const exitCode = await first.stop();
    expect(exitCode).toBe(0);
    expect(Date.now() - stoppingAt).toBeLessThan(20_000);
    expect(first.logs.some((line) => line.includes("SIGTERM received"))).toBe(true);

    await world.startFlotilla({ role: "worker" });
    const runIds = await world.store.runIdsForIssue(e2eOwner, e2eRepo, 7);
    const agent = await waitFor(
      async () => {
        const all = await agentsOf(runIds);
        return all.find(
          (candidate) => candidate.task.includes("hand me over") && candidate.state === "succeeded",
        );
      },
      { timeoutMs: 90_000, what: "the handed-over agent to succeed" },
    );
    // Every request of this agent, before and after the hand-over, in its one session.
    const own = workRequestsOf(world.model.requestsFor("slow"), agent.branch);
    expect(own.length).toBeGreaterThan(2);
    expect(new Set(own.map((r) => r.sessionId))).toEqual(new Set([agent.sessionId]));
    const resumedRequest = world.model
      .requestsFor("slow")
      .find(
        (r) =>
          r.sessionId === agent.sessionId &&
          JSON.stringify(r.body.messages).includes("Flotilla had to restart you"),
      );
    expect(resumedRequest).toBeDefined();
    for (const step of [1, 2, 3]) {
      expect(await world.remote.readFile(agent.branch, `step-${step}.md`)).toBe(
        `${agent.name} step ${step}\n`,
      );
    }
  });
});
