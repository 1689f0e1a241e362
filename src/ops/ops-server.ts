// A small HTTP server for a worker-only process, which has no web server of its own, serving
// /metrics, /healthz and /readyz on WORKER_METRICS_PORT.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleOpsRequest, type OpsEndpoints } from "./ops-routes.ts";

export async function startOpsServer(
  ops: OpsEndpoints,
  listen: { port: number; host: string | undefined },
): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    handleOpsRequest(ops, request, response)
      .then((handled) => {
        if (!handled) response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      })
      .catch(() => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end("Internal error\n");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host ?? "0.0.0.0", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
