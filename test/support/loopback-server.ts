// Starting and stopping the test servers that stand in for GitHub, git hosting and the model:
// each listens on a free port of 127.0.0.1, and stopping cuts open keep-alive connections.
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export async function listenOnLoopback(server: Server): Promise<void> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
}

/** `http://127.0.0.1:<port>` of a listening server. */
export function loopbackOrigin(server: Server, what: string): string {
  const address = server.address() as AddressInfo | null;
  if (address === null) throw new Error(`The ${what} is not listening: await start() first.`);
  return `http://127.0.0.1:${address.port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
