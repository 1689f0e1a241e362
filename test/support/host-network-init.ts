// The first process of a worker host's own network namespace (run by host-network.ts through
// `unshare`): brings its loopback up, listens on 127.0.0.1 at each port the test named and
// carries each connection to the unix socket the test's bridge serves it on (the only way out),
// then runs the worker. The worker dies with this process (setpriv's parent-death signal), and
// its agents with the worker, as when a machine goes down.
//   node host-network-init.ts <socket dir> <port,port,…> -- <command> <args…>
import { spawn, spawnSync } from "node:child_process";
import { connect, createServer } from "node:net";
import { join } from "node:path";

const [socketDir, portList, separator, command, ...args] = process.argv.slice(2);
if (socketDir === undefined || portList === undefined || separator !== "--" || command === undefined) {
  throw new Error("usage: host-network-init.ts <socket dir> <port,port,…> -- <command> <args…>");
}
const loopback = spawnSync("ip", ["link", "set", "lo", "up"], { stdio: "inherit" });
if (loopback.status !== 0) throw new Error("could not bring up the namespace's loopback");

const listening = portList.split(",").map(
  (port) =>
    new Promise<void>((resolve, reject) => {
      const server = createServer((inbound) => {
        const outbound = connect(join(socketDir, `${port}.sock`));
        inbound.pipe(outbound).pipe(inbound);
        inbound.on("error", () => outbound.destroy());
        outbound.on("error", () => inbound.destroy());
      });
      server.once("error", reject);
      server.listen(Number(port), "127.0.0.1", () => resolve());
    }),
);
await Promise.all(listening);

const worker = spawn("setpriv", ["--pdeathsig", "SIGKILL", "--", command, ...args], { stdio: "inherit" });
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => worker.kill(signal));
worker.on("exit", (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
