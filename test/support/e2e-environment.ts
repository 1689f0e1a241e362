// One end-to-end world: a bare repository with a pull request, served over authenticated smart
// HTTP like GitHub's, a stand-in GitHub that knows it, a scripted model, and helpers to start
// Flotilla processes against them and send commands.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { worktreeInSandbox } from "../../src/agent/agent-sandbox.ts";
import { agentQueueName } from "../../src/queue/agent-queue.ts";
import { type DeliveryState, IntakeQueue } from "../../src/queue/intake-queue.ts";
import { createRedisConnection } from "../../src/redis/redis-connection.ts";
import { createKeySpace } from "../../src/store/keys.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { testAppCredentials } from "./app-credentials.ts";
import { deliveryProcessed } from "./delivery-processed.ts";
import { FakeGitHub, probotEnvFor } from "./fake-github.ts";
import {
  type FlotillaProcessOptions,
  type RunningFlotilla,
  removeDataDir,
  startFlotillaProcess,
} from "./flotilla-process.ts";
import { type BareRemote, createBareRemote, type FileTree } from "./git-fixtures.ts";
import { GitHttpServer } from "./git-http-server.ts";
import { killProcessesUnder } from "./kill-processes-under.ts";
import { ScriptedModel } from "./scripted-model.ts";
import { deleteKeysWithPrefix, testRedisUrl } from "./test-redis.ts";
import { checkRunRequestedAction, issueCommentCreated, postWebhook } from "./webhooks.ts";

export const e2eOwner = "octo-org";
export const e2eRepo = "demo";
export const e2ePullNumber = 7;
export const e2eHeadBranch = "feature/login";
export const e2eInstallationId = 4242;
const installationId = e2eInstallationId;
const webhookSecret = "e2e-webhook-secret";
const upstreamKey = "sk-ant-e2e-upstream-key-DO-NOT-LEAK";

export interface E2eEnvironment {
  remote: BareRemote;
  /** Serves `remote` as `octo-org/demo` to holders of a live installation token. */
  gitServer: GitHttpServer;
  /** The repository's `clone_url`: `http://127.0.0.1:<port>/octo-org/demo.git`. */
  cloneUrl: string;
  github: FakeGitHub;
  model: ScriptedModel;
  redis: Redis;
  store: RunStore;
  queue: Queue;
  /** The webhook deliveries Flotilla stored (to see where one is). */
  intake: IntakeQueue;
  prefix: string;
  upstreamKey: string;
  privateKey: string;
  webhookSecret: string;
  processes: RunningFlotilla[];
  /** Environment a Flotilla process needs to run in this world. */
  flotillaEnv(extra?: Record<string, string>): Record<string, string>;
  startFlotilla(
    options?: Partial<FlotillaProcessOptions> & { extraEnv?: Record<string, string> },
  ): Promise<RunningFlotilla>;
  /**
   * Waits until a delivery answered 2xx has been processed by a delivery consumer (comment,
   * clickCheckRunButton and deliver do this themselves); "absent" when it was not stored.
   */
  processed(deliveryId: string, options?: { timeoutMs?: number }): Promise<Exclude<DeliveryState, "pending">>;
  /**
   * Posts `/agents …` as a signed issue_comment webhook to the given web process, and when it is
   * answered 2xx, waits until it has been processed.
   */
  comment(
    web: RunningFlotilla,
    body: string,
    options?: { login?: string; issueNumber?: number; isPullRequest?: boolean },
  ): Promise<{ status: number; deliveryId: string; commentId: number }>;
  /** Clicks a check run's button: a signed check_run.requested_action webhook (waited for as above). */
  clickCheckRunButton(
    web: RunningFlotilla,
    button: { checkRunId: number; agentId: string; identifier: string; headSha: string; login?: string },
  ): Promise<number>;
  /** Posts any delivery (e.g. a review comment), signed like GitHub signs it (waited for as above). */
  deliver(web: RunningFlotilla, delivery: { id: string; name: string; payload: unknown }): Promise<number>;
  /** Stops everything; fails when the stand-in GitHub recorded a request GitHub would refuse. */
  cleanup(): Promise<void>;
}

export async function createE2eEnvironment(
  name: string,
  options: {
    branches?: Record<string, FileTree>;
    /** How long the stand-in's installation tokens live (GitHub: one hour). */
    installationTokenLifetimeMs?: number;
  } = {},
): Promise<E2eEnvironment> {
  const prefix = `{flotilla-e2e-${name}-${process.pid}}`;
  const remote = await createBareRemote({
    files: { "README.md": "# demo\n" },
    branches: {
      [e2eHeadBranch]: { "src/login.ts": "export const login = () => true;\n" },
      ...options.branches,
    },
  });
  const credentials = testAppCredentials();
  const github = new FakeGitHub({
    appId: credentials.appId,
    privateKey: credentials.privateKey,
    installationId,
    ...(options.installationTokenLifetimeMs === undefined
      ? {}
      : { installationTokenLifetimeMs: options.installationTokenLifetimeMs }),
  });
  await github.start();
  const gitServer = new GitHttpServer(github);
  await gitServer.start();
  const cloneUrl = gitServer.serve(e2eOwner, e2eRepo, remote.bareDir);
  github.addRepository({
    owner: e2eOwner,
    repo: e2eRepo,
    cloneUrl,
    gitDir: remote.bareDir,
    installationId,
  });
  await github.addPullRequest({
    owner: e2eOwner,
    repo: e2eRepo,
    number: e2ePullNumber,
    head: { ref: e2eHeadBranch },
    base: { ref: "main" },
  });
  github.setPermission("alice", "write");
  const model = new ScriptedModel();
  await model.start();
  const redis = createRedisConnection(testRedisUrl, "commands");
  const queue = new Queue(agentQueueName, { connection: redis, prefix });
  const intake = new IntakeQueue(redis, prefix);
  const processes: RunningFlotilla[] = [];
  model.hostPathOf = (cwd, prompt) => worktreeOnHost(cwd, prompt, processes);
  const processed = (deliveryId: string, options: { timeoutMs?: number } = {}) =>
    deliveryProcessed(intake, deliveryId, options);
  /** Posts a signed delivery; after a 2xx, waits for its processing. */
  const post = async (web: RunningFlotilla, delivery: { id: string; name: string; payload: unknown }) => {
    const response = await postWebhook(`${web.url}/api/github/webhooks`, delivery, webhookSecret);
    if (response.status >= 200 && response.status < 300) await processed(delivery.id);
    return response.status;
  };

  const flotillaEnv = (extra: Record<string, string> = {}) => ({
    ...probotEnvFor(github, { appId: credentials.appId, privateKey: credentials.privateKey, webhookSecret }),
    REDIS_URL: testRedisUrl,
    FLOTILLA_REDIS_PREFIX: prefix,
    ANTHROPIC_BASE_URL: model.url,
    ANTHROPIC_API_KEY: upstreamKey,
    REPORT_MIN_INTERVAL_MS: "500",
    // GitHub's pace is tested on its own (test/reporter); here it would only slow the runs down.
    GITHUB_WRITES_PER_MINUTE: "2000",
    GITHUB_WRITES_PER_HOUR: "100000",
    ...extra,
  });

  return {
    remote,
    gitServer,
    cloneUrl,
    github,
    model,
    redis,
    store: new RunStore(redis, createKeySpace(prefix)),
    queue,
    intake,
    processed,
    prefix,
    upstreamKey,
    privateKey: credentials.privateKey,
    webhookSecret,
    processes,
    flotillaEnv,
    startFlotilla: async (options = {}) => {
      const started = await startFlotillaProcess({
        ...options,
        env: { ...flotillaEnv(options.extraEnv), ...options.env },
      });
      processes.push(started);
      return started;
    },
    comment: async (web, body, options = {}) => {
      const delivery = issueCommentCreated({
        owner: e2eOwner,
        repo: e2eRepo,
        cloneUrl,
        installationId,
        issueNumber: options.issueNumber ?? e2ePullNumber,
        isPullRequest: options.isPullRequest ?? true,
        body,
        login: options.login ?? "alice",
      });
      const status = await post(web, delivery);
      return { status, deliveryId: delivery.id, commentId: delivery.payload.comment.id };
    },
    clickCheckRunButton: async (web, button) => {
      const delivery = checkRunRequestedAction({
        owner: e2eOwner,
        repo: e2eRepo,
        cloneUrl,
        installationId,
        checkRunId: button.checkRunId,
        externalId: button.agentId,
        identifier: button.identifier,
        headSha: button.headSha,
        login: button.login ?? "alice",
      });
      return post(web, delivery);
    },
    deliver: post,
    cleanup: async () => {
      for (const running of processes) await running.kill();
      // Commands the agents' Bash tools started outlive a killed worker (as in production,
      // where the next worker kills them); a test's leftovers must not leak into the next.
      for (const running of processes) await killProcessesUnder(running.dataDir);
      await queue.close();
      await intake.close();
      await deleteKeysWithPrefix(redis, prefix);
      redis.disconnect();
      await model.stop();
      await gitServer.stop();
      await remote.cleanup();
      // FLOTILLA_KEEP_TEST_DATA=1 keeps worktrees and transcripts for a look after a failure.
      if (process.env.FLOTILLA_KEEP_TEST_DATA === "1")
        console.info(
          "kept:",
          processes.map((p) => p.dataDir),
        );
      else for (const running of processes) await removeDataDir(running.dataDir);
      // Last: it fails the file when Flotilla sent GitHub what GitHub would refuse or ignore.
      await github.stop();
    },
  };
}

/**
 * A sandboxed agent's cwd is the same fixed path on every host; its worktree is
 * `<data>/worktrees/<agent id>` on the worker running it, the agent id read from the branch its
 * prompt names (`agents/<run>/<name>`). When two hosts hold one, the newest process's wins.
 */
function worktreeOnHost(cwd: string, prompt: string, processes: readonly RunningFlotilla[]): string {
  if (cwd !== worktreeInSandbox) return cwd;
  const agentId = /on branch `agents\/([^`]+)`/.exec(prompt)?.[1];
  if (agentId === undefined) return cwd;
  const found = [...processes]
    .reverse()
    .map((running) => join(running.dataDir, "worktrees", agentId))
    .find((candidate) => existsSync(candidate));
  return found ?? cwd;
}
