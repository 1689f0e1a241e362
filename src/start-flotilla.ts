// Wires Flotilla's parts together for one process: the web server (webhooks and pages), the
// agent worker, or both, around one Redis, and takes them down in order on shutdown.
import { createProbot } from "probot";
import { type FlotillaConfig, loadConfig } from "./config/env.ts";
import { FlotillaOctokit, type GitHubClient } from "./github/github-app.ts";
import { startEmbeddedRedis } from "./queue/embedded-redis.ts";
import { createRedisConnection } from "./queue/redis-connection.ts";
import { DirtyTargets } from "./reporter/dirty-targets.ts";
import { Reporter } from "./reporter/reporter.ts";
import { WriteLimiter } from "./reporter/write-limiter.ts";
import { createKeySpace } from "./store/keys.ts";
import { RunStore } from "./store/run-store.ts";
import { startWebRole } from "./web/start-web-role.ts";
import { startWorkerRole } from "./worker/start-worker-role.ts";

export type ProcessRole = "all" | "web" | "worker";

export interface FlotillaProcess {
  config: FlotillaConfig;
  /** The web server's port, when this process serves the web. */
  port: number | undefined;
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
  const keys = createKeySpace(config.redisPrefix);
  const store = new RunStore(redis, keys);
  const clientFor = (installationId: number): Promise<GitHubClient> => probot.auth(installationId);
  const limiter = new WriteLimiter(redis, keys, {
    perMinute: config.githubWritesPerMinute,
    perHour: config.githubWritesPerHour,
  });
  const reporter = new Reporter({
    store,
    dirty: new DirtyTargets(redis, keys, config.reportMinIntervalMs),
    limiter,
    clientFor,
    links: { agentPage: () => undefined, runPage: () => undefined },
    log: log.child({ name: "reporter" }),
  });
  reporter.start();

  const stops: (() => Promise<void>)[] = [];
  let port: number | undefined;
  if (role === "all" || role === "web") {
    const web = await startWebRole({ config, redisUrl, probot, store, reporter, limiter, log });
    port = web.port;
    stops.push(web.stop);
  }
  if (role === "all" || role === "worker") {
    // Workers stop first: their agents are handed back while the web still answers.
    stops.unshift(await startWorkerRole({ config, redisUrl, store, reporter, clientFor, log }));
  }

  return {
    config,
    port,
    stop: async () => {
      for (const stop of stops) await stop();
      await reporter.drain(5_000);
      await reporter.stop();
      redis.disconnect();
      await embeddedRedis?.stop();
    },
  };
}
