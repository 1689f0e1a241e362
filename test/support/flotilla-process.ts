// Runs Flotilla as a real process (`node src/main.ts <role>`) for end-to-end tests, with its
// GitHub pointed at a stand-in server, its Redis keys under a test prefix and its data in a
// temporary folder. Tests can stop it gracefully or SIGKILL it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mainEntryPath } from "./paths.ts";
import { startWatchedProcess } from "./watched-process.ts";

export interface FlotillaProcessOptions {
  role?: "all" | "web" | "worker";
  env: Record<string, string>;
  /** Reuse a data dir (a restarted worker on the same host). */
  dataDir?: string;
  /** The process's working directory (where it reads `.env`). @defaultValue the data dir, which has none */
  cwd?: string;
  port?: number;
  /** Runs the process through another command (a network namespace of its own: host-network.ts). */
  wrap?: (file: string, args: readonly string[]) => { file: string; args: string[] };
}

export interface RunningFlotilla {
  /** The process id (for reading its CPU time). */
  pid: number | undefined;
  url: string;
  port: number;
  /** The ops listener: /metrics, /healthz, /readyz. */
  opsUrl: string;
  dataDir: string;
  logs: string[];
  /** SIGTERM, then wait for a clean exit. */
  stop(): Promise<number | undefined>;
  /** SIGKILL: the process dies at once, as in a crash. */
  kill(): Promise<void>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * A port that is free now, for a process the test starts next. Taken below Linux's ephemeral
 * range (32768–60999): a port the kernel hands out (listen(0)) is also what it gives the next
 * outgoing connection of any process on the machine, so under load another test's Redis client
 * could hold it by the time the process listens. Here only another test picking the same
 * random port can, and each pick is checked free.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const candidate = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(candidate)) return candidate;
  }
  throw new Error("no free port found between 20000 and 32000 in 50 tries");
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

export async function makeDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), "flotilla-data-"));
}

export async function startFlotillaProcess(options: FlotillaProcessOptions): Promise<RunningFlotilla> {
  const role = options.role ?? "all";
  const port = options.port ?? (await freePort());
  const dataDir = options.dataDir ?? (await makeDataDir());
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // Each process gets its own ops port: tests run side by side, and 9464/9465 are the defaults.
  const opsPort = options.env.OPS_PORT ?? String(await freePort());
  const command = (options.wrap ?? ((file, args) => ({ file, args: [...args] })))(process.execPath, [
    mainEntryPath,
    role,
  ]);
  const watched = startWatchedProcess(`flotilla ${role}`, command.file, command.args, {
    // Not the project: a developer's own .env there must not leak into a test's process.
    cwd: options.cwd ?? dataDir,
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      NODE_ENV: "test",
      LOG_FORMAT: "json",
      LOG_LEVEL: "info",
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      OPS_PORT: opsPort,
      ...options.env,
    },
  });
  const { logs, waitForLog } = watched;

  const readyPattern = /^Flotilla \S+ started/;
  await waitForLog(readyPattern, 60_000);
  return {
    pid: watched.pid,
    url: `http://127.0.0.1:${port}`,
    port,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    dataDir,
    logs,
    waitForLog,
    stop: async () => {
      watched.signal("SIGTERM");
      return watched.exited;
    },
    kill: async () => {
      watched.signal("SIGKILL");
      await watched.exited;
    },
  };
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}
