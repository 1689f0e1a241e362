// The web role of a Flotilla process: one plain Node HTTP server with /healthz and /readyz (for
// orchestrators and load balancers), the status page at `/`, Flotilla's pages (/runs/…,
// /agents/…), and the webhook intake (at /api/github/webhooks), which stores deliveries before
// it answers; the delivery consumer runs Flotilla's handlers on them. /metrics is not here: it
// is on the ops listener (ops/ops-server.ts).
import { createServer } from "node:http";
import type { Probot } from "probot";
import { listen } from "../ops/listen.ts";
import { handleHealthRequest } from "../ops/ops-routes.ts";
import { IntakeQueue } from "../queue/intake-queue.ts";
import { createRedisConnection } from "../redis/redis-connection.ts";
import { isRedisConnectionError } from "../redis/redis-outage.ts";
import { sweepClosedAgentBranches } from "../runs/delete-closed-agent-branches.ts";
import type { Services } from "../services.ts";
import { deliveryMatters } from "./delivery-matters.ts";
import { createFlotillaApp } from "./flotilla-app.ts";
import { handledEvents } from "./handled-events.ts";
import { watchEventLoop } from "./intake-first.ts";
import { createPageRouter } from "./pages/page-router.ts";
import { serveStatusPage } from "./pages/status-page.ts";
import { startDeliveryConsumer } from "./process-delivery.ts";
import { createWebhookIntake } from "./webhook-intake.ts";
import { webhookPath } from "./webhook-path.ts";
import { startWebhookProxy } from "./webhook-proxy.ts";

/** Storing a delivery takes a millisecond or two; much longer means Redis is in trouble. */
const storeTimeoutMs = 500;

type WebRoleServices = Pick<
  Services,
  | "config"
  | "log"
  | "store"
  | "budgets"
  | "events"
  | "queue"
  | "reporter"
  | "metrics"
  | "readiness"
  | "links"
  | "clientFor"
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
  await options.probot.load(app);
  const handled = handledEvents(app);
  const intakeConnection = createRedisConnection(options.redisUrl, "fail-fast");
  const intake = new IntakeQueue(intakeConnection, config.redisPrefix, (error) => {
    if (!isRedisConnectionError(error)) log.error({ err: error }, "intake queue error");
  });
  metrics.watchIntake(() => intake.backlog());
  readiness.detail("events", async () => {
    const backlog = await intake.backlog();
    return { depth: backlog.depth, oldestAgeSeconds: Math.round(backlog.oldestAgeMs / 1000) };
  });
  const webhooks = createWebhookIntake({
    verify: (body, signature) => options.probot.webhooks.verify(body, signature),
    matters: (name, payload) => deliveryMatters(handled, name, payload),
    store: (delivery) => intake.add(delivery),
    storeTimeoutMs,
    log: log.child({ name: "webhooks" }),
  });
  const consumerConnection = createRedisConnection(options.redisUrl, "blocking");
  const eventLoop = watchEventLoop();
  const consumer = startDeliveryConsumer(services, options.probot, consumerConnection, eventLoop.gate);
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
      if (await webhooks(request, response)) return;
      if (await pages.handle(request, response)) return;
      response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
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
  const stopBranchSweep = sweepClosedAgentBranches({ ...services, log: log.child({ name: "branch-sweep" }) });
  return {
    port,
    host,
    stop: async () => {
      stopBranchSweep();
      await proxy?.stop();
      // Live tails never end on their own: end them so the server can close.
      pages.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // After the server: deliveries answered 200 are stored, whoever processes them.
      eventLoop.stop();
      await consumer.close();
      await intake.close();
      intakeConnection.disconnect();
      consumerConnection.disconnect();
    },
  };
}
