// The web role of a Flotilla process: one plain Node HTTP server with /healthz and /readyz (for
// orchestrators and load balancers), the status page at `/`, Flotilla's pages (/runs/…,
// /agents/…), and Probot's webhook middleware (at /api/github/webhooks) in front of Flotilla's
// handlers. /metrics is not here: it is on the ops listener (ops/ops-server.ts).
import { createServer } from "node:http";
import { createNodeMiddleware, type Probot } from "probot";
import { listen } from "../ops/listen.ts";
import { handleHealthRequest } from "../ops/ops-routes.ts";
import { createRedisConnection } from "../redis/redis-connection.ts";
import type { Services } from "../services.ts";
import { createFlotillaApp } from "./flotilla-app.ts";
import { createPageRouter } from "./pages/page-router.ts";
import { serveStatusPage } from "./pages/status-page.ts";
import { webhookPath } from "./webhook-path.ts";
import { startWebhookProxy } from "./webhook-proxy.ts";

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
  /** Shown on the status page. */
  role: string;
}

export async function startWebRole(
  services: WebRoleServices,
  options: WebRoleOptions,
): Promise<{ port: number; host: string; stop: () => Promise<void> }> {
  const { config, log, metrics, readiness } = services;
  const app = createFlotillaApp({ ...services, log: log.child({ name: "web" }) });
  const middleware = await createNodeMiddleware(app, { probot: options.probot, webhooksPath: webhookPath });
  const pages = createPageRouter({
    store: services.store,
    events: services.events,
    links: services.links,
    key: options.linkKey,
    blockingConnection: () => createRedisConnection(options.redisUrl, "blocking"),
    metrics,
    log: log.child({ name: "pages" }),
  });
  const status = {
    role: options.role,
    readiness,
    queueDepths: () => services.queue.jobCounts(),
    store: services.store,
    links: services.links,
    key: options.linkKey,
  };
  const server = createServer((request, response) => {
    void (async () => {
      if (await handleHealthRequest({ readiness }, request, response)) return;
      const path = (request.url ?? "/").split("?")[0];
      if (path === "/" && (request.method === "GET" || request.method === "HEAD")) {
        await serveStatusPage(status, request, response);
        return;
      }
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
  const host = config.host ?? "0.0.0.0";
  const port = await listen(server, { port: config.port, host, portVariable: "PORT", hostVariable: "HOST" });
  const ownAddress = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const proxy =
    config.webhookProxyUrl === undefined
      ? undefined
      : startWebhookProxy(
          config.webhookProxyUrl,
          `http://${ownAddress.includes(":") ? `[${ownAddress}]` : ownAddress}:${port}${webhookPath}`,
          log.child({ name: "webhook-proxy" }),
        );
  return {
    port,
    host,
    stop: async () => {
      await proxy?.stop();
      // Live tails never end on their own: end them so the server can close.
      pages.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
