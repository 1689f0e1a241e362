// Wires Flotilla's parts together for one process: runs the start checks (the doctor's, in its
// words), builds the Services every role shares (one Redis connection for records, the agent
// queue, the reporter, metrics), starts the ops listener, the web server (webhooks and pages),
// the agent worker, or both, and takes them down in order on shutdown. If any step fails, what
// was already started is stopped again before the error reaches main.ts.
import { createProbot } from "probot";
import type { AppCredentials } from "./config/app-credentials.ts";
import { ConfigError } from "./config/config-error.ts";
import { type FlotillaConfig, opsPortFor } from "./config/env.ts";
import { redisAddress } from "./config/redis-url.ts";
import { startChecks } from "./doctor/all-checks.ts";
import { type ProcessRole, runChecks } from "./doctor/check.ts";
import { formatRefusal, formatTable } from "./doctor/format-results.ts";
import { FlotillaOctokit, type GitHubClient } from "./github/github-app.ts";
import { PageLinks } from "./links/page-links.ts";
import { pageLinkKey } from "./links/page-signature.ts";
import { FlotillaMetrics } from "./ops/metrics.ts";
import { startOpsServer } from "./ops/ops-server.ts";
import { Readiness, redisReachable } from "./ops/readiness.ts";
import { onSubprocessLaunch } from "./process/run-command.ts";
import { AgentQueue } from "./queue/agent-queue.ts";
import { startEmbeddedRedis } from "./redis/embedded-redis.ts";
import { createRedisConnection } from "./redis/redis-connection.ts";
import { isRedisConnectionError } from "./redis/redis-outage.ts";
import { DirtyTargets } from "./reporter/dirty-targets.ts";
import { Reporter } from "./reporter/reporter.ts";
import { WriteLimiter } from "./reporter/write-limiter.ts";
import type { Services } from "./services.ts";
import { describeProcess } from "./start-line.ts";
import { AgentEventLog } from "./store/agent-event-log.ts";
import { BudgetStore } from "./store/budget-store.ts";
import { createKeySpace } from "./store/keys.ts";
import { RunStore } from "./store/run-store.ts";
import { SessionArchive } from "./store/session-archive.ts";
import { startWebRole } from "./web/start-web-role.ts";
import { startWorkerRole } from "./worker/start-worker-role.ts";

export type { ProcessRole } from "./doctor/check.ts";

export interface StartOptions {
  config: FlotillaConfig;
  credentials: AppCredentials;
  env: NodeJS.ProcessEnv;
}

export interface FlotillaProcess {
  config: FlotillaConfig;
  /** The one line that says what this process is: role, addresses, Redis, sandbox, concurrency, model. */
  startLine: string;
  /** The web server's port, when this process serves the web. */
  port: number | undefined;
  /** Where this process serves /metrics, /healthz and /readyz. */
  opsPort: number;
  stop(): Promise<void>;
}

/** Stops what was started, newest first; each stop runs even when an earlier one failed. */
class Stops {
  private readonly stops: (() => Promise<void> | void)[] = [];
  push(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }
  async runAll(): Promise<void> {
    for (const stop of this.stops.splice(0).reverse())
      await Promise.resolve()
        .then(stop)
        .catch(() => {});
  }
}

export async function startFlotilla(role: ProcessRole, options: StartOptions): Promise<FlotillaProcess> {
  const { config, credentials, env } = options;
  const probot = createProbot({
    env,
    overrides: { Octokit: FlotillaOctokit, redisConfig: undefined, ...credentials },
  });
  await probot.ready();
  const log = probot.log.child({ name: "flotilla", role });
  const checks = await runChecks(startChecks(role), { role, config, credentials, env });
  if (checks.some((check) => check.status === "fail")) throw new ConfigError(formatRefusal(checks));
  const warnings = checks.filter((check) => check.status === "warn");
  if (warnings.length > 0) log.warn(`start checks with warnings:\n${formatTable(warnings)}`);

  const stops = new Stops();
  try {
    return await startParts(role, config, probot, log, stops);
  } catch (error) {
    await stops.runAll();
    throw error;
  }
}

async function startParts(
  role: ProcessRole,
  config: FlotillaConfig,
  probot: ReturnType<typeof createProbot>,
  log: ReturnType<typeof createProbot>["log"],
  stops: Stops,
): Promise<FlotillaProcess> {
  const embeddedRedis = config.redisUrl === undefined ? await startEmbeddedRedis(config.dataDir) : undefined;
  if (embeddedRedis !== undefined) stops.push(() => embeddedRedis.stop());
  const redisUrl = config.redisUrl ?? embeddedRedis?.url ?? "";
  const redis = createRedisConnection(redisUrl, "commands");
  const queueConnection = createRedisConnection(redisUrl, "commands");
  stops.push(() => {
    queueConnection.disconnect();
    redis.disconnect();
  });
  const keys = createKeySpace(config.redisPrefix);
  const store = new RunStore(redis, keys);
  const metrics = new FlotillaMetrics(role);
  stops.push(onSubprocessLaunch((program, forkedBy) => metrics.subprocessStarted(program, forkedBy)));
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
  const queue = new AgentQueue(queueConnection, config.redisPrefix, (error) => {
    // Redis being away is reported once for the whole process (redis/redis-outage.ts).
    if (!isRedisConnectionError(error)) log.error({ err: error }, "agent queue error");
  });
  stops.push(async () => {
    await reporter.drain(5_000);
    await reporter.stop();
    await queue.close();
  });
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

  const ops = await startOpsServer(
    { metrics, readiness },
    {
      host: config.ops.host,
      port: opsPortFor(config, role),
      token: config.ops.token,
    },
  );
  stops.push(ops.stop);
  let web: Awaited<ReturnType<typeof startWebRole>> | undefined;
  if (role === "all" || role === "web") {
    web = await startWebRole(services, { probot, redisUrl, linkKey, role });
    stops.push(web.stop);
  }
  let sandbox: string | undefined;
  if (role === "all" || role === "worker") {
    const worker = await startWorkerRole(services, redisUrl);
    sandbox = worker.sandbox;
    // Pushed last, so it stops first: agents are handed back while the web still answers.
    stops.push(worker.stop);
  }

  return {
    config,
    port: web?.port,
    opsPort: ops.port,
    startLine: describeProcess({
      role,
      config,
      web: web === undefined ? undefined : { host: web.host, port: web.port },
      ops: { host: config.ops.host, port: ops.port },
      redis: embeddedRedis === undefined ? redisAddress(redisUrl) : `embedded ${redisAddress(redisUrl)}`,
      sandbox,
    }),
    stop: () => stops.runAll(),
  };
}
