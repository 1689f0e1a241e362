// Flotilla's web handlers in this process, for tests of what a command leads to: a Probot with
// Flotilla's app loaded, talking to a stand-in GitHub (so `context.config` reads
// `.github/agents.yml` for real), real Redis and real BullMQ queues. Deliveries go the way of a
// verified webhook: the intake's filter, the intake queue, and the delivery consumer, which
// runs them through `probot.receive`; `receive` resolves once the consumer is done with one.
import { Probot } from "probot";
import { loadConfig } from "../../src/config/env.ts";
import { FlotillaOctokit } from "../../src/github/github-app.ts";
import { FlotillaMetrics } from "../../src/ops/metrics.ts";
import { AgentQueue } from "../../src/queue/agent-queue.ts";
import { IntakeQueue } from "../../src/queue/intake-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { Reporter } from "../../src/reporter/reporter.ts";
import { WriteLimiter } from "../../src/reporter/write-limiter.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { deliveryMatters } from "../../src/web/delivery-matters.ts";
import { createFlotillaApp } from "../../src/web/flotilla-app.ts";
import { handledEvents } from "../../src/web/handled-events.ts";
import { startDeliveryConsumer } from "../../src/web/process-delivery.ts";
import { testAppCredentials } from "./app-credentials.ts";
import { deliveryProcessed } from "./delivery-processed.ts";
import { FakeGitHub } from "./fake-github.ts";
import { type BareRemote, createBareRemote } from "./git-fixtures.ts";
import { createTestRedis, type TestRedis, testRedisUrl } from "./test-redis.ts";
import { type IssueCommentOptions, issueCommentCreated } from "./webhooks.ts";

export const worldOwner = "octo-org";
export const worldRepo = "demo";
export const worldInstallation = 5151;

export interface WebWorld {
  github: FakeGitHub;
  remote: BareRemote;
  redis: TestRedis;
  store: RunStore;
  budgets: BudgetStore;
  /** Sends `/agents …` as an issue_comment delivery; resolves when the handler is done. */
  comment(body: string, options?: Partial<IssueCommentOptions>): Promise<{ deliveryId: string }>;
  /** Stores the delivery as the intake would (if it matters) and waits until it is processed. */
  receive(delivery: { id: string; name: string; payload: unknown }): Promise<void>;
  /** Every job ever added to the agent queue (any state). */
  jobCount(): Promise<number>;
  /** Bodies of comments on the issue or pull request, oldest first. */
  comments(issueNumber: number): string[];
  cleanup(): Promise<void>;
}

export async function createWebWorld(env: Record<string, string> = {}): Promise<WebWorld> {
  const credentials = testAppCredentials();
  const remote = await createBareRemote({
    files: { "README.md": "# demo\n" },
    branches: { "feature/login": { "src/login.ts": "export const login = () => true;\n" } },
  });
  const github = new FakeGitHub({ appId: credentials.appId, privateKey: credentials.privateKey });
  await github.start();
  github.addRepository({
    owner: worldOwner,
    repo: worldRepo,
    cloneUrl: remote.cloneUrl,
    gitDir: remote.bareDir,
    installationId: worldInstallation,
  });
  const redis = createTestRedis();
  const config = loadConfig({ FLOTILLA_REDIS_PREFIX: redis.prefix, DATA_DIR: remote.dir, ...env });
  const probot = new Probot({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    baseUrl: github.apiBaseUrl,
    logLevel: "fatal",
    Octokit: FlotillaOctokit,
  });
  await probot.ready();
  const store = new RunStore(redis.redis, redis.keys);
  const limiter = new WriteLimiter(redis.redis, redis.keys, { perMinute: 1000, perHour: 10_000 });
  const budgets = new BudgetStore(redis.redis, redis.keys);
  const queue = new AgentQueue(redis.redis, redis.prefix);
  const reporter = new Reporter({
    store,
    dirty: new DirtyTargets(redis.redis, redis.keys, 0),
    limiter,
    clientFor: (installationId) => probot.auth(installationId),
    links: { agentPage: () => undefined, runPage: () => undefined },
    log: probot.log,
  });
  const app = createFlotillaApp({ config, store, queue, reporter, budgets, log: probot.log });
  await probot.load(app);
  const handled = handledEvents(app);
  const intakeConnection = createRedisConnection(testRedisUrl, "fail-fast");
  const intake = new IntakeQueue(intakeConnection, redis.prefix);
  const consumerConnection = createRedisConnection(testRedisUrl, "blocking");
  const consumer = startDeliveryConsumer(
    { config, log: probot.log, metrics: new FlotillaMetrics("test") },
    probot,
    consumerConnection,
    // In-process tests answer no GitHub: nothing to put first (see web/intake-first.ts).
    { admit: () => Promise.resolve() },
  );

  const receive = async (delivery: { id: string; name: string; payload: unknown }) => {
    const payload = delivery.payload;
    if (typeof payload !== "object" || payload === null) throw new Error("a delivery's payload is an object");
    if (!deliveryMatters(handled, delivery.name, payload)) return;
    await intake.add({
      id: delivery.id,
      name: delivery.name,
      payload: Object.fromEntries(Object.entries(payload)),
      receivedAt: Date.now(),
    });
    await deliveryProcessed(intake, delivery.id);
  };
  return {
    github,
    remote,
    redis,
    store,
    budgets,
    receive,
    comment: async (body, options = {}) => {
      const delivery = issueCommentCreated({
        owner: worldOwner,
        repo: worldRepo,
        cloneUrl: remote.cloneUrl,
        installationId: worldInstallation,
        issueNumber: 7,
        isPullRequest: true,
        login: "alice",
        ...options,
        body,
      });
      await receive(delivery);
      return { deliveryId: delivery.id };
    },
    jobCount: async () => {
      const counts = await queue.jobCounts();
      return Object.values(counts).reduce((sum, count) => sum + count, 0);
    },
    comments: (issueNumber) =>
      github.comments(worldOwner, worldRepo, issueNumber).map((comment) => comment.body ?? ""),
    cleanup: async () => {
      await consumer.close();
      await intake.close();
      intakeConnection.disconnect();
      consumerConnection.disconnect();
      await reporter.stop();
      await queue.close();
      await redis.cleanup();
      await github.stop();
      await remote.cleanup();
    },
  };
}

/** A world with pull request #7 (feature/login → main) and alice, who may run agents. */
export async function createWebWorldWithPullRequest(env: Record<string, string> = {}): Promise<WebWorld> {
  const world = await createWebWorld(env);
  await world.github.addPullRequest({
    owner: worldOwner,
    repo: worldRepo,
    number: 7,
    head: { ref: "feature/login" },
    base: { ref: "main" },
  });
  world.github.setPermission("alice", "write");
  return world;
}
