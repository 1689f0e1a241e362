// When REDIS_URL is not set, Flotilla runs its own redis-server with its data (and append-only
// file) under the data dir. A second Flotilla process on the same data dir reuses it; the
// process that started it stops it on a clean exit, and the kernel stops it when that process
// dies any other way (setpriv --pdeathsig), so no redis-server outlives the Flotilla that started it.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { Redis } from "ioredis";
import { z } from "zod";
import { ConfigError } from "../config/env.ts";
import { runCommand, signalProcessGroup, startProcess } from "../process/run-command.ts";

export interface EmbeddedRedis {
  url: string;
  /** Stops the server if this process started it. */
  stop(): Promise<void>;
}

/** The file where a started redis-server's address is kept for the next start. */
const connectionFile = z.object({ port: z.int().min(1).max(65_535), password: z.string().min(1) });
type ConnectionFile = z.infer<typeof connectionFile>;

export async function startEmbeddedRedis(dataDir: string): Promise<EmbeddedRedis> {
  const redisDir = join(dataDir, "redis");
  const connectionPath = join(redisDir, "connection.json");
  await mkdir(redisDir, { recursive: true, mode: 0o700 });
  const existing = await readConnection(connectionPath);
  if (existing !== undefined && (await answers(existing))) {
    return { url: urlOf(existing), stop: async () => {} };
  }
  await requireRedisServer();
  const connection: ConnectionFile = { port: await freePort(), password: randomBytes(24).toString("hex") };
  await writeFile(connectionPath, JSON.stringify(connection), { mode: 0o600 });
  const dieWithParent = await parentDeathSignal();
  const server = startProcess(
    dieWithParent[0] ?? "redis-server",
    [
      ...dieWithParent.slice(1),
      "--bind",
      "127.0.0.1",
      "--port",
      String(connection.port),
      "--requirepass",
      connection.password,
      "--dir",
      redisDir,
      "--appendonly",
      "yes",
      // Every write reaches the disk before Redis answers: a killed Redis loses no record.
      "--appendfsync",
      "always",
      "--maxmemory-policy",
      "noeviction",
      "--daemonize",
      "no",
    ],
    { cwd: redisDir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } },
  );
  let exited = false;
  void server.then(() => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (!(await answers(connection))) {
    if (Date.now() > deadline || exited) {
      signalProcessGroup(server.pid, "SIGKILL");
      throw new Error(
        `redis-server did not start under ${redisDir}; see its log output above, or set REDIS_URL.`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: urlOf(connection),
    stop: async () => {
      signalProcessGroup(server.pid, "SIGTERM");
      await server;
    },
  };
}

/** `setpriv --pdeathsig TERM -- redis-server` where util-linux has it (Linux); else nothing to prefix. */
async function parentDeathSignal(): Promise<string[]> {
  if (process.platform !== "linux") return [];
  try {
    await runCommand("setpriv", ["--version"], { timeoutMs: 5_000 });
    return ["setpriv", "--pdeathsig", "TERM", "--", "redis-server"];
  } catch {
    return [];
  }
}

async function requireRedisServer(): Promise<void> {
  try {
    await runCommand("redis-server", ["--version"], { timeoutMs: 5_000 });
  } catch {
    throw new ConfigError(
      "REDIS_URL is not set and redis-server is not installed. Install Redis (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL=redis://host:6379.",
    );
  }
}

function urlOf(connection: ConnectionFile): string {
  return `redis://:${connection.password}@127.0.0.1:${connection.port}`;
}

async function readConnection(path: string): Promise<ConnectionFile | undefined> {
  try {
    return connectionFile.parse(JSON.parse(await readFile(path, "utf8")));
  } catch {
    return undefined;
  }
}

async function answers(connection: ConnectionFile): Promise<boolean> {
  const client = new Redis({
    host: "127.0.0.1",
    port: connection.port,
    password: connection.password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 500,
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
