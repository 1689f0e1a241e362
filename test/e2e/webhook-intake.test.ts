// Acknowledged means stored (docs/design.md, invariant 8), with real processes: a web process
// SIGKILLed in the middle of a burst of `/agents run` deliveries, several times at random points,
// turns every delivery it answered 2xx into exactly one run (and GitHub's redelivery of the
// others into one run each); with Redis stopped, deliveries are answered 503 and, redelivered
// once Redis is back, run once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { IntakeQueue } from "../../src/queue/intake-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { createKeySpace } from "../../src/store/keys.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { deliveryProcessed } from "../support/delivery-processed.ts";
import {
  createE2eEnvironment,
  type E2eEnvironment,
  e2eInstallationId,
  e2eOwner,
} from "../support/e2e-environment.ts";
import { freePort, type RunningFlotilla } from "../support/flotilla-process.ts";
import { waitFor } from "../support/wait-for.ts";
import { issueCommentCreated, postWebhook } from "../support/webhooks.ts";

// A repository the stand-in answers from memory: hundreds of runs without a git process each.
const repo = "burst";
const pullNumber = 11;
/** A killed consumer's delivery is taken up again after about this long. */
const fastRecovery = { WORKER_LOCK_DURATION_MS: "2000", WORKER_STALLED_INTERVAL_MS: "1000" };

let world: E2eEnvironment;

beforeAll(async () => {
  world = await createE2eEnvironment("webhook-intake");
  world.github.addRepository({ owner: e2eOwner, repo, installationId: e2eInstallationId });
  await world.github.addPullRequest({
    owner: e2eOwner,
    repo,
    number: pullNumber,
    head: { ref: "feature/burst", sha: "a".repeat(40) },
    base: { ref: "main", sha: "b".repeat(40) },
  });
});

afterAll(() => world?.cleanup());

function commandDelivery(task: string) {
  return commentDelivery(`/agents run ${task}`);
}

function commentDelivery(body: string) {
  return issueCommentCreated({
    owner: e2eOwner,
    repo,
    cloneUrl: `https://github.example/${e2eOwner}/${repo}.git`,
    installationId: e2eInstallationId,
    issueNumber: pullNumber,
    isPullRequest: true,
    body,
    login: "alice",
  });
}

type Delivery = ReturnType<typeof commandDelivery>;

/** The HTTP status, or 0 when the connection failed (the process died before answering). */
async function send(web: RunningFlotilla, delivery: Delivery, secret: string): Promise<number> {
  return postWebhook(`${web.url}/api/github/webhooks`, delivery, secret).then(
    (response) => response.status,
    () => 0,
  );
}

/** A Redis of this test's own (never the shared one), without persistence. */
function spawnRedis(port: number, dir: string) {
  return execa(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir],
    { reject: false, stdin: "ignore", stdout: "ignore", stderr: "ignore" },
  );
}

const is2xx = (status: number) => status >= 200 && status < 300;

/** Agent jobs per run id (any state). */
async function agentJobsByRun(queue: E2eEnvironment["queue"]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const jobs = await queue.getJobs(["waiting", "active", "delayed", "completed", "failed", "prioritized"]);
  for (const job of jobs) counts.set(job.data.runId, (counts.get(job.data.runId) ?? 0) + 1);
  return counts;
}

describe("webhook intake", () => {
  it("turns every delivery answered 2xx into exactly one run when the web process is SIGKILLed mid-burst", async () => {
    const port = await freePort();
    const burst = 200;
    for (const round of [1, 2, 3]) {
      let web = await world.startFlotilla({ role: "web", port, extraEnv: fastRecovery });
      const deliveries = Array.from({ length: burst }, (_, index) =>
        commandDelivery(`summarise part ${round}-${index}`),
      );
      // Somewhere in the middle of the burst, a different place each round.
      const killAfter = 20 + Math.floor(Math.random() * (burst - 40));
      const statuses: Promise<number>[] = [];
      let killed: Promise<void> | undefined;
      for (const [index, delivery] of deliveries.entries()) {
        if (index === killAfter) {
          // Once one delivery was answered (on a busy machine the first answers can take longer
          // than the burst's first turns): the kill must land in the middle, not before it.
          await Promise.any(
            statuses.map(async (status) =>
              is2xx(await status) ? true : Promise.reject(new Error("no 2xx")),
            ),
          );
          killed = web.kill();
        }
        statuses.push(send(web, delivery, world.webhookSecret));
        // Spread the burst over the event loop's turns, as requests arriving one by one.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const answered = await Promise.all(statuses);
      await killed;
      const acknowledged = deliveries.filter((_, index) => is2xx(answered[index] ?? 0));
      const refused = deliveries.filter((_, index) => !is2xx(answered[index] ?? 0));
      // The kill lands in the middle: some answered, some not.
      expect(acknowledged.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      expect(answered.every((status) => status === 0 || status === 200)).toBe(true);

      // A new web process (any process with the web role) takes up what the killed one held.
      web = await world.startFlotilla({ role: "web", port, extraEnv: fastRecovery });
      for (const delivery of acknowledged) expect(await world.processed(delivery.id)).toBe("completed");
      for (const delivery of acknowledged) {
        const runId = await world.store.runIdForDelivery(delivery.id);
        expect(runId, `run of acknowledged delivery ${delivery.id}`).toBeDefined();
        expect(await world.store.listRunAgents(runId ?? "")).toHaveLength(1);
      }
      // GitHub shows the others as failed; the operator redelivers them.
      for (const delivery of refused) expect(await send(web, delivery, world.webhookSecret)).toBe(200);
      for (const delivery of refused) expect(await world.processed(delivery.id)).toBe("completed");

      const runIds = await Promise.all(
        deliveries.map((delivery) => world.store.runIdForDelivery(delivery.id)),
      );
      expect(new Set(runIds).size).toBe(burst);
      const jobs = await agentJobsByRun(world.queue);
      for (const runId of runIds) expect(jobs.get(runId ?? ""), `agent jobs of ${runId}`).toBe(1);
      const agentIds = await Promise.all(
        runIds.map(async (runId) => (await world.store.listRunAgents(runId ?? ""))[0]?.id),
      );
      // The reporter shows them on GitHub on its own time: wait until each has its check run.
      await waitFor(
        () => {
          const shown = new Set(world.github.checkRuns(e2eOwner, repo).map((run) => run.external_id));
          return agentIds.every((id) => shown.has(id ?? "")) || undefined;
        },
        { what: "a check run for every agent", timeoutMs: 120_000 },
      );
      const checkRuns = world.github.checkRuns(e2eOwner, repo);
      for (const agentId of agentIds)
        expect(
          checkRuns.filter((run) => run.external_id === agentId),
          `check runs of ${agentId}`,
        ).toHaveLength(1);
      await web.stop();
    }
    expect(await world.store.runIdsForIssue(e2eOwner, repo, pullNumber)).toHaveLength(3 * burst);
  }, 600_000);

  describe("with Redis stopped", () => {
    let scratch = "";
    let port = 0;
    let redisServer: ReturnType<typeof spawnRedis> | undefined;

    beforeAll(async () => {
      scratch = await mkdtemp(join(tmpdir(), "flotilla-intake-redis-"));
      port = await freePort();
    });
    afterAll(async () => {
      redisServer?.kill("SIGKILL");
      await redisServer?.catch(() => undefined);
      await rm(scratch, { recursive: true, force: true });
    });

    async function startRedis(): Promise<void> {
      redisServer = spawnRedis(port, scratch);
      await waitFor(
        async () =>
          (await execa("redis-cli", ["-p", String(port), "ping"], { reject: false })).stdout === "PONG" ||
          undefined,
        { what: "the test's own redis-server" },
      );
    }

    async function stopRedis(): Promise<void> {
      redisServer?.kill("SIGKILL");
      await redisServer?.catch(() => undefined);
    }

    /** A web process on a fresh redis-server of this test's own, and the test's view of its keys. */
    async function webOnOwnRedis(prefix: string) {
      await stopRedis();
      await startRedis();
      const redisUrl = `redis://127.0.0.1:${port}`;
      const redis = createRedisConnection(redisUrl, "commands");
      redis.on("error", () => {});
      const web = await world.startFlotilla({
        role: "web",
        extraEnv: { REDIS_URL: redisUrl, FLOTILLA_REDIS_PREFIX: prefix, ...fastRecovery },
      });
      return {
        redis,
        web,
        store: new RunStore(redis, createKeySpace(prefix)),
        intake: new IntakeQueue(redis, prefix),
      };
    }

    it("answers 503 while Redis is away, and runs each redelivery once when it is back", async () => {
      const { redis, web, store, intake } = await webOnOwnRedis("{flotilla-intake-outage}");
      try {
        const before = commandDelivery("before the outage");
        expect(await send(web, before, world.webhookSecret)).toBe(200);
        expect(await deliveryProcessed(intake, before.id)).toBe("completed");

        await stopRedis();
        const during = [1, 2, 3, 4, 5].map((n) => commandDelivery(`during the outage ${n}`));
        for (const delivery of during) expect(await send(web, delivery, world.webhookSecret)).toBe(503);
        // An ordinary comment needs no Redis: still answered.
        const chatter = commentDelivery("Looks good to me, thanks!");
        expect(await send(web, chatter, world.webhookSecret)).toBe(200);

        // Back, empty (no persistence here): the operator redelivers the failed ones, twice.
        await startRedis();
        await waitFor(async () => ((await fetch(`${web.url}/readyz`)).status === 200 ? true : undefined), {
          what: "the web process to be ready again",
        });
        for (const delivery of during) expect(await send(web, delivery, world.webhookSecret)).toBe(200);
        for (const delivery of during) expect(await deliveryProcessed(intake, delivery.id)).toBe("completed");
        for (const delivery of during) expect(await send(web, delivery, world.webhookSecret)).toBe(200);
        for (const delivery of during) expect(await deliveryProcessed(intake, delivery.id)).toBe("completed");
        const runIds = await store.runIdsForIssue(e2eOwner, repo, pullNumber);
        expect(runIds).toHaveLength(during.length);
        for (const delivery of during) expect(await store.runIdForDelivery(delivery.id)).toBeDefined();
        const backlog = await intake.backlog();
        expect(backlog).toEqual({ depth: 0, oldestAgeMs: 0 });
        // The operator sees the same in /metrics and /readyz.
        const metrics = await (await fetch(`${web.opsUrl}/metrics`)).text();
        expect(metrics).toMatch(/^flotilla_events_depth\{[^}]*\} 0$/m);
        expect(metrics).toMatch(/^flotilla_events_oldest_age_seconds\{[^}]*\} 0$/m);
        const ready: unknown = await (await fetch(`${web.url}/readyz`)).json();
        expect(ready).toMatchObject({ ready: true, details: { events: { depth: 0, oldestAgeSeconds: 0 } } });

        // A delivery its consumer cannot process yet (GitHub answers its permission lookup 502
        // three times, so it waits 2 + 4 + 8 s between tries): the operator sees it waiting, with
        // its age, in /metrics and /readyz, and then processed.
        world.github.failNext({
          method: "GET",
          pathPattern: `/repos/${e2eOwner}/${repo}/collaborators/*/permission`,
          status: 502,
          times: 3,
        });
        const held = commandDelivery("held up by GitHub");
        expect(await send(web, held, world.webhookSecret)).toBe(200);
        const readySchema = z.object({ details: z.object({ events: z.object({ depth: z.number() }) }) });
        await waitFor(
          async () => {
            const text = await (await fetch(`${web.opsUrl}/metrics`)).text();
            const readyz = readySchema.safeParse(await (await fetch(`${web.url}/readyz`)).json());
            return (
              (/^flotilla_events_depth\{[^}]*\} 1$/m.test(text) &&
                /^flotilla_events_oldest_age_seconds\{[^}]*\} [1-9]/m.test(text) &&
                readyz.data?.details.events.depth === 1) ||
              undefined
            );
          },
          { what: "the held delivery in /metrics (at least a second old) and /readyz" },
        );
        expect(await deliveryProcessed(intake, held.id)).toBe("completed");
        expect(world.github.pendingFaults).toBe(0);
        expect(await store.runIdForDelivery(held.id)).toBeDefined();
        expect(await intake.backlog()).toEqual({ depth: 0, oldestAgeMs: 0 });
      } finally {
        await web.kill();
        await intake.close();
        redis.disconnect();
      }
    }, 300_000);

    it("answers 503 within its store timeout when Redis hangs, and runs the redelivery once", async () => {
      const { redis, web, store, intake } = await webOnOwnRedis("{flotilla-intake-hang}");
      try {
        // A Redis that accepts connections and never answers: no error tells the web process.
        redisServer?.kill("SIGSTOP");
        const stuck = commandDelivery("while Redis hangs");
        const answer = await postWebhook(`${web.url}/api/github/webhooks`, stuck, world.webhookSecret);
        expect(answer.status).toBe(503);
        // The intake's own deadline (500 ms) answered it, long before GitHub's 10 s.
        expect(await answer.text()).toContain("Redis did not confirm within 500 ms");
        const chatter = commentDelivery("Ordinary comment while Redis hangs");
        expect(await send(web, chatter, world.webhookSecret)).toBe(200);

        redisServer?.kill("SIGCONT");
        // What the hung store sent may land late: the redelivery is still one run.
        expect(await send(web, stuck, world.webhookSecret)).toBe(200);
        expect(await deliveryProcessed(intake, stuck.id)).toBe("completed");
        const runId = await store.runIdForDelivery(stuck.id);
        expect(runId).toBeDefined();
        expect(await store.runIdsForIssue(e2eOwner, repo, pullNumber)).toEqual([runId]);
      } finally {
        redisServer?.kill("SIGCONT");
        await web.kill();
        await intake.close();
        redis.disconnect();
      }
    }, 300_000);
  });
});
