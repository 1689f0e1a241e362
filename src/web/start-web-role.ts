// The web role of a Flotilla process: Probot's webhook middleware (at /api/github/webhooks)
// in front of Flotilla's handlers, on a plain Node HTTP server.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { createNodeMiddleware, type Probot } from "probot";
import type { FlotillaConfig } from "../config/env.ts";
import { createAgentQueue } from "../queue/agent-queue.ts";
import { createRedisConnection } from "../queue/redis-connection.ts";
import type { Reporter } from "../reporter/reporter.ts";
import type { WriteLimiter } from "../reporter/write-limiter.ts";
import { BudgetStore } from "../store/budget-store.ts";
import type { RunStore } from "../store/run-store.ts";
import { createFlotillaApp } from "./flotilla-app.ts";

export interface WebRoleOptions {
  config: FlotillaConfig;
  redisUrl: string;
  probot: Probot;
  store: RunStore;
  reporter: Reporter;
  limiter: WriteLimiter;
  log: Logger;
}

export async function startWebRole(
  options: WebRoleOptions,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const { config, log } = options;
  const queueConnection = createRedisConnection(options.redisUrl, "commands");
  const queue = createAgentQueue(queueConnection, config.redisPrefix);
  const app = createFlotillaApp({
    config,
    store: options.store,
    queue,
    reporter: options.reporter,
    limiter: options.limiter,
    budgets: new BudgetStore(options.store.redis, options.store.keys),
    log: log.child({ name: "web" }),
  });
  const middleware = await createNodeMiddleware(app, { probot: options.probot });
  const server = createServer((request, response) => {
    void middleware(request, response, () => {
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host ?? "0.0.0.0", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port }, "web server listening");
  return {
    port,
    stop: async () => {
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      queueConnection.disconnect();
    },
  };
}
