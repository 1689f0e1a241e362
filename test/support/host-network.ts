// A network of its own for each worker host, where the kernel allows it (unprivileged user and
// network namespaces, `ip`, `setpriv`): the host's loopback is its own, and reaches only the
// services the test names (Redis, the stand-in GitHub and git server, the scripted model), each
// through a unix socket this bridge serves outside. So a host cannot reach another host's
// listeners (its gateway, its tool server, its ops port): what crosses hosts goes through Redis.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const initScript = fileURLToPath(new URL("./host-network-init.ts", import.meta.url));

export interface LoopbackBridge {
  /** The command that runs `file args` in a network namespace of its own behind this bridge. */
  isolate(file: string, args: readonly string[]): { file: string; args: string[] };
  close(): Promise<void>;
}

/** Whether this machine lets a test give a process a network namespace of its own. */
export function canIsolateNetwork(): boolean {
  const probe = spawnSync("unshare", ["-Urn", "sh", "-c", "ip link set lo up && setpriv --help"], {
    stdio: "ignore",
  });
  return probe.status === 0;
}

/** Serves each 127.0.0.1 port of `urls` (redis://…, http://…, host:port) to isolated hosts. */
export async function openLoopbackBridge(urls: readonly string[]): Promise<LoopbackBridge> {
  const ports = [
    ...new Set(
      urls.flatMap((url) => [...url.matchAll(/(?:127\.0\.0\.1|localhost):(\d+)/g)].map((m) => m[1])),
    ),
  ].filter((port) => port !== undefined);
  const socketDir = await mkdtemp(join(tmpdir(), "flotilla-bridge-"));
  const connections = new Set<Socket>();
  const servers: Server[] = await Promise.all(
    ports.map(
      (port) =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer((inbound) => {
            const outbound = connect(Number(port), "127.0.0.1");
            for (const socket of [inbound, outbound]) {
              connections.add(socket);
              socket.on("close", () => connections.delete(socket));
            }
            inbound.pipe(outbound).pipe(inbound);
            inbound.on("error", () => outbound.destroy());
            outbound.on("error", () => inbound.destroy());
          });
          server.once("error", reject);
          server.listen(join(socketDir, `${port}.sock`), () => resolve(server));
        }),
    ),
  );
  return {
    isolate: (file, args) => ({
      file: "unshare",
      args: ["-Urn", "--", process.execPath, initScript, socketDir, ports.join(","), "--", file, ...args],
    }),
    close: async () => {
      for (const socket of connections) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}
