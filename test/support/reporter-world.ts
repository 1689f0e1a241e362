// A reporter against the fake GitHub, in this process: records in a real Redis (own prefix),
// Probot's real installation clients, and helpers to create runs of many agents directly
// through RunStore, as the web and worker would.
import { pino } from "pino";
import { loadConfig } from "../../src/config/env.ts";
import { resolveRunSettings } from "../../src/config/run-limits.ts";
import type { GitHubClient } from "../../src/github/github-app.ts";
import { DirtyTargets } from "../../src/reporter/dirty-targets.ts";
import { Reporter, type ReporterOptions } from "../../src/reporter/reporter.ts";
import { WriteLimiter, type WriteLimits } from "../../src/reporter/write-limiter.ts";
import type { Links } from "../../src/reporter/write-target.ts";
import { agentIdFor } from "../../src/store/identifiers.ts";
import type { NewAgent } from "../../src/store/run-store.ts";
import { RunStore } from "../../src/store/run-store.ts";
import { startAppOnStandIn } from "./app-on-stand-in.ts";
import type { FakeGitHub } from "./fake-github.ts";
import { createTestRedis, type TestRedis } from "./test-redis.ts";

export const worldOwner = "acme";
export const worldRepo = "widgets";
const headSha = "a".repeat(40);

export interface ReporterWorld {
  github: FakeGitHub;
  testRedis: TestRedis;
  store: RunStore;
  installationId: number;
  /** An installation client, as Flotilla gets one. */
  clientFor(installationId: number): Promise<GitHubClient>;
  /** A reporter as one Flotilla process runs it; several share the limiter through Redis. */
  createReporter(options: {
    limits: WriteLimits;
    minIntervalMs: number;
    links?: Links;
    concurrency?: number;
    onWrite?: ReporterOptions["onWrite"];
    /** @defaultValue 50 */
    pollIntervalMs?: number;
    /** Hears each pass of the reporter's loop, once it has read which targets are due. */
    onPass?: () => void;
  }): Reporter;
  /** Records a run on a new issue with `agentCount` top-level agents; returns its agents' ids. */
  createRun(runId: string, agentCount: number): Promise<{ issueNumber: number; agentIds: string[] }>;
  cleanup(): Promise<void>;
}

export async function createReporterWorld(installationId = 77): Promise<ReporterWorld> {
  const { github, clientFor } = await startAppOnStandIn(
    { owner: worldOwner, repo: worldRepo },
    installationId,
  );
  const testRedis = createTestRedis();
  const store = new RunStore(testRedis.redis, testRedis.keys);
  const log = pino({ level: process.env.FLOTILLA_TEST_LOGS === "1" ? "info" : "silent" });
  const reporters: Reporter[] = [];
  const limits = resolveRunSettings(loadConfig({}), {}).limits;

  return {
    github,
    testRedis,
    store,
    installationId,
    clientFor,
    createReporter: (options) => {
      const reporter = new Reporter({
        store,
        dirty: new WatchedDirtyTargets(
          testRedis.redis,
          testRedis.keys,
          options.minIntervalMs,
          options.onPass,
        ),
        limiter: new WriteLimiter(testRedis.redis, testRedis.keys, options.limits),
        clientFor,
        links: options.links ?? { agentPage: () => undefined, runPage: () => undefined },
        log,
        pollIntervalMs: options.pollIntervalMs ?? 50,
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.onWrite === undefined ? {} : { onWrite: options.onWrite }),
      });
      reporters.push(reporter);
      return reporter;
    },
    createRun: async (runId, agentCount) => {
      const issueNumber = github.addIssue({ owner: worldOwner, repo: worldRepo, title: `Run ${runId}` });
      const agents: NewAgent[] = Array.from({ length: agentCount }, (_, index) => {
        const name = `agent-${String(index + 1).padStart(3, "0")}`;
        return {
          id: agentIdFor(runId, name),
          runId,
          name,
          depth: 0,
          task: `task number ${index + 1}`,
          branch: `agents/${runId}/${name}`,
          baseSha: headSha,
          sessionId: `session-${runId}-${index}`,
          budgetTokens: 100_000,
          maxTurns: 20,
          createdAt: Date.now(),
        };
      });
      await store.createRun(
        {
          id: runId,
          deliveryId: `delivery-${runId}`,
          installationId,
          owner: worldOwner,
          repo: worldRepo,
          cloneUrl: "https://example.invalid/acme/widgets.git",
          issueNumber,
          isPullRequest: false,
          commentId: 1,
          commentUrl: `https://github.com/${worldOwner}/${worldRepo}/issues/${issueNumber}#issuecomment-1`,
          commenter: "alice",
          headSha,
          baseBranch: "main",
          createdAt: Date.now(),
          limits,
        },
        agents,
      );
      return { issueNumber, agentIds: agents.map((agent) => agent.id) };
    },
    cleanup: async () => {
      await Promise.all(reporters.map((reporter) => reporter.stop()));
      await testRedis.cleanup();
      await github.stop();
    },
  };
}

/** DirtyTargets that tell a test each time the loop asks what is due (once per pass). */
class WatchedDirtyTargets extends DirtyTargets {
  private readonly onPass: (() => void) | undefined;

  constructor(
    redis: TestRedis["redis"],
    keys: TestRedis["keys"],
    minIntervalMs: number,
    onPass?: () => void,
  ) {
    super(redis, keys, minIntervalMs);
    this.onPass = onPass;
  }

  override async due(limit: number): Promise<string[]> {
    const keys = await super.due(limit);
    this.onPass?.();
    return keys;
  }
}
