// The operator's endpoints every Flotilla process serves: /metrics (Prometheus text format),
// /healthz (the process is up and answering) and /readyz (its dependencies work: Redis, and for
// a worker its BullMQ worker). They reveal no secrets and need no signature.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { FlotillaMetrics } from "./metrics.ts";
import type { Readiness } from "./readiness.ts";

export interface OpsEndpoints {
  metrics: FlotillaMetrics;
  readiness: Readiness;
}

/** Answers the request if it is for one of these endpoints; returns whether it did. */
export async function handleOpsRequest(
  ops: OpsEndpoints,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<boolean> {
  if (request.method !== "GET" && request.method !== "HEAD") return false;
  const path = (request.url ?? "/").split("?")[0];
  switch (path) {
    case "/metrics": {
      const text = await ops.metrics.registry.metrics();
      response.writeHead(200, {
        "content-type": ops.metrics.registry.contentType,
        "cache-control": "no-store",
      });
      response.end(text);
      return true;
    }
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
