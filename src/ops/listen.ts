// Opens a listening socket for one of Flotilla's servers, and turns the usual failures into
// what the operator must change: the variable that chose the address, and a fix.
import { createServer, type Server } from "node:net";
import { type ConfigError, settingError } from "../config/config-error.ts";

export interface ListenAddress {
  port: number;
  host: string;
  /** The variables that chose this address, named in errors (e.g. "PORT" and "HOST"). */
  portVariable: string;
  hostVariable: string;
}

/** Listens; returns the port (useful with port 0). Throws ConfigError when the address cannot be used. */
export async function listen(server: Server, address: ListenAddress): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(explain(error, address));
    server.once("error", onError);
    server.listen(address.port, address.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const bound = server.address();
  // A string is a pipe or socket path, which `address` (a host and port) never asks for.
  if (bound === null || typeof bound === "string")
    throw new Error(`${address.host}:${address.port} is listened on as a path, not a port`);
  return bound.port;
}

/**
 * Fails at once, with the same words as `listen`, when the address cannot be listened on now:
 * checked before anything is started, so a busy port costs a second, not a start and a teardown.
 */
export async function assertListenable(address: ListenAddress): Promise<void> {
  if (address.port === 0) return;
  const probe = createServer();
  await listen(probe, address);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

function explain(error: Error, address: ListenAddress): ConfigError | Error {
  const code = "code" in error ? String(error.code) : "";
  const where = `${address.host}:${address.port}`;
  switch (code) {
    case "EADDRINUSE":
      return settingError(
        address.portVariable,
        `${where} is already in use (another Flotilla, or another program, listens there)`,
        `stop that program, or set ${address.portVariable} to a free port`,
      );
    case "EACCES":
      return settingError(
        address.portVariable,
        `${where} needs privileges this user does not have (ports below 1024)`,
        `set ${address.portVariable} to a port above 1023`,
      );
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return settingError(
        address.hostVariable,
        `${JSON.stringify(address.host)} is not an address of this host`,
        `set ${address.hostVariable} to one of this host's addresses (127.0.0.1 for this host only, 0.0.0.0 for all)`,
      );
    default:
      return error;
  }
}
