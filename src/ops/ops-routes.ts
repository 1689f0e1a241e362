// The operator's endpoints: /metrics (Prometheus text format), /healthz (the process is up and
// answering) and /readyz (its dependencies work: Redis, and for a worker its BullMQ worker).
// /healthz and /readyz reveal no secrets and answer anyone (orchestrators probe them); /metrics
// answers requests from this host, and from elsewhere only with OPS_TOKEN as a bearer token.
import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FlotillaMetrics } from "./metrics.ts";
import type { Readiness } from "./readiness.ts";

export interface OpsEndpoints {
  metrics: FlotillaMetrics;
  readiness: Readiness;
}

/** Answers /healthz and /readyz; returns whether it did. The web port serves these two. */
export async function handleHealthRequest(
  ops: Pick<OpsEndpoints, "readiness">,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  switch (pathOf(request)) {
    case "/healthz":
      response.writeHead(200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      response.end("ok\n");
      return true;
    case "/readyz": {
      const report = await ops.readiness.report();
      response.writeHead(report.ready ? 200 : 503, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      });
      response.end(`${JSON.stringify(report)}\n`);
      return true;
    }
    default:
      return false;
  }
}

/** Answers /metrics, /healthz and /readyz (the ops listener); returns whether it did. */
export async function handleOpsRequest(
  ops: OpsEndpoints,
  request: IncomingMessage,
  response: ServerResponse,
  token: string | undefined,
): Promise<boolean> {
  if (await handleHealthRequest(ops, request, response)) return true;
  if ((request.method !== "GET" && request.method !== "HEAD") || pathOf(request) !== "/metrics") return false;
  if (!mayReadMetrics(request, token)) {
    response.writeHead(401, {
      "content-type": "text/plain; charset=utf-8",
      "www-authenticate": 'Bearer realm="flotilla-metrics"',
    });
    response.end(
      token === undefined
        ? "/metrics answers only this host. To scrape it from elsewhere, set OPS_TOKEN and send it as a bearer token.\n"
        : "/metrics needs OPS_TOKEN as a bearer token (Authorization: Bearer …) from beyond this host.\n",
    );
    return true;
  }
  const text = await ops.metrics.registry.metrics();
  response.writeHead(200, { "content-type": ops.metrics.registry.contentType, "cache-control": "no-store" });
  response.end(text);
  return true;
}

function mayReadMetrics(request: IncomingMessage, token: string | undefined): boolean {
  if (isLoopback(request.socket.remoteAddress)) return true;
  if (token === undefined) return false;
  const presented = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  if (presented === undefined) return false;
  const given = Buffer.from(presented);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

function pathOf(request: IncomingMessage): string {
  return (request.url ?? "/").split("?")[0] ?? "/";
}
