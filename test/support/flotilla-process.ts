// Runs Flotilla as a real process (`node src/main.ts <role>`) for end-to-end tests, with its
// GitHub pointed at a stand-in server, its Redis keys under a test prefix and its data in a
// temporary folder. Tests can stop it gracefully or SIGKILL it.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { mainEntryPath } from "./paths.ts";

export interface FlotillaProcessOptions {
  role?: "all" | "web" | "worker";
  env: Record<string, string>;
  /** Reuse a data dir (a restarted worker on the same host). */
  dataDir?: string;
  /** The process's working directory (where it reads `.env`). @defaultValue the data dir, which has none */
  cwd?: string;
  port?: number;
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

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
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
  const logs: string[] = [];
  const child = execa(process.execPath, [mainEntryPath, role], {
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
    extendEnv: false,
    stdin: "ignore",
    buffer: false,
    reject: false,
    // execa would SIGKILL a process still running 5 s after kill(); a graceful stop may take
    // longer (SHUTDOWN_GRACE_MS), and tests want to see how it ends by itself.
    forceKillAfterDelay: false,
  });
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (line.trim() === "") continue;
      logs.push(line);
      if (process.env.FLOTILLA_TEST_LOGS === "1") console.log(`[flotilla ${role}] ${line}`);
      for (const waiter of waiters) {
        if (waiter.pattern.test(line)) {
          waiters.delete(waiter);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  let exitCode: number | undefined;
  let exited = false;
  const exitPromise = child.then((result) => {
    exited = true;
    exitCode = result.exitCode;
    if (process.env.FLOTILLA_TEST_LOGS === "1")
      console.log(`[flotilla ${role}] exited`, result.exitCode, result.signal);
    return result.exitCode;
  });

  const waitForLog = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const seen = logs.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = { pattern, resolve };
      waiters.add(waiter);
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `Flotilla (${role}) did not log ${pattern} within ${timeoutMs} ms. Last lines:\n${logs.slice(-30).join("\n")}`,
          ),
        );
      }, timeoutMs);
      void exitPromise.then(() => {
        if (!waiters.has(waiter)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(
          new Error(
            `Flotilla (${role}) exited (${exitCode}) before logging ${pattern}:\n${logs.slice(-40).join("\n")}`,
          ),
        );
      });
      const originalResolve = waiter.resolve;
      waiter.resolve = (line) => {
        clearTimeout(timer);
        originalResolve(line);
      };
    });
  };

  const readyPattern = /^Flotilla \S+ started/;
  await waitForLog(readyPattern, 60_000);
  return {
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    port,
    opsUrl: `http://127.0.0.1:${opsPort}`,
    dataDir,
    logs,
    waitForLog,
    stop: async () => {
      if (!exited) child.kill("SIGTERM");
      return exitPromise;
    },
    kill: async () => {
      if (!exited) child.kill("SIGKILL");
      await exitPromise;
    },
  };
}

export async function removeDataDir(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}
