// Flotilla's web handlers in this process, for tests of what a command leads to: a Probot with
// Flotilla's app loaded, talking to a stand-in GitHub (so `context.config` reads
// `.github/agents.yml` for real), real Redis and a real BullMQ queue. Deliveries go in through
// `probot.receive`, as after signature verification.
import { Probot } from "probot";
import { loadConfig } from "../../src/config/env.ts";
import { FlotillaOctokit } from "../../src/github/github-app.ts";
import { AgentQueue } from "../../src/queue/agent-queue.ts";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { Reporter } from "../../src/reporter/reporter.ts";
import { WriteLimiter } from "../../src/reporter/write-limiter.ts";
import { BudgetStore } from "../../src/store/budget-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { createFlotillaApp } from "../../src/web/flotilla-app.ts";
import { testAppCredentials } from "./app-credentials.ts";
import { FakeGitHub } from "./fake-github.ts";
import { type BareRemote, createBareRemote } from "./git-fixtures.ts";
import { createTestRedis, type TestRedis } from "./test-redis.ts";
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
  await probot.load(createFlotillaApp({ config, store, queue, reporter, budgets, log: probot.log }));

  const receive = (delivery: { id: string; name: string; payload: unknown }) =>
    probot.receive(delivery as Parameters<Probot["receive"]>[0]);
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
      await reporter.stop();
      await queue.close();
      await redis.cleanup();
      await github.stop();
      await remote.cleanup();
    },
  };
}
