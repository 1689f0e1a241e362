// The operator's listener every Flotilla process runs, apart from the public web port:
// /metrics, /healthz and /readyz on OPS_HOST:OPS_PORT (loopback by default).
import { createServer } from "node:http";
import { listen } from "./listen.ts";
import { handleOpsRequest, type OpsEndpoints } from "./ops-routes.ts";

export interface OpsListen {
  host: string;
  port: number;
  /** Lets requests from beyond this host read /metrics as a bearer token. */
  token: string | undefined;
}

export async function startOpsServer(
  ops: OpsEndpoints,
  options: OpsListen,
): Promise<{ port: number; stop: () => Promise<void> }> {
  const server = createServer((request, response) => {
    handleOpsRequest(ops, request, response, options.token)
      .then((handled) => {
        if (!handled) response.writeHead(404, { "content-type": "text/plain" }).end("Not found\n");
      })
      .catch(() => {
        if (!response.headersSent) response.writeHead(500, { "content-type": "text/plain" });
        response.end("Internal error\n");
      });
  });
  const port = await listen(server, {
    port: options.port,
    host: options.host,
    portVariable: "OPS_PORT",
    hostVariable: "OPS_HOST",
  });
  return {
    port,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
