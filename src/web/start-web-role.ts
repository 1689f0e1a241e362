// The web role of a Flotilla process: one plain Node HTTP server with the operator's endpoints
// (/metrics, /healthz, /readyz), Flotilla's pages (/runs/…, /agents/…), and Probot's webhook
// middleware (at /api/github/webhooks) in front of Flotilla's handlers.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeMiddleware, type Probot } from "probot";
import { handleOpsRequest } from "../ops/ops-routes.ts";
import { createRedisConnection } from "../redis/redis-connection.ts";
import type { Services } from "../services.ts";
import { createFlotillaApp } from "./flotilla-app.ts";
import { createPageRouter } from "./pages/page-router.ts";

type WebRoleServices = Pick<
  Services,
  "config" | "log" | "store" | "budgets" | "events" | "queue" | "reporter" | "metrics" | "readiness" | "links"
>;

export interface WebRoleOptions {
  probot: Probot;
  /** Live tails open blocking connections of their own to this Redis. */
  redisUrl: string;
  /** Undefined when no page secret is configured: pages answer that they are switched off. */
  linkKey: Buffer | undefined;
}

export async function startWebRole(
  services: WebRoleServices,
  options: WebRoleOptions,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const { config, log, metrics, readiness } = services;
  const app = createFlotillaApp({ ...services, log: log.child({ name: "web" }) });
  const middleware = await createNodeMiddleware(app, { probot: options.probot });
  const pages = createPageRouter({
    store: services.store,
    events: services.events,
    links: services.links,
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
  log.info({ port, pages: services.links !== undefined }, "web server listening");
  return {
    port,
    stop: async () => {
      // Live tails never end on their own: end them so the server can close.
      pages.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
