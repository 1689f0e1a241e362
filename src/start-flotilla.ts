// Wires Flotilla's parts together for one process: builds the Services every role shares (one
// Redis connection for records, the agent queue, the reporter, metrics), starts the web server
// (webhooks, pages and the operator's endpoints), the agent worker, or both, and takes them down
// in order on shutdown. A worker-only process serves /metrics, /healthz and /readyz on a port of
// its own (WORKER_METRICS_PORT).
import { createProbot } from "probot";
import { type FlotillaConfig, loadConfig } from "./config/env.ts";
import { FlotillaOctokit, type GitHubClient } from "./github/github-app.ts";
import { PageLinks } from "./links/page-links.ts";
import { pageLinkKey } from "./links/page-signature.ts";
import { FlotillaMetrics } from "./ops/metrics.ts";
import { startOpsServer } from "./ops/ops-server.ts";
import { Readiness, redisReachable } from "./ops/readiness.ts";
import { AgentQueue } from "./queue/agent-queue.ts";
import { startEmbeddedRedis } from "./redis/embedded-redis.ts";
import { createRedisConnection } from "./redis/redis-connection.ts";
import { DirtyTargets } from "./reporter/dirty-targets.ts";
import { Reporter } from "./reporter/reporter.ts";
import { WriteLimiter } from "./reporter/write-limiter.ts";
import type { Services } from "./services.ts";
import { AgentEventLog } from "./store/agent-event-log.ts";
import { BudgetStore } from "./store/budget-store.ts";
import { createKeySpace } from "./store/keys.ts";
import { RunStore } from "./store/run-store.ts";
import { SessionArchive } from "./store/session-archive.ts";
import { startWebRole } from "./web/start-web-role.ts";
import { startWorkerRole } from "./worker/start-worker-role.ts";

export type ProcessRole = "all" | "web" | "worker";

export interface FlotillaProcess {
  config: FlotillaConfig;
  /** The web server's port, when this process serves the web. */
  port: number | undefined;
  /** Where a worker-only process serves /metrics, /healthz and /readyz. */
  opsPort: number | undefined;
  stop(): Promise<void>;
}

export async function startFlotilla(
  role: ProcessRole,
  env: NodeJS.ProcessEnv = process.env,
): Promise<FlotillaProcess> {
  const config = loadConfig(env);
  const probot = createProbot({ env, overrides: { Octokit: FlotillaOctokit, redisConfig: undefined } });
  await probot.ready();
  const log = probot.log.child({ name: "flotilla", role });
  const embeddedRedis = config.redisUrl === undefined ? await startEmbeddedRedis(config.dataDir) : undefined;
  const redisUrl = config.redisUrl ?? embeddedRedis?.url ?? "";
  const redis = createRedisConnection(redisUrl, "commands");
  const queueConnection = createRedisConnection(redisUrl, "commands");
  const keys = createKeySpace(config.redisPrefix);
  const store = new RunStore(redis, keys);
  const metrics = new FlotillaMetrics(role);
  const readiness = new Readiness();
  readiness.add("redis", redisReachable(redis));
  const clientFor = (installationId: number): Promise<GitHubClient> => probot.auth(installationId);
  // Every process writes check runs and comments, so every process signs their page links.
  const linkKey = pageLinkKey(config);
  const links =
    linkKey === undefined
      ? undefined
      : new PageLinks({ publicUrl: config.publicUrl, key: linkKey, ttlMs: config.linkTtlMs });
  if (links === undefined) {
    log.warn("neither FLOTILLA_PAGE_SECRET nor WEBHOOK_SECRET is set: check runs get no agent page links");
  }
  const reporter = new Reporter({
    store,
    dirty: new DirtyTargets(redis, keys, config.reportMinIntervalMs),
    limiter: new WriteLimiter(redis, keys, {
      perMinute: config.githubWritesPerMinute,
      perHour: config.githubWritesPerHour,
    }),
    clientFor,
    links: {
      agentPage: (agent) => links?.agentPage(agent),
      runPage: (run) => links?.runPage(run),
    },
    onWrite: (outcome, target) => {
      metrics.githubWrite(outcome, target);
      if (outcome === "dropped" || outcome === "retry") metrics.error("reporter");
    },
    log: log.child({ name: "reporter" }),
  });
  reporter.start();
  const queue = new AgentQueue(queueConnection, config.redisPrefix);
  metrics.watchQueue(() => queue.jobCounts());
  const services: Omit<Services, "modelAccess" | "runningAgents" | "sandbox"> = {
    config,
    log,
    store,
    budgets: new BudgetStore(redis, keys),
    sessions: new SessionArchive(redis, keys),
    events: new AgentEventLog(redis, keys),
    reporter,
    queue,
    clientFor,
    metrics,
    readiness,
    links,
  };

  const stops: (() => Promise<void>)[] = [];
  let port: number | undefined;
  let opsPort: number | undefined;
  if (role === "all" || role === "web") {
    const web = await startWebRole(services, { probot, redisUrl, linkKey });
    port = web.port;
    stops.push(web.stop);
  }
  if (role === "all" || role === "worker") {
    // Workers stop first: their agents are handed back while the web still answers.
    stops.unshift(await startWorkerRole(services, redisUrl));
  }
  if (role === "worker") {
    const ops = await startOpsServer(
      { metrics, readiness },
      { port: config.workerMetricsPort, host: config.host },
    );
    opsPort = ops.port;
    stops.push(ops.stop);
    log.info({ port: ops.port }, "metrics and health endpoints listening");
  }

  return {
    config,
    port,
    opsPort,
    stop: async () => {
      for (const stop of stops) await stop();
      await reporter.drain(5_000);
      await reporter.stop();
      await queue.close();
      queueConnection.disconnect();
      redis.disconnect();
      await embeddedRedis?.stop();
    },
  };
}
