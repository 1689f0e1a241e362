// Wires Flotilla's parts together for one process: the web server (webhooks and pages), the
// agent worker, or both, around one Redis, and takes them down in order on shutdown.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, createProbot } from "probot";
import { type FlotillaConfig, loadConfig } from "./config/env.ts";
import { AgentGateway } from "./gateway/agent-gateway.ts";
import { FlotillaOctokit, type GitHubClient } from "./github/github-app.ts";
import { createAgentQueue } from "./queue/agent-queue.ts";
import { startEmbeddedRedis } from "./queue/embedded-redis.ts";
import { createRedisConnection } from "./queue/redis-connection.ts";
import { DirtyTargets } from "./reporter/dirty-targets.ts";
import { Reporter } from "./reporter/reporter.ts";
import { WriteLimiter } from "./reporter/write-limiter.ts";
import { BudgetStore } from "./store/budget-store.ts";
import { createKeySpace } from "./store/keys.ts";
import { RunStore } from "./store/run-store.ts";
import { createFlotillaApp } from "./web/flotilla-app.ts";
import { startAgentWorker } from "./worker/agent-worker.ts";
import { GatewayModelAccess } from "./worker/gateway-model-access.ts";
import { RunningAgents } from "./worker/running-agents.ts";

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
    const queueConnection = createRedisConnection(redisUrl, "commands");
    const queue = createAgentQueue(queueConnection, config.redisPrefix);
    const middleware = await createNodeMiddleware(
      createFlotillaApp({ config, store, queue, reporter, limiter, log: log.child({ name: "web" }) }),
      { probot },
    );
    const server: Server = createServer((request, response) => {
      void middleware(request, response, () => {
        response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host ?? "0.0.0.0", () => resolve());
    });
    port = (server.address() as AddressInfo).port;
    log.info({ port }, "web server listening");
    stops.push(async () => {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      queueConnection.disconnect();
    });
  }

  if (role === "all" || role === "worker") {
    const workerConnection = createRedisConnection(redisUrl, "blocking");
    const runningAgents = new RunningAgents();
    // Agents reach the model only through this gateway; the real credential stays here.
    const gateway = new AgentGateway({
      upstream: config.modelUpstream,
      ledger: new BudgetStore(redis, keys),
      log: log.child({ name: "gateway" }),
    });
    await gateway.start();
    if (config.modelUpstream.apiKey === undefined && config.modelUpstream.oauthToken === undefined) {
      log.warn(
        "neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set: model calls will be refused upstream",
      );
    }
    const modelAccess = new GatewayModelAccess(gateway, store, (agentId) => {
      void runningAgents.stop(agentId, "out_of_budget");
    });
    const agentWorker = startAgentWorker(
      { config, store, reporter, clientFor, modelAccess, runningAgents, log: log.child({ name: "worker" }) },
      workerConnection,
    );
    log.info({ concurrency: config.workerConcurrency, gateway: gateway.baseUrl }, "agent worker started");
    stops.unshift(async () => {
      await agentWorker.close();
      await gateway.stop();
      workerConnection.disconnect();
    });
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
