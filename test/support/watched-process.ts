// A process a test starts and reads line by line: every line of its stdout and stderr is kept,
// a test can wait for a line that matches (failing with the last lines when the process exits
// first or the wait times out), send it a signal, and wait for its exit.
import { execa } from "execa";

export interface WatchedProcess {
  pid: number | undefined;
  logs: string[];
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  signal(signal: NodeJS.Signals): void;
  /** The exit code (undefined when a signal ended it). */
  exited: Promise<number | undefined>;
  hasExited(): boolean;
}

export function startWatchedProcess(
  label: string,
  file: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string> },
): WatchedProcess {
  const logs: string[] = [];
  const child = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
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
      if (process.env.FLOTILLA_TEST_LOGS === "1") console.log(`[${label}] ${line}`);
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
      console.log(`[${label}] exited`, result.exitCode, result.signal);
    return result.exitCode;
  });

  const waitForLog = (pattern: RegExp, timeoutMs = 30_000): Promise<string> => {
    const seen = logs.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `${label} did not log ${pattern} within ${timeoutMs} ms. Last lines:\n${logs.slice(-30).join("\n")}`,
          ),
        );
      }, timeoutMs);
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      waiters.add(waiter);
      void exitPromise.then(() => {
        if (!waiters.has(waiter)) return;
        clearTimeout(timer);
        waiters.delete(waiter);
        reject(
          new Error(
            `${label} exited (${exitCode}) before logging ${pattern}:\n${logs.slice(-40).join("\n")}`,
          ),
        );
      });
    });
  };

  return {
    pid: child.pid,
    logs,
    waitForLog,
    signal: (signal) => {
      if (!exited) child.kill(signal);
    },
    exited: exitPromise,
    hasExited: () => exited,
  };
}
