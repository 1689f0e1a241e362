// The one place Flotilla starts subprocesses. Short commands (git, redis-cli) run to completion
// with bounded output; long-lived ones (claude, redis-server) are started in their own process
// group so that a kill reaches everything they started through the group.
//
// Starting a process forks, and a fork blocks the event loop for as long as the kernel takes to
// copy the page tables of a process with a large heap: a worker running many agents starts
// hundreds of short git commands a minute, and one long-lived process (bwrap or claude) per
// agent. So a worker hands all of them to a command runner (command-runner.ts), a small process
// that forks for it, owns its agents' processes and tells it when they end.
import { type ChildProcess, fork } from "node:child_process";
import { basename } from "node:path";
import { execa } from "execa";
import { prefixWithin } from "../text/truncate.ts";
import { type AgentStop, stopAgentHere } from "./kill-agent-processes.ts";

/** Where a subprocess was forked: on this process's event loop, or by its command runner. */
export type ForkedBy = "event_loop" | "command_runner";
type LaunchListener = (program: string, forkedBy: ForkedBy) => void;
const launchListeners = new Set<LaunchListener>();

/**
 * Tells `listener` the program name (`git`, `bwrap`, …) of every subprocess this process starts
 * from now on, and where it was forked (for /metrics); returns what stops it.
 */
export function onSubprocessLaunch(listener: LaunchListener): () => void {
  launchListeners.add(listener);
  return () => launchListeners.delete(listener);
}

function launched(file: string, forkedBy: ForkedBy = "event_loop"): void {
  for (const listener of launchListeners) listener(basename(file), forkedBy);
}

/** Starts this process's subprocesses in another process (see the top of this file). */
export interface ProcessRunner {
  run(file: string, args: readonly string[], options: CompleteRunOptions): Promise<CommandResult>;
  startProcess(
    stdoutFile: string,
    file: string,
    args: readonly string[],
    options: StartProcessOptions,
  ): Promise<LongLivedProcess>;
  stopAgent(stop: AgentStop): Promise<number>;
}

let processRunner: ProcessRunner | undefined;

/**
 * From now on short commands and agents' processes start in `runner`, and agents are stopped
 * there (undefined: here again).
 */
export function runSubprocessesIn(runner: ProcessRunner | undefined): void {
  processRunner = runner;
}

export interface RunCommandOptions {
  cwd?: string | undefined;
  /** The complete environment: nothing is inherited unless listed here. */
  env?: Record<string, string>;
  /** @defaultValue 120_000 */
  timeoutMs?: number;
  /** Output kept per stream; anything beyond is dropped. @defaultValue 4 MiB */
  maxBufferBytes?: number;
  /** Text written to stdin; stdin is closed otherwise. */
  input?: string | undefined;
}

/** RunCommandOptions with every default filled in. */
export type CompleteRunOptions = RunCommandOptions &
  Required<Pick<RunCommandOptions, "env" | "timeoutMs" | "maxBufferBytes">>;

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandFailedError extends Error {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;
  /** What it wrote to stdout before failing (some commands answer with an exit code and output). */
  readonly stdout: string;
  /** It was stopped for taking too long: its exit code says nothing about the answer. */
  readonly timedOut: boolean;
  /** Why it failed, in a few words ("exit 1", "timed out after 5000 ms", …). */
  readonly reason: string;

  constructor(
    command: string,
    exitCode: number | undefined,
    stderr: string,
    reason: string,
    timedOut = false,
    stdout = "",
  ) {
    super(`${command} failed (${reason}): ${prefixWithin(stderr.trim(), 2000) || "no error output"}`);
    this.name = "CommandFailedError";
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.stdout = stdout;
    this.timedOut = timedOut;
    this.reason = reason;
  }
}

/**
 * Runs a command to completion and returns its output; throws CommandFailedError otherwise. It
 * runs in the command runner when there is one.
 */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const complete = {
    ...options,
    env: options.env ?? inheritedEnvironment(),
    timeoutMs: options.timeoutMs ?? 120_000,
    maxBufferBytes: options.maxBufferBytes ?? 4 * 1024 * 1024,
  };
  if (processRunner === undefined) {
    launched(file);
    return runCommandHere(file, args, complete);
  }
  launched(file, "command_runner");
  return processRunner.run(file, args, complete);
}

/** Runs a command in this process (the command runner's side of runCommand). */
export async function runCommandHere(
  file: string,
  args: readonly string[],
  options: CompleteRunOptions,
): Promise<CommandResult> {
  const result = await execa(file, args, {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env,
    extendEnv: false,
    timeout: options.timeoutMs,
    maxBuffer: options.maxBufferBytes,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    reject: false,
    stripFinalNewline: false,
  });
  const label = `${file} ${args.slice(0, 2).join(" ")}`;
  if (result.failed) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : result.isMaxBuffer
        ? "output too large"
        : result.exitCode === undefined
          ? `${result.signal ?? "could not start"}`
          : `exit ${result.exitCode}`;
    throw new CommandFailedError(
      label,
      result.exitCode,
      String(result.stderr ?? result.message),
      reason,
      result.timedOut,
      String(result.stdout ?? ""),
    );
  }
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

export interface StartProcessOptions {
  cwd: string;
  env: Record<string, string>;
}

/** How every long-lived process starts: its own process group, stdin closed, nothing buffered. */
function longLivedOptions(options: StartProcessOptions) {
  return {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    detached: true,
    stdin: "ignore",
    stderr: "pipe",
    buffer: false,
    reject: false,
  } as const;
}

/**
 * Starts a long-lived process in a new process group (detached) with stdin closed and its
 * output streamed, never buffered: read `stdout`/`stderr` as streams.
 */
export function startProcess(file: string, args: readonly string[], options: StartProcessOptions) {
  launched(file);
  return execa(file, args, { ...longLivedOptions(options), stdout: "pipe" });
}

/** A long-lived process started with stdout to a file, wherever it was forked. */
export interface LongLivedProcess {
  /** Undefined when it could not start (`exited` says how). */
  pid: number | undefined;
  exited: Promise<LongLivedExit>;
}

export interface LongLivedExit {
  exitCode: number | undefined;
  signal: string | undefined;
  /** The end of stderr, for error reports. */
  stderrTail: string;
  /** Set when the process that started it ended first, so its real exit was never seen. */
  lost?: string | undefined;
}

const stderrTailChars = 4000;

/**
 * Starts a long-lived process whose stdout is appended to a file (read it with followFile): it
 * never waits for a reader, and nothing it wrote is lost if it exits at once. In the command
 * runner when there is one.
 */
export async function startWritingTo(
  stdoutFile: string,
  file: string,
  args: readonly string[],
  options: StartProcessOptions,
): Promise<LongLivedProcess> {
  if (processRunner === undefined) {
    launched(file);
    return startWritingToHere(stdoutFile, file, args, options);
  }
  launched(file, "command_runner");
  return processRunner.startProcess(stdoutFile, file, args, options);
}

/** Starts a long-lived process in this process (the command runner's side of startWritingTo). */
export function startWritingToHere(
  stdoutFile: string,
  file: string,
  args: readonly string[],
  options: StartProcessOptions,
): LongLivedProcess {
  const subprocess = execa(file, args, {
    ...longLivedOptions(options),
    stdout: { file: stdoutFile, append: true },
  });
  let stderrTail = "";
  subprocess.stderr.setEncoding("utf8");
  subprocess.stderr.on("data", (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailChars);
  });
  return {
    pid: subprocess.pid,
    exited: subprocess.then((result) => ({
      exitCode: result.exitCode,
      signal: result.signal,
      stderrTail,
    })),
  };
}

/**
 * Kills one agent's processes (see kill-agent-processes.ts), in the command runner when there
 * is one: finding them reads every process's environment, work kept off a worker's event loop.
 * A runner that cannot (closed, or ended on the way) leaves the work to this process: a stop
 * never fails.
 */
export async function stopAgentProcesses(stop: AgentStop): Promise<number> {
  if (processRunner === undefined) return stopAgentHere(stop);
  return processRunner.stopAgent(stop).catch(() => stopAgentHere(stop));
}

export type StartedProcess = ReturnType<typeof startProcess>;

/**
 * Starts a Node program of Flotilla's own as a child with an IPC channel (its messages go through
 * `process.send`), a heap limited to `maxHeapMiB`, and its output on this process's.
 */
export function forkNodeProgram(programPath: string, maxHeapMiB: number): ChildProcess {
  launched(process.execPath);
  return fork(programPath, [], {
    // Not this process's flags (a --cpu-prof or --inspect of the worker is not the child's).
    execArgv: [`--max-old-space-size=${maxHeapMiB}`],
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalProcessGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "ESRCH")) throw error;
  }
}

/** The current process's environment without undefined entries, for tools that need it (git). */
function inheritedEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) environment[name] = value;
  return environment;
}
