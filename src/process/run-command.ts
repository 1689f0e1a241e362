// The one place Flotilla starts subprocesses. Short commands (git, redis-cli) run to completion
// with bounded output; long-lived ones (claude, redis-server) are started in their own process
// group so that a kill reaches everything they started through the group.
import { execa } from "execa";

export interface RunCommandOptions {
  cwd?: string;
  /** The complete environment: nothing is inherited unless listed here. */
  env?: Record<string, string>;
  /** @defaultValue 120_000 */
  timeoutMs?: number;
  /** Output kept per stream; anything beyond is dropped. @defaultValue 4 MiB */
  maxBufferBytes?: number;
  /** Text written to stdin; stdin is closed otherwise. */
  input?: string;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

export class CommandFailedError extends Error {
  readonly command: string;
  readonly exitCode: number | undefined;
  readonly stderr: string;

  constructor(command: string, exitCode: number | undefined, stderr: string, reason: string) {
    super(`${command} failed (${reason}): ${stderr.trim().slice(0, 2000) || "no error output"}`);
    this.name = "CommandFailedError";
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

/** Runs a command to completion and returns its output; throws CommandFailedError otherwise. */
export async function runCommand(
  file: string,
  args: readonly string[],
  options: RunCommandOptions = {},
): Promise<CommandResult> {
  const result = await execa(file, args, {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? inheritedEnvironment(),
    extendEnv: false,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: options.maxBufferBytes ?? 4 * 1024 * 1024,
    ...(options.input === undefined ? { stdin: "ignore" as const } : { input: options.input }),
    reject: false,
    stripFinalNewline: false,
  });
  const label = `${file} ${args.slice(0, 2).join(" ")}`;
  if (result.failed) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs ?? 120_000} ms`
      : result.isMaxBuffer
        ? "output too large"
        : result.exitCode === undefined
          ? `${result.signal ?? "could not start"}`
          : `exit ${result.exitCode}`;
    throw new CommandFailedError(label, result.exitCode, String(result.stderr ?? result.message), reason);
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
  return execa(file, args, { ...longLivedOptions(options), stdout: { file: stdoutFile, append: true } });
}

export type StartedProcess = ReturnType<typeof startProcess>;

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function signalProcessGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

/** The current process's environment without undefined entries, for tools that need it (git). */
export function inheritedEnvironment(): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) if (value !== undefined) environment[name] = value;
  return environment;
}
