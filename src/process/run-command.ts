// The one place Flotilla starts subprocesses. Short commands (git, redis-cli) run to completion
// with bounded output; long-lived ones (claude, redis-server) are started in their own process
// group so that a kill reaches everything they started through the group.
//
// Starting a process forks, and a fork blocks the event loop for as long as the kernel takes to
// copy the page tables of a process with a large heap: a worker running many agents starts
// hundreds of short git commands a minute. So a worker hands its short commands to a command
// runner (command-runner.ts), a small process that forks for it; long-lived ones start here.
import { type ChildProcess, fork } from "node:child_process";
import { basename } from "node:path";
import { execa } from "execa";
import { prefixWithin } from "../text/truncate.ts";

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

/** Runs short commands in another process (see the top of this file). */
export interface ShortCommandRunner {
  run(file: string, args: readonly string[], options: CompleteRunOptions): Promise<CommandResult>;
}

let shortCommandRunner: ShortCommandRunner | undefined;

/** From now on short commands run in `runner` (undefined: here again). */
export function runShortCommandsIn(runner: ShortCommandRunner | undefined): void {
  shortCommandRunner = runner;
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
  if (shortCommandRunner === undefined) {
    launched(file);
    return runCommandHere(file, args, complete);
  }
  launched(file, "command_runner");
  return shortCommandRunner.run(file, args, complete);
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

/**
 * Like startProcess, but stdout is appended to a file (read it with followFile): the process
 * never waits for a reader, and nothing it wrote is lost if it exits at once.
 */
export function startProcessWritingTo(
  stdoutFile: string,
  file: string,
  args: readonly string[],
  options: StartProcessOptions,
) {
  launched(file);
  return execa(file, args, { ...longLivedOptions(options), stdout: { file: stdoutFile, append: true } });
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
