// The web role of a Flotilla process: one plain Node HTTP server with the operator's endpoints
// (/metrics, /healthz, /readyz), Flotilla's pages (/runs/…, /agents/…), and Probot's webhook
// middleware (at /api/github/webhooks) in front of Flotilla's handlers.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createNodeMiddleware, type Probot } from "probot";
import type { FlotillaConfig } from "../config/env.ts";
import type { PageLinks } from "../links/page-links.ts";
import type { FlotillaMetrics } from "../ops/metrics.ts";
import { handleOpsRequest } from "../ops/ops-routes.ts";
import type { Readiness } from "../ops/readiness.ts";
import { createAgentQueue } from "../queue/agent-queue.ts";
import { createRedisConnection } from "../queue/redis-connection.ts";
import type { Reporter } from "../reporter/reporter.ts";
import { AgentEventLog } from "../store/agent-event-log.ts";
import { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";
import { createFlotillaApp } from "./flotilla-app.ts";
import { createPageRouter } from "./pages/page-router.ts";

export interface WebRoleOptions {
  config: FlotillaConfig;
  redisUrl: string;
  probot: Probot;
  store: RunStore;
  reporter: Reporter;
  metrics: FlotillaMetrics;
  readiness: Readiness;
  /** Undefined when no page secret is configured: pages answer that they are switched off. */
  links: PageLinks | undefined;
  linkKey: Buffer | undefined;
  log: Logger;
}

export async function startWebRole(
  options: WebRoleOptions,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const { config, log, metrics, readiness } = options;
  const queueConnection = createRedisConnection(options.redisUrl, "commands");
  const queue = createAgentQueue(queueConnection, config.redisPrefix);
  const app = createFlotillaApp({
    config,
    store: options.store,
    queue,
    reporter: options.reporter,
    budgets: new BudgetStore(options.store.redis, options.store.keys),
    log: log.child({ name: "web" }),
  });
  const middleware = await createNodeMiddleware(app, { probot: options.probot });
  metrics.watchQueue(() => queue.getJobCounts());
  const pages = createPageRouter({
    store: options.store,
    events: new AgentEventLog(options.store.redis, options.store.keys),
    links: options.links,
    key: options.linkKey,
    blockingConnection: () => createRedisConnection(options.redisUrl, "blocking"),
    metrics,
    log: log.child({ name: "pages" }),
  });
  const server = createServer((request, response) => {
    void (async () => {
      if (await handleOpsRequest({ metrics, readiness }, request, response)) return;
      if (await pages.handle(request, response)) return;
      await middleware(request, response, () => {
        response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      });
    })().catch((error: unknown) => {
      log.error({ err: error }, "web request failed");
      if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, pages: options.links !== undefined }, "web server listening");
  return {
    port,
    stop: async () => {
      // Live tails never end on their own: end them so the server can close.
      pages.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      queueConnection.disconnect();
    },
  };
}
